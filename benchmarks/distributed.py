"""Data-parallel throughput: images per second of the same global batch on 1 and on N torchrun processes, and the
number of collectives each training step issues, for one or several checkouts of viewexplore run alternately in one
invocation (this machine is noisy, so only the ratio of neighbouring runs means much):

    python benchmarks/distributed.py --processes 1 2 --repeats 2                       # CPU (gloo), this checkout
    git worktree add /tmp/before 5bebe64                                               # before DistributedDataParallel
    python benchmarks/distributed.py --trees /tmp/before . --processes 1 2 --repeats 3 # side by side
    python benchmarks/distributed.py --device cuda --processes 1 2 4 8 --data cifar10 --encoder resnet18 \\
        --batch-size 256 --viewmaker-width 32 --steps 30                                # N GPUs (nccl)

Each measurement is `Pretrainer.fit` for `--steps` steps after `--warmup` steps (so the trainer's own per-step
collectives count, not only the method's), in a fresh `torchrun`. The collectives are counted afterwards, over
`--count-steps` more steps under `torch.profiler`: every collective the backend runs (`gloo:*` / `nccl:*` events),
the ones DistributedDataParallel issues from C++ included. On CPU each of N processes gets cores / N threads, so the
comparison is the same cores used two ways.
"""
import argparse, collections, json, os, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path
import platform
import torch


def worker(a):
    sys.path.insert(0, a.tree)
    import viewexplore
    from viewexplore.core import is_main_process, world_size, init_distributed
    from viewexplore.config import PretrainConfig
    from viewexplore.data import load_dataset
    from viewexplore.train import Pretrainer
    assert Path(viewexplore.__file__).resolve().is_relative_to(Path(a.tree).resolve()), viewexplore.__file__
    init_distributed(a.device)
    cfg = PretrainConfig(data=a.data, encoder=a.encoder, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width,
                         views=a.views, mode=a.mode, device=a.device, seed=a.seed, sync_batchnorm=a.sync_batchnorm)
    tr = Pretrainer(cfg, data=load_dataset(a.data), progress=False)
    assert a.warmup + a.steps + a.count_steps < len(tr.epoch_batches()), 'the timed steps must stay in one epoch'
    def sync():
        if tr.device.type == 'cuda': torch.cuda.synchronize()
        if world_size() > 1: torch.distributed.barrier()
    tr.fit(max_steps=a.warmup)
    sync()
    t0 = time.perf_counter()
    tr.fit(max_steps=a.steps)
    sync()
    dt = time.perf_counter() - t0
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU]) as prof: tr.fit(max_steps=a.count_steps)
    kinds = collections.Counter(e.name.split(':', 1)[1] for e in prof.events() if e.name.startswith(('gloo:', 'nccl:')))
    if is_main_process():
        print('RESULT ' + json.dumps(dict(processes=world_size(), images_per_second=a.steps * a.batch_size / dt,
                                          threads=torch.get_num_threads(),
                                          collectives={k: v / a.count_steps for k, v in kinds.items()})), flush=True)
    if world_size() > 1: torch.distributed.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--trees', nargs='+', default=['.'], help='checkouts of viewexplore to compare (default: this one)')
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--encoder', default='small')
    p.add_argument('--views', default='viewmaker')
    p.add_argument('--mode', default='alternating')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--sync-batchnorm', action='store_true')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--count-steps', type=int, default=3)
    p.add_argument('--device', default='cpu')
    p.add_argument('--processes', type=int, nargs='+', default=[1, 2])
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--tree', default='.', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: return worker(a)
    cores = os.cpu_count() or 1
    trees = [str(Path(t).resolve()) for t in a.trees]
    rows = {(t, n): [] for t in trees for n in a.processes}
    counts = {}
    for r in range(a.repeats):
        for t in trees:
            for n in a.processes:
                env = dict(os.environ, PYTHONPATH=t)
                if a.device == 'cpu': env['OMP_NUM_THREADS'] = str(max(cores // n, 1))
                skip = {'--worker', '--trees', *a.trees}
                own = [x for x in sys.argv[1:] if x not in skip]
                cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', str(n),
                       str(Path(__file__).resolve()), '--worker', '--tree', t] + own
                out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=t)
                if out.returncode: sys.exit(out.stderr[-3000:])
                res = json.loads(next(l for l in out.stdout.splitlines() if l.startswith('RESULT '))[7:])
                rows[t, n].append(res['images_per_second'])
                counts[t, n] = res['collectives']
                print(f"repeat {r + 1}, {t}, {n} process(es) x {res['threads']} thread(s): "
                      f"{res['images_per_second']:.1f} images/s, collectives per step {res['collectives']}", flush=True)
    dev = (torch.cuda.get_device_name() if a.device.startswith('cuda')
           else f'CPU ({platform.processor() or platform.machine()}, {cores} cores)')
    print(f"\n{a.data}, encoder {a.encoder}, {a.views} views ({a.mode}), global batch {a.batch_size}, viewmaker width "
          f"{a.viewmaker_width}, sync_batchnorm {a.sync_batchnorm}, {a.steps} timed steps of `fit` after {a.warmup}, "
          f"seed {a.seed}; {dev}, torch {torch.__version__}, {datetime.now(timezone.utc).date()}")
    base = {n: sum(rows[trees[0], n]) / len(rows[trees[0], n]) for n in a.processes}
    print(f"\n| tree | processes | images/s (each repeat) | mean | vs {a.processes[0]} process(es), same tree | "
          f"vs the first tree | collectives per step |\n|---|---|---|---|---|---|---|")
    for (t, n), v in rows.items():
        m, own_one = sum(v) / len(v), sum(rows[t, a.processes[0]]) / len(rows[t, a.processes[0]])
        kinds = ', '.join(f"{k} {c:g}" for k, c in sorted(counts[t, n].items())) or 'none'
        print(f"| {t} | {n} | {', '.join(f'{x:.1f}' for x in v)} | {m:.1f} | {m / own_one:.2f}x | {m / base[n]:.2f}x | "
              f"{sum(counts[t, n].values()):g} ({kinds}) |")


if __name__ == '__main__':
    main()
