"""Linear-probe accuracy of encoders pretrained with different views (viewmaker paper, Table 1 / section 4.1.1).

Runs `viewexplore pretrain` once per view kind with identical settings and prints a Markdown table of the
linear-probe and kNN accuracy. `random` is the untrained encoder (0 pretraining epochs), evaluated the same way; `viewmaker-simultaneous` is the viewmaker trained in
one pass with gradient reversal instead of the paper's alternating steps.

    python benchmarks/linear_probe.py --data fashion-mnist --train-subset 10000 --epochs 10 --out benchmarks/runs/fmnist

Each run's metrics.json (config, seed, device, wall time, history) stays in --out/<views>/.
"""
import argparse, json, platform, sys, time
from datetime import datetime, timezone
from pathlib import Path
import torch
from viewexplore.cli import main as cli_main


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='fashion-mnist')
    p.add_argument('--views', nargs='+', default=['viewmaker', 'viewmaker-simultaneous', 'expert', 'noise', 'random'])
    p.add_argument('--objective', default='simclr')
    p.add_argument('--encoder', default='small')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--train-subset', default='none')
    p.add_argument('--test-subset', default='none')
    p.add_argument('--distortion-budget', type=float, default=0.05)
    p.add_argument('--viewmaker-width', type=int, default=16)
    p.add_argument('--mode', default='alternating')
    p.add_argument('--probe-epochs', type=int, default=30)
    p.add_argument('--probe-views', default='true')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--mask-noise', type=float, default=0.1, help="noise std of the 'expert-noise' views (speech/sensors)")
    p.add_argument('--extra', nargs=argparse.REMAINDER, default=[], help='more `viewexplore pretrain` options')
    p.add_argument('--out', required=True)
    return p.parse_args()


def main():
    a = parse()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    rows = []
    for views in a.views:
        run_dir = out / views
        if (run_dir / 'metrics.json').exists():
            print(f'{views}: reusing {run_dir}/metrics.json', file=sys.stderr)
        else:
            epochs = 0 if views == 'random' else a.epochs
            kind = {'random': 'expert', 'viewmaker-simultaneous': 'viewmaker', 'expert-noise': 'expert'}.get(views, views)
            more = ['--mask-noise', str(a.mask_noise)] if views == 'expert-noise' else []  # speech/sensors: masking + noise
            mode = 'simultaneous' if views == 'viewmaker-simultaneous' else a.mode
            args = ['pretrain', '--data', a.data, '--views', kind, '--objective', a.objective, '--encoder', a.encoder,
                    '--epochs', str(epochs), '--batch-size', str(a.batch_size), '--train-subset', a.train_subset,
                    '--test-subset', a.test_subset, '--distortion-budget', str(a.distortion_budget),
                    '--viewmaker-width', str(a.viewmaker_width), '--mode', mode, '--probe-epochs', str(a.probe_epochs),
                    '--probe-views', a.probe_views, '--seed', str(a.seed), '--knn-every-epoch', 'false',
                    '--out', str(run_dir), *more, *a.extra]
            if (run_dir / 'checkpoint.pt').exists():  # an interrupted run: its options come from the checkpoint
                args = ['pretrain', '--resume', '--epochs', str(epochs), '--out', str(run_dir), *a.extra]
            rc = cli_main(args)
            if rc != 0: sys.exit(f'{views}: viewexplore pretrain failed with exit code {rc}')
        m = json.loads((run_dir / 'metrics.json').read_text())
        rows.append((views, m['linear_accuracy'], m['knn_accuracy'], m['pretrain_seconds'], m['environment']))
    env = rows[0][4]
    print(f"\n{a.data}, encoder {a.encoder}, {a.objective}, {a.epochs} epochs, batch {a.batch_size}, train subset {a.train_subset}, "
          f"budget {a.distortion_budget}, viewmaker width {a.viewmaker_width}, mode {a.mode}, probe {a.probe_epochs} epochs "
          f"(views during probe: {a.probe_views}), seed {a.seed}; {env['device']}, {env['cpu_threads']} threads, torch {env['torch']}, "
          f"{datetime.now(timezone.utc).date()}")
    print('\n| views | linear probe (%) | kNN k=200 (%) | pretrain time (s) |\n|---|---|---|---|')
    for v, lin, knn, sec, _ in rows: print(f'| {v} | {lin:.2f} | {knn:.2f} | {sec:.0f} |')
    (out / 'summary.json').write_text(json.dumps([dict(views=v, linear_accuracy=l, knn_accuracy=k, pretrain_seconds=s) for v, l, k, s, _ in rows], indent=2))


if __name__ == '__main__':
    main()
