"End-to-end runs of the `viewexplore` command line on the embedded data: outputs, resume, interruption, bad input."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from viewexplore.core import load_checkpoint, CheckpointError, atomic_save

TINY = ['--train-subset', '300', '--test-subset', '100', '--batch-size', '100', '--viewmaker-width', '8',
        '--num-res-blocks', '1', '--probe-epochs', '2', '--no-progress']


def run(cmd, *args, timeout=600):
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def test_pretrain_writes_metrics_checkpoint_and_figure(cli, tmp_path):
    out = tmp_path / 'run'
    r = run(cli, 'pretrain', '--epochs', '2', '--seed', '3', *TINY, '--out', str(out))
    assert r.returncode == 0, r.stderr
    assert str(out / 'metrics.json') in r.stdout and 'linear-probe accuracy' in r.stdout
    m = json.loads((out / 'metrics.json').read_text())
    for k in ('linear_accuracy', 'knn_accuracy', 'config', 'seed', 'environment', 'wall_seconds', 'history'):
        assert k in m, k
    assert m['seed'] == 3 and m['config']['viewing']['views'] == 'viewmaker' and m['environment']['device'] == 'cpu'
    assert m['epochs_trained'] == 2 and len(m['history']) == 2 and 'knn_accuracy' in m['history'][-1]
    assert (out / 'views.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert json.loads((out / 'config.json').read_text()) == m['config']
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['epoch'] == 2 and 'viewmaker' in ck['optimizers'] and 'rng' in ck

    # evaluate re-reads the checkpoint and recomputes both numbers in a fresh process: the same probe (its seed and the
    # frozen viewmaker's noise come from the checkpoint) and the same kNN, so metrics.json reports what the model does
    r = run(cli, 'evaluate', str(out / 'checkpoint.pt'), '--probe-epochs', '2', '--no-progress')
    assert r.returncode == 0, r.stderr
    ev = json.loads((out / 'evaluation.json').read_text())
    assert ev['knn_accuracy'] == pytest.approx(m['knn_accuracy'])
    assert ev['linear_accuracy'] == pytest.approx(m['linear_accuracy'])
    assert m['knn_accuracy'] == pytest.approx(m['history'][-1]['knn_accuracy'])   # the monitor's last epoch

    # a second run into the same directory is refused and changes nothing
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = run(cli, 'pretrain', '--epochs', '1', *TINY, '--out', str(out))
    assert r.returncode == 2 and '--resume' in r.stderr and 'Traceback' not in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize('views,objective,extra', [('expert', 'simclr', []), ('noise', 'instdisc', ['--num-negatives', '64']),
                                                   ('combined', 'simclr', ['--distortion-budget', '0.01', '--mode', 'simultaneous'])])
def test_every_view_kind_and_objective_runs(cli, tmp_path, views, objective, extra):
    r = run(cli, 'pretrain', '--epochs', '1', '--views', views, '--objective', objective, *extra, *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 'r' / 'metrics.json').read_text())['config']['loss']['objective'] == objective


def test_random_encoder_baseline_with_zero_epochs(cli, tmp_path):
    r = run(cli, 'pretrain', '--epochs', '0', '--views', 'expert', *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 'r' / 'metrics.json').read_text())['epochs_trained'] == 0
    assert load_checkpoint(tmp_path / 'r' / 'checkpoint.pt')['epoch'] == 0   # the untrained encoder can be re-evaluated


def test_sigterm_leaves_a_usable_checkpoint_and_resume_finishes(cli, tmp_path):
    out = tmp_path / 'run'
    args = ['pretrain', '--epochs', '30', '--train-subset', '2000', '--test-subset', '200', '--batch-size', '50',
            '--viewmaker-width', '8', '--probe-epochs', '1', '--no-progress', '--out', str(out)]
    p = subprocess.Popen(cli + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / 'config.json').exists() and time.time() < deadline: time.sleep(0.2)
    time.sleep(3)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert 'SIGTERM' in err and '--resume' in err and 'Traceback' not in err
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['global_step'] >= 1 and not (out / 'metrics.json').exists()
    assert not [f for f in os.listdir(out) if f.endswith('.tmp')]   # no half-written files
    r = run(cli, 'pretrain', '--resume', '--epochs', str(ck['epoch'] + 1), '--out', str(out), '--no-progress')
    assert r.returncode == 0, r.stderr
    m = json.loads((out / 'metrics.json').read_text())
    assert m['epochs_trained'] == ck['epoch'] + 1
    assert load_checkpoint(out / 'checkpoint.pt')['global_step'] > ck['global_step']


@pytest.mark.parametrize('args,message', [
    (['--distortion-budget', '0'], 'distortion_budget must be a finite number > 0'),
    (['--distortion-budget', 'nan'], 'distortion_budget must be a finite number > 0'),
    (['--distortion-budget', '-0.5'], 'distortion_budget must be a finite number > 0'),
    (['--data', '/nonexistent/images'], '/nonexistent/images'),
    (['--batch-size', '0'], 'batch_size must be >= 1'),
])
def test_bad_options_give_one_line_errors(cli, tmp_path, args, message):
    r = run(cli, 'pretrain', '--epochs', '1', *TINY, *args, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'r' / 'checkpoint.pt').exists()


def test_folder_without_images_says_what_is_expected(cli, tmp_path):
    (tmp_path / 'empty' / 'cats').mkdir(parents=True)
    (tmp_path / 'empty' / 'cats' / 'notes.txt').write_text('no images here')
    r = run(cli, 'pretrain', '--data', str(tmp_path / 'empty'), *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert 'image' in r.stderr.lower()


def test_damaged_and_incompatible_checkpoints(cli, tmp_path):
    bad = tmp_path / 'damaged.pt'
    bad.write_bytes(b'\x80\x02 this is not a checkpoint')
    r = run(cli, 'evaluate', str(bad))
    assert r.returncode == 2 and 'damaged' in r.stderr and 'Traceback' not in r.stderr
    r = run(cli, 'evaluate', str(tmp_path / 'missing.pt'))
    assert r.returncode == 2 and 'No checkpoint' in r.stderr

    out = tmp_path / 'run'
    assert run(cli, 'pretrain', '--epochs', '1', *TINY, '--out', str(out)).returncode == 0
    ck = load_checkpoint(out / 'checkpoint.pt')
    ck['config']['viewing']['viewmaker_width'] = 16   # the stored weights no longer fit the model this config builds
    atomic_save(ck, tmp_path / 'incompatible.pt')
    r = run(cli, 'evaluate', str(tmp_path / 'incompatible.pt'))
    assert r.returncode == 2 and 'does not fit' in r.stderr and 'Traceback' not in r.stderr


class _Exploit:
    def __reduce__(self):
        return (os.system, (f'touch {os.environ.get("EXPLOIT_MARKER", "/tmp/viewexplore-exploit-marker")}',))


def test_a_checkpoint_cannot_run_code(tmp_path, monkeypatch):
    marker = tmp_path / 'pwned'
    monkeypatch.setenv('EXPLOIT_MARKER', str(marker))
    torch.save({'format': 'viewexplore-pretrain-1', 'payload': _Exploit()}, tmp_path / 'evil.pt')
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / 'evil.pt')
    assert not marker.exists()


def test_help_explains_every_option(cli):
    from viewexplore.config import PretrainConfig
    r = run(cli, 'pretrain', '--help')
    assert r.returncode == 0
    text = ' '.join(r.stdout.split())
    for name, group, f in PretrainConfig.options():
        assert '--' + name.replace('_', '-') in text, name
    for word in ('--out', '--resume', 'fashion-mnist-mini', 'cifar10-corners'):
        assert word in text
    from viewexplore.views import VIEW_KINDS
    for kind, what in VIEW_KINDS.items():   # every view kind is explained, not just named
        assert f"{kind}: {what}" in text, kind


LOOC_TINY = ['--train-subset', '256', '--test-subset', '64', '--batch-size', '64', '--queue-size', '128', '--head-hidden', '32',
             '--bn-splits', '4', '--probe-epochs', '1', '--no-progress']


@pytest.mark.parametrize('method,augment', [('moco', 'rotation'), ('moco++', 'color,rotation'), ('looc', 'color,rotation,texture'),
                                            ('looc++', 'rotation,viewmaker')])
def test_moco_and_looc_methods_run_from_the_command_line(cli, tmp_path, method, augment):
    out = tmp_path / 'r'
    r = run(cli, 'pretrain', '--method', method, '--augment', augment, '--epochs', '1', '--viewmaker-width', '4',
            '--num-res-blocks', '1', *LOOC_TINY, '--out', str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / 'metrics.json').read_text())
    assert m['config']['method'] == method and m['config']['moco']['augment'] == augment and m['epochs_trained'] == 1
    ck = load_checkpoint(out / 'checkpoint.pt')
    spaces = 1 if method == 'moco' else len(augment.split(',')) + 1
    assert ck['method']['queues.queue'].shape == (spaces, 128, 128)   # one queue per embedding space, saved
    assert any(k.startswith('key_encoder.') for k in ck['method'])   # and the momentum key encoder
    assert ('viewmaker' in ck['optimizers']) == ('viewmaker' in augment)
    # the checkpoint re-evaluates, and resuming for one more epoch continues the same run
    r = run(cli, 'evaluate', str(out), '--probe-epochs', '1', '--no-progress')
    assert r.returncode == 0, r.stderr
    r = run(cli, 'pretrain', '--resume', '--epochs', '2', '--out', str(out), '--no-progress')
    assert r.returncode == 0, r.stderr
    assert load_checkpoint(out / 'checkpoint.pt')['epoch'] == 2


@pytest.mark.parametrize('args,message', [
    (['--method', 'looc', '--augment', 'zoom'], 'Unknown augmentations'),
    (['--method', 'looc', '--augment', ''], 'at least one augmentation'),
    (['--method', 'looc', '--batch-size', '100', '--bn-splits', '8'], 'divisible by bn_splits'),
    (['--method', 'moco', '--queue-size', '16', '--batch-size', '64'], 'at least the batch size'),
    (['--method', 'looc', '--shared-augment', 'texture'], 'not used'),
])
def test_looc_option_mistakes_give_one_line_errors(cli, tmp_path, args, message):
    r = run(cli, 'pretrain', *args, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path / 'r').exists()


@pytest.mark.parametrize('data,archive,views', [('fsdd', 'fsdd-recordings.tar.gz', 'viewmaker'), ('hapt', 'hapt_raw_50hz.npz', 'viewmaker'),
                                                ('hapt', 'hapt_raw_50hz.npz', 'expert')])
def test_speech_and_sensor_spectrograms_train_from_the_command_line(cli, tmp_path, data, archive, views):
    from conftest import SHARED_DATA
    if not (SHARED_DATA / archive).is_file(): pytest.skip(f"{archive} not found in {SHARED_DATA} (set VIEWEXPLORE_DATA)")
    env = dict(os.environ, VIEWEXPLORE_DATA=str(SHARED_DATA), VIEWEXPLORE_CACHE=str(tmp_path / 'cache'))
    out = tmp_path / 'r'
    r = subprocess.run(cli + ['pretrain', '--data', data, '--views', views, '--epochs', '1', '--batch-size', '64', '--train-subset', '256',
                              '--test-subset', '64', '--viewmaker-width', '4', '--num-res-blocks', '1', '--probe-epochs', '1',
                              '--no-progress', '--out', str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    m = json.loads((out / 'metrics.json').read_text())
    assert m['epochs_trained'] == 1 and (out / 'views.png').is_file()
    if views == 'viewmaker':   # spectrograms are not clamped: the learned perturbation spends exactly its budget
        from viewexplore.train import Pretrainer
        t = Pretrainer.from_checkpoint(out / 'checkpoint.pt', progress=False)
        assert t.viewmaker.clamp is False
        x = t.data.test_x[:8]
        assert torch.allclose((t.views(x) - x).abs().mean((1, 2, 3)), torch.full((8,), 0.05), atol=1e-3)
    r = subprocess.run(cli + ['pretrain', '--data', data, '--method', 'looc', '--out', str(tmp_path / 'l')], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and 'method pairs' in r.stderr
