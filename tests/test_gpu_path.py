"""The code the CUDA path runs, run on CPU: no host syncs in the inner loop, bf16 autocast and channels-last close to
fp32, and torch.compile of the viewmaker without graph breaks or recompiles. CI has no GPU; these keep that path honest."""
import contextlib
import pytest
import torch
from viewexplore.config import PretrainConfig
from viewexplore.data import load_fashion_mnist_mini
from viewexplore.train import Pretrainer

SYNCING = ('item', 'tolist', 'numpy', '__bool__', '__float__', '__int__', '__index__')


class HostSync(AssertionError):
    "A tensor was read back to the host inside a training step."


@contextlib.contextmanager
def no_host_syncs(optimizers=()):
    """Make every way of reading a tensor's value on the host raise (on a GPU each would wait for the device), except
    inside `optimizers`' steps: PyTorch keeps their step counts on the CPU, where reading them costs nothing."""
    saved = {n: getattr(torch.Tensor, n) for n in SYNCING}
    allowed = []
    def forbid(name):
        def f(self, *args, **kwargs):
            if allowed: return saved[name](self, *args, **kwargs)
            raise HostSync(f"Tensor.{name}() inside a training step: a host sync on a GPU")
        return f
    def permissive(step):
        def run(*args, **kwargs):
            allowed.append(1)
            try: return step(*args, **kwargs)
            finally: allowed.pop()
        return run
    steps = {o: o.step for o in optimizers}
    for o in optimizers: o.step = permissive(o.step)
    for n in SYNCING: setattr(torch.Tensor, n, forbid(n))
    try: yield
    finally:
        for n, f in saved.items(): setattr(torch.Tensor, n, f)
        for o, st in steps.items(): o.step = st


@pytest.fixture(scope='module')
def mini():
    return load_fashion_mnist_mini().subset(256, 64, seed=0)


TINY = dict(batch_size=32, viewmaker_width=4, num_res_blocks=1, seed=0)
LOOC = dict(method='looc', queue_size=64, head_hidden=16, bn_splits=4)
CASES = {'viewmaker, alternating': dict(views='viewmaker'),
         'viewmaker, one pass': dict(views='viewmaker', mode='simultaneous'),
         'instdisc, noise views': dict(views='noise', objective='instdisc', num_negatives=32),
         'expert views (batched)': dict(views='expert'),
         'crop+flip, then a viewmaker': dict(views='cropflip+viewmaker', distortion_budget=0.01),
         'looc, colour and rotation': dict(LOOC, augment='color,rotation'),
         'looc, rotation and viewmaker': dict(LOOC, augment='rotation,viewmaker'),
         'push-apart (the lesson)': dict(method='push-apart')}


def _steps(tr, n, first=0):
    out = []
    for i in range(first, first + n):
        idx = torch.arange(i * tr.config.batch_size, (i + 1) * tr.config.batch_size)
        out.append(tr.train_step(tr._batch(idx), idx))
    return out


def test_the_forbidding_works():
    with no_host_syncs(), pytest.raises(HostSync): torch.ones(2).sum().item()
    with no_host_syncs(), pytest.raises(HostSync): bool(torch.ones(1) > 0)
    assert torch.ones(2).sum().item() == 2.   # restored


@pytest.mark.parametrize('case', list(CASES))
def test_no_host_syncs_inside_a_training_step(mini, case):
    tr = Pretrainer(PretrainConfig(**TINY, **CASES[case]), data=mini, progress=False)
    _steps(tr, 1)                          # warm-up (lazy optimiser state)
    with no_host_syncs(tr.optimizers.values()): losses = _steps(tr, 2, first=1)
    assert all(torch.isfinite(l) for l in losses)


def test_the_check_catches_a_per_example_loop(mini):
    "torchvision's transforms draw each example's parameters with .item(): the reason expert views are batched."
    tr = Pretrainer(PretrainConfig(**TINY, views='expert', expert_backend='torchvision'), data=mini, progress=False)
    _steps(tr, 1)
    with no_host_syncs(tr.optimizers.values()), pytest.raises(HostSync): _steps(tr, 1, first=1)


@pytest.mark.parametrize('case', list(CASES))
def test_bf16_autocast_and_channels_last_stay_close_to_fp32(mini, case):
    "The CUDA defaults (bf16 autocast, channels-last), run on CPU: the same first steps as fp32 eager."
    losses = {}
    for precision, channels_last in (('fp32', False), ('bf16', True)):
        tr = Pretrainer(PretrainConfig(**TINY, **CASES[case], precision=precision, channels_last=channels_last), data=mini,
                        progress=False)
        assert tr.amp == (precision == 'bf16')
        losses[precision] = torch.stack(_steps(tr, 3))
    assert torch.isfinite(losses['bf16']).all()
    assert torch.allclose(losses['bf16'], losses['fp32'], rtol=0.03), losses


def test_the_budget_holds_under_bf16_autocast():
    from viewexplore.viewmaker import Viewmaker
    torch.manual_seed(0)
    vm = Viewmaker(3, distortion_budget=0.05, width=8).to(memory_format=torch.channels_last)
    x = torch.rand(8, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    with torch.autocast('cpu', dtype=torch.bfloat16): d = vm.delta(x)
    assert d.dtype == torch.bfloat16   # really computed in bf16
    assert torch.allclose(d.float().abs().mean((1, 2, 3)), torch.full((8,), 0.05), rtol=1e-2)


def test_the_viewmaker_compiles_into_one_graph():
    from viewexplore.viewmaker import Viewmaker
    vm = Viewmaker(1, width=4, num_res_blocks=1)
    vm.check_values = False   # as in training: the data are checked once, not on every call
    ex = torch._dynamo.explain(vm)(torch.rand(4, 1, 16, 16))
    assert ex.graph_break_count == 0 and ex.graph_count == 1, ex.break_reasons


@pytest.mark.slow
@pytest.mark.parametrize('case', ['viewmaker, alternating', 'viewmaker, one pass', 'expert views (batched)',
                                  'looc, rotation and viewmaker'])
def test_compiled_bf16_channels_last_steps_match_eager_and_do_not_recompile(mini, case):
    "torch.compile of what each step calls (the first call compiles: about a minute each on 2 cores)."
    import torch._inductor.config
    with torch._inductor.config.patch(fallback_random=True):  # compiled code draws the same random numbers as eager
        _compiled_steps(mini, case)


def _compiled_steps(mini, case):
    eager = Pretrainer(PretrainConfig(**TINY, **CASES[case], precision='fp32', channels_last=False), data=mini,
                       progress=False)
    reference = torch.stack(_steps(eager, 2))
    cfg = PretrainConfig(**TINY, **CASES[case], compile=True, precision='bf16', channels_last=True)
    tr = Pretrainer(cfg, data=mini, progress=False)
    warm = torch.stack(_steps(tr, 2))
    assert torch.allclose(warm, reference, rtol=0.03), (warm, reference)
    old = torch._dynamo.config.error_on_recompile
    torch._dynamo.config.error_on_recompile = True
    try:
        with no_host_syncs(tr.optimizers.values()): steady = _steps(tr, 2, first=2)
    finally: torch._dynamo.config.error_on_recompile = old
    assert all(torch.isfinite(l) for l in steady)


def test_compile_without_a_cpp_compiler_says_what_to_do(mini, monkeypatch):
    from viewexplore.core import InputError
    monkeypatch.setenv('PATH', '/nonexistent')
    monkeypatch.delenv('CXX', raising=False)
    with pytest.raises(InputError, match='C\\+\\+ compiler'):
        Pretrainer(PretrainConfig(**TINY, compile=True, device='cpu'), data=mini, progress=False)


@pytest.mark.slow
def test_the_gpu_check_runs_in_its_dry_run(tmp_path):
    "benchmarks/gpu_check.py, the command a session with a GPU runs once, in its tiny CPU mode."
    import json, subprocess, sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / 'benchmarks' / 'gpu_check.py'
    r = subprocess.run([sys.executable, str(script), '--dry-run', '--run-seconds', '5', '--out', str(tmp_path)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((tmp_path / 'results.json').read_text())
    assert all(res[k]['ok'] for k in res if k != 'environment'), res
    assert all(v['ok'] for v in res['smoke run of every method']['rows'].values())
    rows = res['throughput']['rows']
    assert {r['settings'] for r in rows} >= {'bf16 + channels-last', 'reference-style: fp32, no compile, default layout'}
    assert all(r['images_per_second'] > 0 for r in rows)
    assert 'projected_minutes_for_200_epochs' in res['time-boxed CIFAR-10 viewmaker run']
    assert '| viewmaker, alternating |' in (tmp_path / 'results.md').read_text()
    sb = json.loads((tmp_path / 'scoreboard_gpu.json').read_text())['rows']   # the scoreboard's GPU column
    assert len(sb) == 14 and all(v['seconds_per_step'] > 0 and v['hours'] > 0 for v in sb.values()), sb
