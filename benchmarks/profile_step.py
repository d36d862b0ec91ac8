"""Where the time of one training step goes: torch.profiler over an alternating viewmaker step and an expert-view
step (the operators that take the most time, grouped), the FLOPs of each network per image, and this machine's
measured convolution rate, so the gap between what a step costs and what the hardware could do is known.

    python benchmarks/profile_step.py --data fashion-mnist-mini --batch-size 128 --viewmaker-width 16
    python benchmarks/profile_step.py --data hapt --batch-size 64 --viewmaker-width 16      # sensor spectrograms
"""
import argparse, platform, time
from datetime import datetime, timezone
import torch
from torch.profiler import profile, ProfilerActivity
from torch.utils.flop_counter import FlopCounterMode


def conv_rate(device, seconds:float=2.0)->float:
    "GFLOP/s of a large 3x3 convolution in fp32: roughly what this machine can do."
    x = torch.randn(64, 64, 32, 32, device=device)
    conv = torch.nn.Conv2d(64, 64, 3, padding=1).to(device)
    flops = 2 * 64 * 64 * 9 * 32 * 32 * 64
    with torch.no_grad():
        conv(x)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds: conv(x); n += 1
    return n * flops / (time.perf_counter() - t0) / 1e9


def flops_of(fn)->float:
    with FlopCounterMode(display=False) as fc: fn()
    return fc.get_total_flops()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--encoder', default='small')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--top', type=int, default=12)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    from viewexplore.config import PretrainConfig
    from viewexplore.data import load_dataset
    from viewexplore.train import Pretrainer
    data = load_dataset(a.data)
    rate = conv_rate('cpu')
    print(f"{a.data}, encoder {a.encoder}, batch {a.batch_size}, viewmaker width {a.viewmaker_width}, seed {a.seed}; "
          f"CPU ({platform.machine()}, {torch.get_num_threads()} threads), torch {torch.__version__}, "
          f"{datetime.now(timezone.utc).date()}\nmeasured 3x3 convolution rate: {rate:.1f} GFLOP/s (fp32)\n")
    views = 'expert' if data.train_x.dtype == torch.uint8 else 'expert'
    for name, kw in [('viewmaker, alternating', dict(views='viewmaker')), ('expert views', dict(views=views))]:
        cfg = PretrainConfig(data=a.data, encoder=a.encoder, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width,
                             seed=a.seed, **kw)
        tr = Pretrainer(cfg, data=data, progress=False)
        idx = torch.arange(a.batch_size)
        x = tr._batch(idx)
        tr.train_step(x, idx)   # warm-up
        m = tr.method
        with torch.no_grad():
            v = m.views(x)
            enc_f = flops_of(lambda: m.encoder(v)) / a.batch_size
            vm_f = flops_of(lambda: m.viewmaker(x)) / a.batch_size if m.viewmaker is not None else 0.
        step_f = flops_of(lambda: tr.train_step(x, idx)) / a.batch_size
        t0 = time.perf_counter()
        for _ in range(a.steps): tr.train_step(x, idx)
        dt = (time.perf_counter() - t0) / a.steps
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(a.steps): tr.train_step(x, idx)
        total = sum(e.self_cpu_time_total for e in prof.key_averages())
        print(f"## {name}: {dt:.2f} s per step ({a.batch_size / dt:.0f} images/s)\n")
        print(f"forward FLOPs per image: encoder {enc_f / 1e6:.1f} M, viewmaker {vm_f / 1e6:.1f} M; whole step "
              f"{step_f / 1e6:.1f} M per image = {step_f * a.batch_size / 1e9:.2f} GFLOP, i.e. "
              f"{step_f * a.batch_size / 1e9 / dt:.1f} GFLOP/s achieved vs {rate:.1f} measured for a plain convolution\n")
        print('| operator | share of step time | calls per step |\n|---|---|---|')
        rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:a.top]
        for e in rows:
            print(f"| `{e.key}` | {100 * e.self_cpu_time_total / total:.1f}% | {e.count // a.steps} |")
        print()


if __name__ == '__main__':
    main()
