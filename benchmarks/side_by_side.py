"""Throughput of two checkouts of viewexplore side by side: the same training steps (same data, batch, seed) with
the package of --before and of --after, alternated in one invocation so that the ratio is fair on a noisy machine.

    git worktree add /tmp/before 8f7c5d2          # e.g. the last commit before a speed-up
    python benchmarks/side_by_side.py --before /tmp/before --after . --repeats 3
    python benchmarks/side_by_side.py --before /tmp/before --data hapt --batch-size 64   # sensor spectrograms
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROWS = {'viewmaker, alternating': dict(views='viewmaker'),
        'viewmaker, one pass': dict(views='viewmaker', mode='simultaneous'),
        'expert views': dict(views='expert')}

WORKER = r'''
import json, sys, time, torch
a = json.loads(sys.argv[1])
from viewexplore.train import Pretrainer, PretrainConfig
from viewexplore.data import load_dataset
torch.manual_seed(a['seed'])
data = load_dataset(a['data'])
out = {}
for name, kw in a['rows'].items():
    cfg = PretrainConfig(data=a['data'], encoder=a['encoder'], batch_size=a['batch_size'], viewmaker_width=a['width'],
                         seed=a['seed'], **kw)
    tr = Pretrainer(cfg, data=data, progress=False)
    g = torch.Generator().manual_seed(a['seed'])
    idxs = [torch.randperm(len(tr.train_x), generator=g)[:a['batch_size']] for _ in range(a['warmup'] + a['steps'])]
    for idx in idxs[:a['warmup']]: tr.train_step(tr._batch(idx), idx)
    t0 = time.perf_counter()
    for idx in idxs[a['warmup']:]: loss = tr.train_step(tr._batch(idx), idx)
    float(loss)
    out[name] = a['steps'] * a['batch_size'] / (time.perf_counter() - t0)
print('RESULT ' + json.dumps(out))
'''


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--before', required=True, help='a checkout (e.g. a git worktree) of the earlier version')
    p.add_argument('--after', default='.', help='a checkout of the later version (default: this one)')
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--encoder', default='small')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--steps', type=int, default=6)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    args = json.dumps(dict(data=a.data, encoder=a.encoder, batch_size=a.batch_size, width=a.viewmaker_width,
                           steps=a.steps, warmup=a.warmup, seed=a.seed, rows=ROWS))
    res = {'before': [], 'after': []}
    for r in range(a.repeats):
        for which in ('before', 'after'):
            tree = Path(getattr(a, which)).resolve()
            env = dict(os.environ, PYTHONPATH=str(tree))
            out = subprocess.run([sys.executable, '-c', WORKER, args], capture_output=True, text=True, env=env, cwd=tree)
            if out.returncode: sys.exit(f'{which} ({tree}) failed:\n{out.stderr[-3000:]}')
            row = json.loads(next(l for l in out.stdout.splitlines() if l.startswith('RESULT '))[7:])
            res[which].append(row)
            print(f"repeat {r + 1}, {which}: " + ', '.join(f'{k} {v:.1f}' for k, v in row.items()), flush=True)
    mean = lambda w, k: sum(x[k] for x in res[w]) / len(res[w])
    print(f"\n{a.data}, encoder {a.encoder}, batch {a.batch_size}, viewmaker width {a.viewmaker_width}, {a.steps} timed "
          f"steps after {a.warmup}, {a.repeats} alternating repeats, seed {a.seed}; before = {a.before}, after = {a.after}")
    print('\n| step | before (images/s) | after (images/s) | after / before |\n|---|---|---|---|')
    for k in ROWS:
        print(f"| {k} | {mean('before', k):.1f} | {mean('after', k):.1f} | {mean('after', k) / mean('before', k):.2f}x |")
    b, e = mean('after', 'viewmaker, alternating'), mean('after', 'expert views')
    print(f"\nafter: an alternating viewmaker step costs {e / b:.2f}x an expert-view step")


if __name__ == '__main__':
    main()
