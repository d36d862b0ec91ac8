"""Data-parallel training on torch.distributed (gloo, 2 CPU processes): equivalence with one process, torchrun
end to end, two torchrun agents as two nodes, and faults (SIGTERM, a killed process healed by torchrun's restarts,
a checkpoint that cannot be written, a slow evaluation on rank 0)."""
import json, os, re, signal, socket, subprocess, sys, time
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
    "Two steps of every case with 1 process on the whole batch and with 2 processes on half batches."
    one, two = tmp_path_factory.mktemp('one'), tmp_path_factory.mktemp('two')
    r = subprocess.run([sys.executable, str(HERE / 'distributed_worker.py'), str(one)], capture_output=True, text=True,
                       timeout=600, env=ENV)
    assert r.returncode == 0, r.stderr[-3000:]
    r = _torchrun(str(HERE / 'distributed_worker.py'), str(two))
    assert r.returncode == 0, r.stderr[-3000:]
    load = lambda p: torch.load(p, weights_only=False)
    return load(one / 'rank0.pt'), load(two / 'rank0.pt'), load(two / 'rank1.pt')


def _close(a, b, scale, rtol=1e-4, atol=1e-5):
    return torch.allclose(a, b, rtol=rtol, atol=atol * scale)


def test_gathered_loss_gradient_is_not_scaled_by_the_number_of_processes(steps):
    one, two, _ = steps
    assert two['world_size'] == 2 and one['world_size'] == 1
    a, b = one['gather'], two['gather']
    assert torch.allclose(a['loss'], b['loss'], atol=1e-6)
    for n, g in a['grads'].items():   # the lightly bug would make these 2x (or 1/2x) one process's gradient
        assert torch.allclose(g, b['grads'][n], rtol=1e-5, atol=1e-7), n


# What the second step is compared with. Its gradients are computed on weights that already differ by float noise
# (~1e-7) after the first step, and the low loss of the second step (0.2) amplifies that: the worst element is 3.8x
# the first step's tolerance (SimCLR, the viewmaker's gradients, seed 0), so the second step's gradients are held to
# 10x the first step's tolerance. Its loss and weights are held to the first step's.
#
# Channels-last is a memory layout and must not change what is computed, so two processes in channels-last are held
# to one process in the default layout. One process in channels-last is no reference on a CPU: PyTorch's CPU
# BatchNorm kernel for channels-last inputs puts this encoder's gradients 3.3e-3 (relative) away from float64 with a
# batch of 16 on one thread, 870x the default layout's 3.8e-6, but 2e-5 on two threads or with a batch of 8
# (`python benchmarks/channels_last_cpu.py`). That is why this case failed, and only sometimes: it compared with that
# kernel. Two processes use GlobalBatchNorm2d's plain tensor sums instead. The layouts still round differently (the
# viewmaker's gradients differ by up to 7x the tight tolerance), so this case gets the loose tolerance, and only its
# first step is compared: by the second, those differences are amplified as above, to 64x.
REFERENCE = dict(simclr_channels_last='simclr_alternating')


@pytest.mark.parametrize('case', ['simclr_alternating', 'simclr_one_pass', 'simclr_channels_last', 'instdisc_alternating',
                                  'looc', 'looc_viewmaker', 'moco_sync_batchnorm'])
def test_two_processes_on_half_batches_equal_one_process_on_the_whole_batch(steps, case):
    one, (two, other) = steps[0][REFERENCE.get(case, case)], (s[case] for s in steps[1:])
    for step in range(1 if case in REFERENCE else 2):
        loose = step > 0 or case in REFERENCE
        rtol, atol = (1e-3, 1e-4) if loose else (1e-4, 1e-5)
        assert torch.allclose(one['loss'][step], two['loss'][step], rtol=1e-5, atol=1e-6), (one['loss'], two['loss'])
        # gradients of the encoder and of the viewmaker (in its own turn of the game, or in the one pass)
        g1, g2 = one['grads'][step], two['grads'][step]
        has_viewmaker = case not in ('looc', 'moco_sync_batchnorm')
        assert set(g1) == set(g2) and any('viewmaker' in n or 'views' in n for n in g1) == has_viewmaker
        scale = max(g.abs().max().item() for g in g1.values())
        for n, g in g1.items():
            assert _close(g, g2[n], scale, rtol, atol), (step, n, (g - g2[n]).abs().max().item() / scale)
        # weights after the step, BatchNorm statistics, the memory bank, the queues and the key encoder; the
        # viewmaker's learning rate is tiny in these runs (see distributed_worker.two_steps), so its weights are held
        # to the same tolerance
        for n, v in one['state'][step].items():
            w = two['state'][step][n]
            if not v.dtype.is_floating_point: assert torch.equal(v, w), (step, n); continue
            assert torch.allclose(v, w, rtol=1e-4, atol=2e-5), (step, n, (v - w).abs().max().item())
            assert torch.equal(w, other['state'][step][n]), f"step {step + 1}: {n} differs between the two processes"


# ----- torchrun end to end -----------------------------------------------------------------------------------------
TINY = ['--device', 'cpu', '--train-subset', '256', '--test-subset', '100', '--batch-size', '64', '--viewmaker-width', '4',
        '--num-res-blocks', '1', '--probe-epochs', '2', '--no-progress']


@pytest.mark.slow
def test_torchrun_pretrain_writes_the_usual_outputs_and_resumes_on_two_processes_or_one(tmp_path):
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
    # the same run continued on one process (what an elastic job that lost a node does): it goes on and says so
    r = subprocess.run([sys.executable, '-m', 'viewexplore', 'pretrain', '--epochs', '3', *TINY, '--resume', 'auto',
                        '--out', str(out)], capture_output=True, text=True, timeout=600, env=ENV)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'written by 2 processes, continued on 1' in r.stderr, r.stderr[-3000:]
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['epoch'] == 3 and ck['global_step'] == 12 and ck['world_size'] == 1


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


# ----- runs that heal, faults on one rank, several nodes -----------------------------------------------------------
FAULTY = str(HERE / 'faulty_cli.py')
QUICK = [*TINY, '--knn-every-epoch', 'false']


@pytest.mark.slow
def test_a_killed_worker_is_healed_by_torchrun_restarts_with_one_unchanged_command_line(tmp_path):
    out = tmp_path / 'run'
    cmd = TORCHRUN + ['--max-restarts', '2', '-m', 'viewexplore', 'pretrain', '--epochs', '6', *QUICK,
                      '--resume', 'auto', '--out', str(out)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                         start_new_session=True)
    _wait_for(out / 'checkpoint.pt', p)   # the first epoch is done
    workers = _workers(p.pid)
    assert len(workers) == 2, workers
    os.kill(max(workers), signal.SIGKILL)
    _, err = p.communicate(timeout=600)   # torchrun restarts both workers with the same command line
    assert p.returncode == 0, err[-3000:]
    assert 'Resuming' in err and 'already holds a run' not in err, err[-3000:]
    ck = load_checkpoint(out / 'checkpoint.pt')
    assert ck['epoch'] == 6 and ck['global_step'] == 6 * 4   # the uninterrupted run's count: 256 / 64 steps an epoch
    assert json.loads((out / 'metrics.json').read_text())['epochs_trained'] == 6


@pytest.mark.slow
def test_a_checkpoint_rank_0_cannot_write_stops_every_rank_within_seconds(tmp_path):
    out = tmp_path / 'run'
    env = dict(ENV, VIEWEXPLORE_FAULT='disk-full:2')   # the second checkpoint (after epoch 2) fails on rank 0
    r = subprocess.run(TORCHRUN + [FAULTY, 'pretrain', '--epochs', '4', *QUICK, '--out', str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    ended = time.time()
    injected = float(re.search(r'fault injected at ([0-9.]+)', r.stderr).group(1))
    assert r.returncode != 0 and ended - injected < 30, (ended - injected, r.stderr[-3000:])
    # every rank reports it in one line (no rank fails on a collective with a rank that went away)
    assert r.stderr.count('viewexplore: error: Could not write the checkpoint') == 2, r.stderr[-3000:]
    assert not re.search(r'\[rank\d\]: Traceback', r.stderr), r.stderr[-3000:]
    ck = load_checkpoint(out / 'checkpoint.pt')   # the previous checkpoint, intact
    assert ck['epoch'] == 1 and not list(out.glob('.*.tmp'))


@pytest.mark.slow
def test_rank_0_evaluating_longer_than_the_process_group_timeout_does_not_fail_the_others(tmp_path):
    out = tmp_path / 'run'
    env = dict(ENV, VIEWEXPLORE_FAULT='slow-eval:4')   # collectives time out after 4 s; rank 0's kNN monitor takes 12
    r = subprocess.run(TORCHRUN + [FAULTY, 'pretrain', '--epochs', '1', *TINY, '--out', str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'knn_accuracy' in json.loads((out / 'metrics.json').read_text())['history'][0]


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_torchrun_agents_as_two_nodes_train_as_one_node_with_two_processes(tmp_path):
    run = ['-m', 'viewexplore', 'pretrain', '--epochs', '1', *QUICK]
    node = [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--nproc-per-node', '1',
            '--rdzv-backend', 'c10d', '--rdzv-endpoint', f'127.0.0.1:{_free_port()}', '--rdzv-id', 'two-nodes']
    agents = [subprocess.Popen(node + run + ['--out', str(tmp_path / 'nodes')], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV) for _ in range(2)]
    for a in agents:
        _, err = a.communicate(timeout=600)
        assert a.returncode == 0, err[-3000:]
    r = _torchrun(*run, '--out', str(tmp_path / 'one'))
    assert r.returncode == 0, r.stderr[-3000:]
    nodes, one = (load_checkpoint(tmp_path / d / 'checkpoint.pt') for d in ('nodes', 'one'))
    assert nodes['world_size'] == one['world_size'] == 2 and nodes['global_step'] == one['global_step'] == 4
    for k, v in one['method'].items():   # the same training, bit for bit
        if torch.is_tensor(v): assert torch.equal(v, nodes['method'][k]), k
