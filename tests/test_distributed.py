"""Data-parallel training on torch.distributed (gloo, 2 CPU processes): equivalence with one process, torchrun
end to end, and faults (SIGTERM, a killed process, resume)."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from viewexplore.core import load_checkpoint

HERE = Path(__file__).parent
TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '2']
ENV = dict(os.environ, OMP_NUM_THREADS='1')


def _torchrun(*args, timeout=600, **kw):
    return subprocess.run(TORCHRUN + list(args), capture_output=True, text=True, timeout=timeout, env=ENV, **kw)


@pytest.fixture(scope='module')
def steps(tmp_path_factory):
    "One step of every case with 1 process on the whole batch and with 2 processes on half batches."
    one, two = tmp_path_factory.mktemp('one'), tmp_path_factory.mktemp('two')
    r = subprocess.run([sys.executable, str(HERE / 'distributed_worker.py'), str(one)], capture_output=True, text=True,
                       timeout=600, env=ENV)
    assert r.returncode == 0, r.stderr[-3000:]
    r = _torchrun(str(HERE / 'distributed_worker.py'), str(two))
    assert r.returncode == 0, r.stderr[-3000:]
    load = lambda p: torch.load(p, weights_only=False)
    return load(one / 'rank0.pt'), load(two / 'rank0.pt'), load(two / 'rank1.pt')


def _close(a, b, scale, rel=1e-5):
    return torch.allclose(a, b, rtol=1e-4, atol=rel * scale)


def test_gathered_loss_gradient_is_not_scaled_by_the_number_of_processes(steps):
    one, two, _ = steps
    assert two['world_size'] == 2 and one['world_size'] == 1
    a, b = one['gather'], two['gather']
    assert torch.allclose(a['loss'], b['loss'], atol=1e-6)
    for n, g in a['grads'].items():   # the lightly bug would make these 2x (or 1/2x) one process's gradient
        assert torch.allclose(g, b['grads'][n], rtol=1e-5, atol=1e-7), n


@pytest.mark.parametrize('case', ['simclr_alternating', 'simclr_one_pass', 'simclr_channels_last', 'instdisc_alternating',
                                  'looc', 'looc_viewmaker'])
def test_two_processes_on_half_batches_equal_one_process_on_the_whole_batch(steps, case):
    one, two, other = (s[case] for s in steps)
    assert torch.allclose(one['loss'], two['loss'], rtol=1e-5, atol=1e-6), (one['loss'], two['loss'])
    # gradients of the encoder and of the viewmaker (in its own turn of the game, or in the one pass)
    assert set(one['grads']) == set(two['grads']) and any('viewmaker' in n or 'views' in n for n in one['grads']) == (case != 'looc')
    scale = max(g.abs().max().item() for g in one['grads'].values())
    for n, g in one['grads'].items():
        assert _close(g, two['grads'][n], scale), (n, (g - two['grads'][n]).abs().max().item())
    # weights after the step, BatchNorm statistics, the memory bank, the queues and the key encoder
    for n, v in one['state'].items():
        w = two['state'][n]
        if not v.dtype.is_floating_point: assert torch.equal(v, w), n; continue
        # Adam's first step is lr * sign(gradient): for a conv bias in front of InstanceNorm the true gradient is
        # 0 and float noise picks the sign, so viewmaker weights are held to Adam's step size (their gradients,
        # above, are compared tightly)
        tol = 2.5e-3 if 'viewmaker' in n or (n.startswith('views.') and 'pipeline' not in n) else 2e-5
        assert torch.allclose(v, w, rtol=1e-4, atol=tol), (n, (v - w).abs().max().item())
        assert torch.equal(w, other['state'][n]), f"{n} differs between the two processes"


# ----- torchrun end to end -----------------------------------------------------------------------------------------
TINY = ['--device', 'cpu', '--train-subset', '256', '--test-subset', '100', '--batch-size', '64', '--viewmaker-width', '4',
        '--num-res-blocks', '1', '--probe-epochs', '2', '--no-progress']


@pytest.mark.slow
def test_torchrun_pretrain_writes_the_usual_outputs_and_resumes(tmp_path):
    out = tmp_path / 'run'
    r = _torchrun('-m', 'viewexplore', 'pretrain', '--epochs', '1', *TINY, '--out', str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('linear-probe accuracy') == 1   # evaluated once, by the main process
    assert sorted(p.name for p in out.iterdir()) == ['checkpoint.pt', 'config.json', 'metrics.json', 'views.png']
    m = json.loads((out / 'metrics.json').read_text())
    assert m['environment']['processes'] == 2 and m['epochs_trained'] == 1 and 'knn_accuracy' in m['history'][-1]
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['world_size'] == 2 and len(ck['rng']) == 2 and ck['global_step'] == 4   # 256 / 64: the batch is global
    r = _torchrun('-m', 'viewexplore', 'pretrain', '--resume', '--epochs', '2', '--no-progress', '--out', str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['epoch'] == 2 and ck['global_step'] == 8


def _start(out, *extra):
    args = TORCHRUN + ['-m', 'viewexplore', 'pretrain', '--epochs', '50', *TINY, '--train-subset', '1024', *extra,
                       '--out', str(out)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            start_new_session=True)


def _wait_for(path, proc, seconds=240):
    deadline = time.time() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.time() < deadline, f'{path} never appeared'
        time.sleep(0.2)


def _workers(pid):
    "The training processes torchrun started."
    found = []
    for p in Path('/proc').iterdir():
        if p.name.isdigit():
            try:
                stat = (p / 'stat').read_text()
                cmd = (p / 'cmdline').read_bytes()
            except OSError: continue
            if b'viewexplore' in cmd and b'torch.distributed.run' not in cmd and int(stat.rsplit(')', 1)[1].split()[1]) == pid:
                found.append(int(p.name))
    return found


@pytest.mark.slow
def test_sigterm_under_torchrun_stops_every_process_with_one_valid_checkpoint(tmp_path):
    out = tmp_path / 'run'
    p = _start(out)
    _wait_for(out / 'checkpoint.pt', p)   # the first epoch is done
    p.send_signal(signal.SIGTERM)         # torchrun forwards it to both workers
    _, err = p.communicate(timeout=120)
    assert 'Stopped by SIGTERM' in err and 'Traceback' not in err.split('Stopped by')[0][-200:], err[-3000:]
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['world_size'] == 2 and ck['epoch'] >= 1
    assert not list(out.glob('.*.tmp'))
    r = _torchrun('-m', 'viewexplore', 'pretrain', '--resume', '--epochs', str(ck['epoch'] + 1), '--no-progress',
                  '--out', str(out))
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.mark.slow
def test_a_killed_process_fails_the_run_fast_and_keeps_the_checkpoint(tmp_path):
    out = tmp_path / 'run'
    p = _start(out)
    _wait_for(out / 'checkpoint.pt', p)
    before = load_checkpoint(out / 'checkpoint.pt')
    workers = _workers(p.pid)
    assert len(workers) == 2, workers
    t0 = time.time()
    os.kill(max(workers), signal.SIGKILL)
    p.communicate(timeout=180)            # no hang: the survivor's next collective fails and torchrun ends the run
    assert p.returncode != 0 and time.time() - t0 < 180
    ck = load_checkpoint(out / 'checkpoint.pt')   # still readable: never half-written
    assert ck['global_step'] >= before['global_step']
    r = _torchrun('-m', 'viewexplore', 'pretrain', '--resume', '--epochs', str(ck['epoch'] + 1), '--no-progress',
                  '--out', str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert load_checkpoint(out / 'checkpoint.pt')['epoch'] == ck['epoch'] + 1
