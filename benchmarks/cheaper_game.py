"""A cheaper viewmaker game, measured: images/s of the options that compute less (the viewmaker's turn every k steps,
the one-pass mode) or compute faster (torch.compile on the CPU), against the paper's schedule, side by side.

Each setting trains the same batches from the same seed; the settings are interleaved (`--repeats` rounds of all of
them), so a busy machine slows them alike and the ratios stay meaningful. Accuracy is not measured here: the
scoreboard trains the main row's setting with the same options and seeds (`benchmarks/scoreboard.py`, experiment
`fmnist-game`, runs `viewmaker-every2`, `viewmaker-every4`, `viewmaker-onepass`), and
`python benchmarks/cheaper_game.py --accuracy` prints that comparison from its result files, with the fast preset
(`viewexplore.config.PRESETS['fast']`) those files choose.

    python benchmarks/cheaper_game.py --repeats 3
    python benchmarks/cheaper_game.py --accuracy
"""
import argparse, importlib.util, json, math, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [('paper: alternating, viewmaker every step', {}),
            ('viewmaker every 2nd step', dict(viewmaker_every=2)),
            ('viewmaker every 4th step', dict(viewmaker_every=4)),
            ('one pass (gradient reversal)', dict(mode='simultaneous')),
            ('paper + compile', dict(compile=True)),
            ('every 2nd step + compile', dict(viewmaker_every=2, compile=True))]

def speed(a):
    import torch
    from viewexplore.config import PretrainConfig
    from viewexplore.data import load_dataset
    from viewexplore.train import Pretrainer
    data = load_dataset(a.data)
    trainers = {}
    for name, kw in SETTINGS:
        cfg = PretrainConfig(data=a.data, batch_size=a.batch_size, viewmaker_width=a.viewmaker_width,
                             distortion_budget=a.budget, seed=a.seed, **kw)
        trainers[name] = Pretrainer(cfg, data=data, progress=False)
    g = torch.Generator().manual_seed(a.seed)
    n = len(data.train_x)
    idxs = [torch.randperm(n, generator=g)[:a.batch_size] for _ in range(a.warmup + a.steps)]
    times = {name: [] for name in trainers}
    for name, tr in trainers.items():   # warm-up (compilation happens here)
        for i in idxs[:a.warmup]: tr.train_step(tr._batch(i), i)
    for _ in range(a.repeats):
        for name, tr in trainers.items():
            t0 = time.perf_counter()
            for i in idxs[a.warmup:]: loss = tr.train_step(tr._batch(i), i)
            float(loss)
            times[name].append(a.steps * a.batch_size / (time.perf_counter() - t0))
    import os
    print(f"{a.data}, batch {a.batch_size}, viewmaker width {a.viewmaker_width}, budget {a.budget}, {a.steps} timed "
          f"steps after {a.warmup} warm-up steps, {a.repeats} interleaved rounds, seed {a.seed}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}\n")
    print('| setting | images/s (each round) | mean | vs paper |\n|---|---|---|---|')
    base = sum(times[SETTINGS[0][0]]) / a.repeats
    for name, v in times.items():
        m = sum(v) / len(v)
        print(f"| {name} | {', '.join(f'{x:.1f}' for x in v)} | {m:.1f} | {m / base:.2f}x |")


def accuracy():
    "The scoreboard's table of the games (kNN, probe, cost per seed, budget use) and the fast preset it chooses."
    spec = importlib.util.spec_from_file_location('scoreboard', ROOT / 'benchmarks' / 'scoreboard.py')
    sb = importlib.util.module_from_spec(spec); sys.modules['scoreboard'] = sb; spec.loader.exec_module(sb)
    print(f"{sb.EXPERIMENTS['fmnist-views'].what}; mean over seeds [95% CI]\n")
    print(sb.variants_table() + '\n\n' + sb.fast_preset_text() + '\n\n' + sb.clamp_text())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist-mini')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--budget', type=float, default=0.1)
    p.add_argument('--warmup', type=int, default=4)
    p.add_argument('--steps', type=int, default=12)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--accuracy', action='store_true', help="print the accuracy comparison from the scoreboard's files")
    a = p.parse_args()
    accuracy() if a.accuracy else speed(a)


if __name__ == '__main__':
    main()
