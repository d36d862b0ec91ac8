"""What the speed switches that keep the computation (channels-last, torch.compile) give an alternating viewmaker
step on this machine: images/s for the default layout, channels-last, compile, and both, one after the other.

    python benchmarks/cpu_speedups.py --data fashion-mnist-mini --batch-size 128
    python benchmarks/cpu_speedups.py --data hapt --batch-size 64          # VIEWEXPLORE_DATA must hold the HAPT file
"""
import argparse, time
import torch
from viewexplore.config import PretrainConfig
from viewexplore.data import load_dataset
from viewexplore.train import Pretrainer

SETTINGS = [('default layout', {}), ('channels-last', dict(channels_last=True)), ('compile', dict(compile=True)),
            ('compile + channels-last', dict(compile=True, channels_last=True))]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=7)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    data = load_dataset(a.data)
    print(f'{a.data}, alternating viewmaker step, batch {a.batch_size}, width {a.viewmaker_width}, {a.steps} timed steps '
          f'after {a.warmup}, seed {a.seed}, {torch.get_num_threads()} threads, torch {torch.__version__}\n')
    print('| settings | warm-up (s) | images/s | vs default |\n|---|---|---|---|')
    base = None
    for name, kw in SETTINGS:
        cfg = PretrainConfig(data=a.data, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width, seed=a.seed, **kw)
        tr = Pretrainer(cfg, data=data, progress=False)
        g = torch.Generator().manual_seed(a.seed)
        idxs = [torch.randperm(len(tr.train_x), generator=g)[:a.batch_size] for _ in range(a.warmup + a.steps)]
        t0 = time.perf_counter()
        for i in idxs[:a.warmup]: tr.train_step(tr._batch(i), i)
        warm, t0 = time.perf_counter() - t0, time.perf_counter()
        for i in idxs[a.warmup:]: loss = tr.train_step(tr._batch(i), i)
        float(loss)
        ips = a.steps * a.batch_size / (time.perf_counter() - t0)
        base = base or ips
        print(f'| {name} | {warm:.1f} | {ips:.1f} | {ips / base:.2f}x |', flush=True)


if __name__ == '__main__':
    main()
