"""The widgets on what the command line writes: every widget built from `viewexplore pretrain` checkpoints (opened
with `load_run`) and driven through its public state and controls, as a person would through the sliders and buttons
(the browser test drives the real ones)."""
import os, random, subprocess
from pathlib import Path
import numpy as np
import pytest
import torch

pytest.importorskip('ipywidgets', reason="the widgets need ipywidgets (pip install 'viewexplore[widgets]')")
import viewexplore.widgets.looc as looc_widgets
from viewexplore.widgets import (ViewGallery, BudgetExplorer, HeadContributionExplorer, RetrievalExplorer,
                                 LeaveOneOutSampler, head_contribution_data, load_run)
from viewexplore.core import InputError, CheckpointError
from viewexplore.train import Pretrainer, PretrainConfig
from conftest import viewexplore_cmd

pytestmark = pytest.mark.slow   # end to end: three `viewexplore pretrain` runs (the lessons 36 and 70-75 test the same quickly)

TINY = ['--train-subset', '300', '--test-subset', '200', '--batch-size', '100', '--probe-epochs', '1', '--no-progress']

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    cli, d = viewexplore_cmd(), tmp_path_factory.mktemp('widget-runs')
    vm = ['--views', 'viewmaker', '--viewmaker-width', '8', '--epochs', '1']
    for name, args in dict(vm=vm, vm_big=vm + ['--distortion-budget', '0.5'],
                           looc=['--method', 'looc++', '--augment', 'rotation', '--head-hidden', '64', '--queue-size',
                                 '400', '--bn-splits', '4', '--epochs', '1']).items():
        r = subprocess.run(cli + ['pretrain', *args, *TINY, '--out', str(d / name)], capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stderr[-3000:]
    return d

def test_load_run_is_the_trainers_run_without_side_effects(runs):
    rng = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    run = load_run(runs / 'looc')
    assert torch.equal(torch.get_rng_state(), rng[0]) and np.array_equal(np.random.get_state()[1], rng[1])
    assert random.getstate() == rng[2]
    assert not run.data.loaded and not run.method.training and run.data.modality == 'image'
    assert run.head_names == ['invariant', 'rotation space'] and run.epoch == 1
    tr = Pretrainer.from_checkpoint(runs / 'looc' / 'checkpoint.pt', progress=False)
    mine, theirs = run.method.state_dict(), tr.method.state_dict()
    assert sorted(mine) == sorted(theirs)
    assert all(torch.equal(mine[k], v) for k, v in theirs.items() if isinstance(v, torch.Tensor))
    x, y = run.data.test(7)
    assert torch.equal(x, tr.data.test_x[:7]) and torch.equal(y, tr.data.test_y[:7])
    assert load_run(runs / 'looc' / 'checkpoint.pt') is run

def test_budget_explorer_and_gallery_on_cli_checkpoints(runs):
    imgs, _ = load_run(runs / 'vm').data.test(3)
    ex = BudgetExplorer([runs / 'vm' / 'checkpoint.pt', str(runs / 'vm_big'), 'noise'], imgs, budget=0.05)
    names = list(ex.stats)
    assert names == ['vm: viewmaker views (simclr, budget 0.05)', 'vm_big: viewmaker views (simclr, budget 0.5)',
                     'noise']
    ex.controls['budget'].value = 0.4            # what the slider does
    assert abs(ex.budget - 0.4) < 1e-9
    for n in names: assert abs(ex.stats[n]['mean_abs_delta'] - 0.4) < 2e-3
    assert "0.4000" in ex.html
    assert ex.sources[1].budget == 0.5           # the checkpoint's own budget is known, the slider overrides it
    low = BudgetExplorer([runs / 'vm'], imgs, budget=0.01).stats[names[0]]
    assert ex.stats[names[0]]['psnr'] < low['psnr'] and ex.stats[names[0]]['l1'] > low['l1']
    ex.budget = 0.1                              # from Python: the slider follows
    assert abs(ex.controls['budget'].value - 0.1) < 1e-9
    gal = ViewGallery([runs / 'vm', runs / 'looc'], imgs, n_views=3)
    v0 = gal.gallery['views'].clone()
    gal.controls['resample'].click()
    assert gal.seed == 3 and not torch.equal(gal.gallery['views'], v0)
    gal.controls['source'].value = gal.controls['source'].options[1]   # LooC's augmentations as a view source
    assert gal.source.startswith('looc: looc++ views')
    assert gal.gallery['source'].budget is None and gal.html.count("class='vx-view'") == 3 * 3

def test_head_contributions_are_computed_once_per_checkpoint(runs, monkeypatch):
    looc_widgets._CONTRIBUTIONS.clear()
    for f in (runs / 'looc').glob('.head_contributions-*.pt'): f.unlink()
    hc = HeadContributionExplorer(runs / 'looc', n_train=300, n_test=200, epochs=50)
    assert hc.data['from_cache'] is None and hc.names == ['invariant', 'rotation space']
    def never(*a, **k): raise AssertionError("the classifier was trained again")
    monkeypatch.setattr(looc_widgets, 'head_contribution_classifier', never)
    again = HeadContributionExplorer(runs / 'looc', n_train=300, n_test=200, epochs=50)
    assert again.data['from_cache'] == 'memory'
    looc_widgets._CONTRIBUTIONS.clear()          # a new session reads the file next to the checkpoint
    new_session = head_contribution_data(runs / 'looc', n_train=300, n_test=200, epochs=50)
    assert new_session['from_cache'] == 'file'
    assert torch.equal(new_session['result']['shares'], hc.result['shares'])
    seen = set()
    for i in range(min(5, hc.n_examples)):
        hc.controls['example'].value = i         # what the slider does
        assert hc.example == i and abs(float(hc.shares.sum()) - 1) < 1e-5
        assert hc.html.count("class='vx-bar'") == 2
        seen.add(hc.index)
    assert len(seen) == min(5, hc.n_examples)

def test_retrievals_and_leave_one_out_on_a_cli_checkpoint(runs):
    run = load_run(runs / 'looc')
    x, y = run.data.test(150)
    rx = RetrievalExplorer({'looc++': runs / 'looc', 'viewmaker run': runs / 'vm'}, x, y, run.data.classes, k=4,
                           heads=True)
    assert list(rx.features) == ['looc++', 'looc++ / head 0', 'looc++ / head 1', 'viewmaker run']
    rx.controls['query'].value = 7
    assert rx.query == 7 and all(7 not in r['index'].tolist() for r in rx.results.values())
    assert rx.html.count('vx-neighbour') == 4 * 4
    los = LeaveOneOutSampler(x[:2], runs / 'looc' / 'checkpoint.pt')
    assert los.sample['names'] == ['k0', 'k1'] and los.sample['shared_with_q'] == [[], ['rotation']]
    los.controls['resample'].click()
    assert los.seed == 1 and los.html.count("class='vx-key'") == 2 * 2

def test_widgets_refuse_what_they_cannot_show(runs, tmp_path):
    with pytest.raises(InputError, match='looc\\+\\+'): HeadContributionExplorer(runs / 'vm')
    with pytest.raises(InputError, match='moco / looc'): LeaveOneOutSampler(torch.rand(2, 1, 28, 28), runs / 'vm')
    with pytest.raises(CheckpointError, match='viewexplore pretrain'):
        BudgetExplorer([tmp_path / 'none.pt'], torch.rand(2, 1, 28, 28))
    with pytest.raises(InputError, match='within'): BudgetExplorer(['noise'], torch.rand(2, 1, 28, 28)).budget = 3.
    with pytest.raises(InputError, match='channels'): BudgetExplorer([runs / 'vm'], torch.rand(2, 3, 28, 28))

HAPT = Path(os.environ.get('VIEWEXPLORE_DATA', Path(__file__).resolve().parents[2] / 'shared' / 'data')) / 'hapt_raw_50hz.npz'

@pytest.mark.skipif(not HAPT.is_file(), reason=f"HAPT file not found at {HAPT} (set VIEWEXPLORE_DATA)")
def test_sensor_runs_open_without_their_data(tmp_path):
    "Spectrogram runs: built from the checkpoint's description (time-domain views need the raw signals, so load them)."
    for views in ['viewmaker', 'combined', 'waveform']:
        cfg = PretrainConfig(data='hapt', views=views, viewmaker_width=8, train_subset=200, test_subset=100, epochs=0,
                             batch_size=50)
        tr = Pretrainer(cfg, out_dir=tmp_path / views, progress=False)
        tr.save_checkpoint()
        run = load_run(tmp_path / views)
        assert run.data.modality == 'sensor' and run.data.loaded == (views == 'waveform')
        theirs = tr.method.state_dict()
        assert all(torch.equal(run.method.state_dict()[k], v) for k, v in theirs.items() if isinstance(v, torch.Tensor))
        if views == 'waveform': continue
        x, _ = run.data.test(2)
        ex = BudgetExplorer([tmp_path / views, 'noise'], x, budget=0.3)
        assert ex.modality == 'sensor' and not any(s.clamp for s in ex.sources)   # spectrograms are not clamped
        assert all(s['clamped_fraction'] == 0 for s in ex.stats.values())
        budget_kept = list(ex.stats.values()) if views == 'viewmaker' else [ex.stats['noise']]  # combined: + masking
        assert all(abs(s['mean_abs_delta'] - 0.3) < 2e-3 for s in budget_kept)
