"End-to-end runs of the `viewexplore` command line on the embedded data: outputs, resume, interruption, bad input."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from viewexplore.core import load_checkpoint, CheckpointError
from viewexplore.storage import atomic_save

TINY = ['--train-subset', '300', '--test-subset', '100', '--batch-size', '100', '--viewmaker-width', '8',
        '--num-res-blocks', '1', '--probe-epochs', '2', '--no-progress']


def run(cmd, *args, timeout=600):
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def run_main(*args, env=None):
    """`viewexplore ARGS` in this process, for the one-line-error paths: they stop before training, so a subprocess
    would mostly pay Python's and torch's start-up. An exception that escapes `main` fails the test with its traceback,
    as 'Traceback' in a subprocess's stderr does. The end-to-end runs above use the real console script."""
    import contextlib, io
    from viewexplore.cli import main
    out, err, before = io.StringIO(), io.StringIO(), dict(os.environ)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as e:   # argparse's own errors
                code = e.code if isinstance(e.code, int) else 2
    finally:
        os.environ.clear()
        os.environ.update(before)
    return subprocess.CompletedProcess(['viewexplore', *args], code, out.getvalue(), err.getvalue())


@pytest.mark.slow
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
@pytest.mark.slow
def test_every_view_kind_and_objective_runs(cli, tmp_path, views, objective, extra):
    r = run(cli, 'pretrain', '--epochs', '1', '--views', views, '--objective', objective, *extra, *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 'r' / 'metrics.json').read_text())['config']['loss']['objective'] == objective


def test_random_encoder_baseline_with_zero_epochs(cli, tmp_path):
    r = run(cli, 'pretrain', '--epochs', '0', '--views', 'expert', *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 'r' / 'metrics.json').read_text())['epochs_trained'] == 0
    assert load_checkpoint(tmp_path / 'r' / 'checkpoint.pt')['epoch'] == 0   # the untrained encoder can be re-evaluated


@pytest.mark.slow
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
    r = run_main('pretrain', '--epochs', '1', *TINY, *args, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'r' / 'checkpoint.pt').exists()


def test_folder_without_images_says_what_is_expected(cli, tmp_path):
    (tmp_path / 'empty' / 'cats').mkdir(parents=True)
    (tmp_path / 'empty' / 'cats' / 'notes.txt').write_text('no images here')
    r = run_main('pretrain', '--data', str(tmp_path / 'empty'), *TINY, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert 'image' in r.stderr.lower()


@pytest.mark.slow
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
    assert r.returncode == 2 and 'not fit' in r.stderr and 'Traceback' not in r.stderr   # load_run: 'do not fit'


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


def test_resume_auto_starts_continues_and_refuses_a_run_of_other_options(tmp_path):
    "`--resume auto`: one command line for the first start and every restart (what torchrun --max-restarts reruns)."
    out = tmp_path / 'run'
    args = ['pretrain', '--views', 'expert', *TINY, '--knn-every-epoch', 'false', '--probe-epochs', '1', '--out', out]
    r = run_main(*args, '--epochs', '1', '--resume', 'auto')   # nothing there yet: it starts
    assert r.returncode == 0 and 'Pretraining on' in r.stderr, r.stderr
    assert load_checkpoint(out / 'checkpoint.pt')['epoch'] == 1
    r = run_main(*args, '--epochs', '2', '--resume', 'auto')   # the same run (more epochs): it continues
    assert r.returncode == 0 and 'Resuming' in r.stderr, r.stderr
    assert load_checkpoint(out / 'checkpoint.pt')['global_step'] == 6   # 300 / 100 steps an epoch
    before = (out / 'checkpoint.pt').read_bytes()
    r = run_main(*args, '--epochs', '3', '--seed', '1', '--resume', 'auto')   # another run's options: refused
    assert r.returncode == 2 and "--seed 0 there, 1 here" in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert (out / 'checkpoint.pt').read_bytes() == before
    r = run_main(*args, '--epochs', '3', '--resume')   # plain --resume still takes its options from the checkpoint
    assert r.returncode == 2 and 'only --epochs and --device may be given' in r.stderr


def test_the_cluster_example_runs_a_valid_command_line():
    "docs/cluster/slurm.sh (SLURM, several nodes) gives `viewexplore pretrain` options it accepts, --resume auto among them."
    import re, shlex
    from viewexplore.cli import build_parser
    script = (Path(__file__).parent.parent / 'docs' / 'cluster' / 'slurm.sh').read_text()
    assert subprocess.run(['bash', '-n', '-c', script]).returncode == 0   # it parses
    command = ' '.join(script.split('-m viewexplore ', 1)[1].replace('\\\n', ' ').split())
    args = build_parser().parse_args(shlex.split(command))
    assert args.command == 'pretrain' and args.resume == 'auto' and args.out
    torchrun = script.split('srun torchrun', 1)[1].split('-m viewexplore', 1)[0]
    for flag in ('--nnodes', '--nproc-per-node', '--rdzv-backend c10d', '--rdzv-endpoint', '--max-restarts'):
        assert flag in torchrun, flag


LOOC_TINY = ['--train-subset', '256', '--test-subset', '64', '--batch-size', '64', '--queue-size', '128', '--head-hidden', '32',
             '--bn-splits', '4', '--probe-epochs', '1', '--no-progress']


@pytest.mark.parametrize('method,augment', [('moco', 'rotation'), ('moco++', 'color,rotation'), ('looc', 'color,rotation,texture'),
                                            ('looc++', 'rotation,viewmaker')])
@pytest.mark.slow
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
    r = run_main('pretrain', *args, '--out', str(tmp_path / 'r'))
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path / 'r').exists()


@pytest.mark.parametrize('data,archive,views', [('fsdd', 'fsdd-recordings.tar.gz', 'viewmaker'), ('hapt', 'hapt_raw_50hz.npz', 'viewmaker'),
                                                ('hapt', 'hapt_raw_50hz.npz', 'expert')])
@pytest.mark.slow
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


# ---- your own data from the command line: a folder of WAV files, sensor recordings in .npz / .csv -----------------
OWN_TINY = ['--epochs', '1', '--batch-size', '8', '--viewmaker-width', '4', '--num-res-blocks', '1', '--probe-epochs', '1',
            '--no-progress']


def write_wav(path, freq, seconds=0.4, rate=8000):
    import wave
    import numpy as np
    t = np.arange(int(seconds * rate)) / rate
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes((0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype('<i2').tobytes())


def wav_folder(root):
    "Two classes in class folders, three speakers named in the file names, four takes each."
    for spk in ('ann', 'bob', 'cy'):
        for i in range(4):
            write_wav(root / 'low' / f'{spk}_{i}.wav', 250 + 30 * i)
            write_wav(root / 'high' / f'{spk}_{i}.wav', 1800 + 60 * i)
    return root


def sensor_arrays(n_subjects=3, seconds=8, rate=50, seed=0):
    "Per-sample recordings: walking is a 2 Hz oscillation, sitting small noise; three channels."
    import numpy as np
    g = np.random.default_rng(seed)
    t = np.arange(seconds * rate) / rate
    xs, labels, subjects = [], [], []
    for s in range(1, n_subjects + 1):
        for act in ('walking', 'sitting'):
            sig = np.sin(2 * np.pi * 2 * t)[:, None] * [1, .5, .2] if act == 'walking' else np.zeros((len(t), 3))
            xs.append(sig + .05 * g.standard_normal((len(t), 3)))
            labels += [act] * len(t)
            subjects += [s] * len(t)
    return np.concatenate(xs).astype(np.float32), np.array(labels), np.array(subjects)


def own_env(tmp_path):
    return dict(os.environ, VIEWEXPLORE_CACHE=str(tmp_path / 'cache'))


def cached_files(tmp_path):
    return sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / 'cache').rglob('*') if p.is_file())


@pytest.mark.slow
def test_own_wav_folder_trains_and_its_checkpoint_rebuilds_the_data(cli, tmp_path):
    data = wav_folder(tmp_path / 'tones')
    out = tmp_path / 'r'
    r = subprocess.run(cli + ['pretrain', '--data', str(data), *OWN_TINY, '--out', str(out)], capture_output=True, text=True,
                       timeout=600, env=own_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert 'speech examples' in r.stderr
    m = json.loads((out / 'metrics.json').read_text())
    assert m['config']['data'] == str(data) and m['epochs_trained'] == 1
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['data']['classes'] == ['high', 'low'] and ck['data']['n_train'] + 0 > 0
    # evaluate rebuilds the data from the config in a fresh process and gets the same kNN accuracy
    r = subprocess.run(cli + ['evaluate', str(out), '--probe-epochs', '1', '--no-progress'], capture_output=True, text=True,
                       timeout=600, env=own_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads((out / 'evaluation.json').read_text())['knn_accuracy'] == pytest.approx(m['knn_accuracy'])


@pytest.mark.parametrize('labels', ['regex', 'csv'])
@pytest.mark.slow
def test_own_wav_folder_with_labels_and_a_held_out_speaker(cli, tmp_path, labels):
    data = wav_folder(tmp_path / 'tones')
    if labels == 'csv':   # labels from a CSV file (here the opposite of the folders, to see that it is what is used)
        rows = ['filename,label,speaker'] + [f'{f.relative_to(data).as_posix()},{"up" if f.parent.name == "low" else "down"},'
                                             f'{f.stem.split("_")[0]}' for f in sorted(data.rglob('*.wav'))]
        (data / 'labels.csv').write_text('\n'.join(rows) + '\n')
        how, classes = 'labels.csv', ['down', 'up']
    else: how, classes = r'(?P<label>[a-z]+)/(?P<speaker>[a-z]+)_\d+\.wav', ['high', 'low']
    out = tmp_path / 'r'
    r = subprocess.run(cli + ['pretrain', '--data', str(data), '--labels', how, '--split', 'speaker:cy', *OWN_TINY,
                              '--out', str(out)], capture_output=True, text=True, timeout=600, env=own_env(tmp_path))
    assert r.returncode == 0, r.stderr
    spec = json.loads((out / 'config.json').read_text())['data']
    assert spec.startswith(str(data) + '?') and 'split=speaker%3Acy' in spec
    from viewexplore.data import load_dataset
    ds = load_dataset(spec)   # what the run trained on, rebuilt from its config
    assert ds.classes == classes and ds.group_names == ['ann', 'bob', 'cy'] and len(ds.test_x) == 8
    assert load_checkpoint(out / 'checkpoint.pt')['data']['n_train'] == 16


@pytest.mark.parametrize('form', ['npz', 'csv'])
@pytest.mark.slow
def test_own_sensor_recordings_train_with_window_hop_and_subject_split(cli, tmp_path, form):
    import numpy as np
    x, labels, subjects = sensor_arrays()
    if form == 'npz':
        data = tmp_path / 'rec.npz'
        np.savez(data, signals=x, labels=labels, subjects=subjects, rate=50)
        rate = []
    else:   # one CSV per person, without a time column: the rate comes from --rate
        data = tmp_path / 'csvs'
        data.mkdir()
        for s in (1, 2, 3):
            k = subjects == s
            lines = ['subject,label,ax,ay,az'] + [f'{s},{lab},{a:.6f},{b:.6f},{c:.6f}' for (a, b, c), lab in zip(x[k], labels[k])]
            (data / f'person{s}.csv').write_text('\n'.join(lines) + '\n')
        rate = ['--rate', '50']
    out = tmp_path / 'r'
    r = subprocess.run(cli + ['pretrain', '--data', str(data), *rate, '--window', '1', '--hop', '0.5', '--split', 'subject:3',
                              *OWN_TINY, '--out', str(out)], capture_output=True, text=True, timeout=600, env=own_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert 'sensor examples' in r.stderr
    spec = json.loads((out / 'config.json').read_text())['data']
    assert 'window=1.0' in spec and 'hop=0.5' in spec and 'split=subject%3A3' in spec
    ck = load_checkpoint(out / 'checkpoint.pt')
    # 8 s per activity, 1 s windows every 0.5 s: 15 windows per activity and person; persons 1 and 2 train
    assert ck['data']['n_train'] == 2 * 2 * 15 and ck['data']['channels'] == 3 and ck['data']['classes'] == ['sitting', 'walking']
    assert cached_files(tmp_path) == []


@pytest.mark.slow
def test_named_sets_take_their_split_from_split(cli, tmp_path):
    from conftest import SHARED_DATA
    if not (SHARED_DATA / 'hapt_raw_50hz.npz').is_file(): pytest.skip(f"hapt_raw_50hz.npz not found in {SHARED_DATA}")
    env = dict(own_env(tmp_path), VIEWEXPLORE_DATA=str(SHARED_DATA))
    out = tmp_path / 'r'
    r = subprocess.run(cli + ['pretrain', '--data', 'hapt', '--split', 'subject:9,10', '--epochs', '0', '--train-subset', '64',
                              '--test-subset', '32', '--probe-epochs', '1', '--no-progress', '--out', str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / 'config.json').read_text())['data'] == 'hapt:subject:9,10'


def _bad_data(tmp_path, case):
    import numpy as np
    x, labels, subjects = sensor_arrays(n_subjects=2)
    if case == 'unreadable wav':
        d = wav_folder(tmp_path / 'tones')
        (d / 'low' / 'broken.wav').write_bytes(b'RIFF\x10\x00\x00\x00WAVEjunk')
        return [str(d)], 'broken.wav'
    if case == 'labels missing (npz)':
        np.savez(tmp_path / 'rec.npz', signals=x, subjects=subjects, rate=50)
        return [str(tmp_path / 'rec.npz')], "rec.npz has no 'labels' array"
    if case == 'labels missing (csv)':
        (tmp_path / 'c').mkdir()
        (tmp_path / 'c' / 'a.csv').write_text('ax,ay\n0.1,0.2\n')
        return [str(tmp_path / 'c')], "a.csv: no 'label' column"
    if case == 'wav not in a class folder':
        write_wav(tmp_path / 'flat' / 'x.wav', 440)
        return [str(tmp_path / 'flat')], 'x.wav is not in a class folder'
    if case == 'channels differ':
        (tmp_path / 'c').mkdir()
        (tmp_path / 'c' / 'a.csv').write_text('label,ax,ay,az\nwalk,0.1,0.2,0.3\n')
        (tmp_path / 'c' / 'b.csv').write_text('label,ax,ay\nwalk,0.1,0.2\n')
        return [str(tmp_path / 'c'), '--rate', '50'], 'b.csv has 2 channels (ax, ay) but'
    if case == 'no full window':
        np.savez(tmp_path / 'rec.npz', signals=x, labels=labels, subjects=subjects, rate=20)
        return [str(tmp_path / 'rec.npz'), '--window', '1'], 'a window of 1 s at 20 samples per second is 20 samples'
    if case == 'no rate':
        np.savez(tmp_path / 'rec.npz', signals=x, labels=labels)
        return [str(tmp_path / 'rec.npz')], '--rate'
    if case == 'window for a named set':
        return ['fashion-mnist-mini', '--window', '2'], 'apply to your own files, not to the named dataset'
    if case == 'too few to split':   # one recording per class: a random split holds none out
        for c, f in (('low', 250), ('high', 1800)): write_wav(tmp_path / 'few' / c / 'x.wav', f)
        return [str(tmp_path / 'few')], 'nothing is left to test on'
    if case == 'unknown subject':
        np.savez(tmp_path / 'rec.npz', signals=x, labels=labels, subjects=subjects, rate=50)
        return [str(tmp_path / 'rec.npz'), '--split', 'subject:7'], 'Subjects [7]'
    raise ValueError(case)


@pytest.mark.parametrize('case', ['unreadable wav', 'labels missing (npz)', 'labels missing (csv)', 'wav not in a class folder',
                                  'channels differ', 'no full window', 'no rate', 'window for a named set', 'unknown subject',
                                  'too few to split'])
def test_bad_own_data_gives_one_line_errors_and_leaves_nothing(cli, tmp_path, case):
    data, message = _bad_data(tmp_path, case)
    out = tmp_path / 'r'
    r = run_main('pretrain', '--data', *data, '--out', str(out), '--no-progress', env=own_env(tmp_path))
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not out.exists() and cached_files(tmp_path) == []   # nothing partial left behind


def test_a_preset_sets_its_options_and_options_given_beside_it_win(tmp_path):
    "`--preset fast` trains with PRESETS['fast']; an option given beside it wins; resuming refuses a preset."
    from viewexplore.config import PRESETS, PretrainConfig
    assert PRESETS['paper'] == {} and PRESETS['fast'], 'the fast preset changes something'
    def run_preset(out, *extra):
        r = run_main('pretrain', '--preset', 'fast', *TINY, '--epochs', '0', '--probe-epochs', '1',
                     '--knn-every-epoch', 'false', *extra, '--out', out)
        assert r.returncode == 0, r.stderr
        return PretrainConfig.from_dict(json.loads((out / 'config.json').read_text())).flat()
    fast = run_preset(tmp_path / 'fast')
    assert {k: fast[k] for k in PRESETS['fast']} == PRESETS['fast']
    mine = run_preset(tmp_path / 'mine', '--viewmaker-every', '1', '--mode', 'alternating')
    assert (mine['viewmaker_every'], mine['mode']) == (1, 'alternating')
    r = run_main('pretrain', '--preset', 'fast', '--resume', '--out', tmp_path / 'fast')
    assert r.returncode == 2 and 'drop --preset' in r.stderr and 'Traceback' not in r.stderr, r.stderr
