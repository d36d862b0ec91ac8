"""Training throughput (images per second) of the trainer's modes: alternating vs simultaneous viewmaker
training, and expert views, measured on fixed batches after warm-up steps.

    python benchmarks/throughput.py --data fashion-mnist-mini --encoder small --batch-size 256 --steps 10
    python benchmarks/throughput.py --data cifar10 --encoder resnet18 --batch-size 256 --steps 30   # on a GPU
"""
import argparse, json, time
from datetime import datetime, timezone
import platform
import torch
from viewexplore.data import load_dataset
from viewexplore.config import PretrainConfig
from viewexplore.train import Pretrainer


def measure(cfg, data, steps, warmup):
    tr = Pretrainer(cfg, data=data, progress=False)
    g = torch.Generator().manual_seed(0)
    idxs = [torch.randperm(len(tr.train_x), generator=g)[:cfg.batch_size] for _ in range(warmup + steps)]
    for idx in idxs[:warmup]: tr.train_step(tr._batch(idx), idx)
    if tr.device.type == 'cuda': torch.cuda.synchronize()
    t0 = time.perf_counter()
    for idx in idxs[warmup:]: loss = tr.train_step(tr._batch(idx), idx)
    loss.item()
    if tr.device.type == 'cuda': torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return steps * cfg.batch_size / dt


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--encoder', default='small')
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--viewmaker-width', type=int, default=32)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--device', default='auto')
    p.add_argument('--compile', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    data = load_dataset(a.data)
    runs = [('viewmaker, alternating', dict(views='viewmaker', mode='alternating')),
            ('viewmaker, simultaneous', dict(views='viewmaker', mode='simultaneous')),
            ('expert views (batched on the device)', dict(views='expert')),
            ('expert views (torchvision, one example at a time)', dict(views='expert', expert_backend='torchvision'))]
    res = []
    for name, kw in runs:
        cfg = PretrainConfig(data=a.data, encoder=a.encoder, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width,
                             device=a.device, compile=a.compile, seed=a.seed, **kw)
        ips = measure(cfg, data, a.steps, a.warmup)
        res.append((name, ips)); print(f'{name}: {ips:.1f} images/s', flush=True)
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() and a.device != 'cpu' else f'CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)'
    print(f"\n{a.data}, encoder {a.encoder}, batch {a.batch_size}, viewmaker width {a.viewmaker_width}, {a.steps} timed steps after "
          f"{a.warmup} warm-up, compile {a.compile}, seed {a.seed}; {dev}, torch {torch.__version__}, {datetime.now(timezone.utc).date()}")
    print('\n| mode | images/s |\n|---|---|')
    for n, ips in res: print(f'| {n} | {ips:.1f} |')


if __name__ == '__main__':
    main()
