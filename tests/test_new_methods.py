"""The two methods beyond the papers (nbs/33_divmaker.ipynb, nbs/34_hard_views.ipynb): each trains with its own
objective (a test fails if it were replaced by the adversary's, or by a random pair), from Python and from the command
line, on images and on sensor data (UCI HAPT, skipped when $VIEWEXPLORE_DATA does not hold it); pyproject.toml declares
both as entry points, so an installed package offers them without an import."""
import copy, json, tomllib
from pathlib import Path
import pytest
import torch
from viewexplore.config import PretrainConfig
from viewexplore.methods import build_method, method_class
from viewexplore.data import load_fashion_mnist_mini, to_float
from viewexplore.losses import nt_xent
from viewexplore.divmaker import DivmakerMethod, divmaker_loss
from viewexplore.hard_views import HardViewsMethod, pair_losses
from viewexplore.cli import main
from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
MINI = load_fashion_mnist_mini()
needs_hapt = pytest.mark.skipif(not (SHARED_DATA / 'hapt_raw_50hz.npz').is_file(),
                                reason=f"hapt_raw_50hz.npz not found in {SHARED_DATA}")


def test_pyproject_declares_both_methods():
    eps = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['entry-points']['viewexplore.methods']
    assert eps['divmaker'] == 'viewexplore.divmaker:DivmakerMethod'
    assert eps['hard-views'] == 'viewexplore.hard_views:HardViewsMethod'
    assert method_class('divmaker') is DivmakerMethod and method_class('hard-views') is HardViewsMethod


def _method(**kw):
    torch.manual_seed(0)
    m = build_method(PretrainConfig(batch_size=32, viewmaker_width=4, num_res_blocks=1, **kw), MINI)
    m.optimizers = m.configure_optimizers()
    return m


def test_divmaker_generator_descends_its_own_objective():
    "The generator's step is on the diversity loss of its fresh views; the adversary's -NT-Xent would fail this."
    m, x, idx = _method(method='divmaker'), to_float(MINI.train_x[:32]), torch.arange(32)
    m.encoder_turn(x, idx)
    before, stepped, optimize = copy.deepcopy(m), [], m.optimize
    m.optimize = lambda loss, *names: (stepped.append((names, loss.detach())), optimize(loss, *names))
    torch.manual_seed(7)
    m.viewmaker_turn(x, idx)
    with torch.no_grad():
        torch.manual_seed(7)
        zx = before.encoder(x)
        zs = [before.encoder(before.views(x)) for _ in range(2)]
    (names, loss), = stepped
    assert names == ('viewmaker',)
    assert torch.allclose(loss, divmaker_loss(zx, zs, 0.07), atol=1e-5)
    assert not torch.allclose(loss, -nt_xent(zs[0], zs[1], 0.07), atol=1e-3)


def test_hard_views_train_on_every_examples_hardest_pair():
    "The encoder's loss is SimCLR's on the per-example hardest pairs; a random pair (plain SimCLR) would fail this."
    m, x, idx = _method(method='hard-views', views='expert'), to_float(MINI.train_x[:32]), torch.arange(32)
    before = copy.deepcopy(m)
    torch.manual_seed(3)
    loss = m.training_step(x, idx)
    torch.manual_seed(3)
    with torch.no_grad():
        views = [before.views(x) for _ in range(before.candidates)]
        pairs, losses = pair_losses([before.encoder(v) for v in views])
        best = losses.argmax(0)
        v1 = torch.stack([views[pairs[b][0]][i] for i, b in enumerate(best.tolist())])
        v2 = torch.stack([views[pairs[b][1]][i] for i, b in enumerate(best.tolist())])
        expected = nt_xent(before.encoder(v1), before.encoder(v2), 0.07)
        first = nt_xent(before.encoder(views[0]), before.encoder(views[1]), 0.07)
    assert torch.allclose(loss, expected, atol=1e-5)
    assert float(expected) > float(first)   # harder than the first pair drawn, which plain SimCLR would train on


@pytest.mark.parametrize('args', [['--method', 'divmaker'], ['--method', 'hard-views', '--views', 'expert']])
def test_command_line_on_images(args, tmp_path):
    rc = main(['pretrain', *args, '--epochs', '1', '--train-subset', '128', '--test-subset', '64', '--batch-size', '64',
               '--viewmaker-width', '4', '--num-res-blocks', '1', '--probe-epochs', '1', '--no-progress',
               '--out', str(tmp_path / 'run')])
    m = json.loads((tmp_path / 'run' / 'metrics.json').read_text())
    assert rc == 0 and m['config']['method'] == args[1] and m['epochs_trained'] == 1
    assert 0 < m['knn_accuracy'] <= 100


@needs_hapt
@pytest.mark.parametrize('args', [['--method', 'divmaker'], ['--method', 'hard-views', '--views', 'expert']])
def test_command_line_on_sensor_data(args, tmp_path, monkeypatch):
    monkeypatch.setenv('VIEWEXPLORE_DATA', str(SHARED_DATA))
    rc = main(['pretrain', '--data', 'hapt', *args, '--epochs', '1', '--train-subset', '128', '--test-subset', '64',
               '--batch-size', '64', '--viewmaker-width', '4', '--num-res-blocks', '1', '--probe-epochs', '1',
               '--no-progress', '--out', str(tmp_path / 'run')])
    m = json.loads((tmp_path / 'run' / 'metrics.json').read_text())
    assert rc == 0 and m['config']['data'] == 'hapt' and m['config']['method'] == args[1]
    assert all(h['loss'] == h['loss'] for h in m['history'])   # finite: no NaN
    from viewexplore.runs import load_run
    run = load_run(tmp_path / 'run')
    assert run.data.modality == 'sensor'
    if args[1] == 'divmaker':   # sensor views are not clamped: the budget is spent exactly
        x = run.data.load().test_x[:4]
        with torch.no_grad(): d = run.viewmaker.delta(x)
        assert torch.allclose(d.abs().mean((1, 2, 3)), torch.full((4,), 0.05), atol=1e-3)
    else: assert run.viewmaker is None
