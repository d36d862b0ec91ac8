"""Data-parallel throughput: images per second of the same global batch on 1 and on N torchrun processes, run
alternately in one invocation (this machine is noisy, so only the ratio of neighbouring runs means much).

    python benchmarks/distributed.py --processes 1 2 --repeats 2                       # CPU (gloo), this machine
    python benchmarks/distributed.py --device cuda --processes 1 2 4 8 --data cifar10 --encoder resnet18 \\
        --batch-size 256 --viewmaker-width 32 --steps 30                                # N GPUs (nccl)

On CPU each of N processes gets cores / N threads, so the comparison is the same cores used two ways.
"""
import argparse, json, os, subprocess, sys, time
from datetime import datetime, timezone
import platform
import torch


def worker(a):
    from viewexplore.core import shard, is_main_process, world_size, init_distributed
    from viewexplore.config import PretrainConfig
    from viewexplore.data import load_dataset
    from viewexplore.train import Pretrainer
    init_distributed(a.device)
    cfg = PretrainConfig(data=a.data, encoder=a.encoder, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width,
                         views=a.views, mode=a.mode, device=a.device, seed=a.seed, sync_batchnorm=a.sync_batchnorm)
    tr = Pretrainer(cfg, data=load_dataset(a.data), progress=False)
    g = torch.Generator().manual_seed(a.seed)
    idxs = [shard(torch.randperm(len(tr.train_x), generator=g)[:a.batch_size]) for _ in range(a.warmup + a.steps)]
    for idx in idxs[:a.warmup]: tr.train_step(tr._batch(idx), idx)
    if tr.device.type == 'cuda': torch.cuda.synchronize()
    if world_size() > 1: torch.distributed.barrier()
    t0 = time.perf_counter()
    for idx in idxs[a.warmup:]: loss = tr.train_step(tr._batch(idx), idx)
    loss.item()
    if tr.device.type == 'cuda': torch.cuda.synchronize()
    if world_size() > 1: torch.distributed.barrier()
    dt = time.perf_counter() - t0
    if is_main_process(): print('RESULT ' + json.dumps(dict(processes=world_size(), images_per_second=a.steps * a.batch_size / dt,
                                                              threads=torch.get_num_threads())), flush=True)
    if world_size() > 1: torch.distributed.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--encoder', default='small')
    p.add_argument('--views', default='viewmaker')
    p.add_argument('--mode', default='alternating')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--sync-batchnorm', action='store_true')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--device', default='cpu')
    p.add_argument('--processes', type=int, nargs='+', default=[1, 2])
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: return worker(a)
    cores = os.cpu_count() or 1
    rows = {n: [] for n in a.processes}
    for r in range(a.repeats):
        for n in a.processes:
            env = dict(os.environ)
            if a.device == 'cpu': env['OMP_NUM_THREADS'] = str(max(cores // n, 1))
            cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', str(n), __file__,
                   '--worker'] + [x for x in sys.argv[1:] if x not in ('--worker',)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if out.returncode: sys.exit(out.stderr[-3000:])
            res = json.loads(next(l for l in out.stdout.splitlines() if l.startswith('RESULT '))[7:])
            rows[n].append(res['images_per_second'])
            print(f"repeat {r + 1}, {n} process(es) x {res['threads']} thread(s): {res['images_per_second']:.1f} images/s",
                  flush=True)
    dev = (torch.cuda.get_device_name() if a.device.startswith('cuda')
           else f'CPU ({platform.processor() or platform.machine()}, {cores} cores)')
    print(f"\n{a.data}, encoder {a.encoder}, {a.views} views ({a.mode}), global batch {a.batch_size}, viewmaker width "
          f"{a.viewmaker_width}, sync_batchnorm {a.sync_batchnorm}, {a.steps} timed steps after {a.warmup}, seed {a.seed}; "
          f"{dev}, torch {torch.__version__}, {datetime.now(timezone.utc).date()}")
    base = sum(rows[a.processes[0]]) / len(rows[a.processes[0]])
    print(f"\n| processes | images/s (each repeat) | mean | vs {a.processes[0]} |\n|---|---|---|---|")
    for n, v in rows.items():
        m = sum(v) / len(v)
        print(f"| {n} | {', '.join(f'{x:.1f}' for x in v)} | {m:.1f} | {m / base:.2f}x |")


if __name__ == '__main__':
    main()
