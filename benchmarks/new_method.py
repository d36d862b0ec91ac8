"""The 'write your own method' lesson's comparison: the paper's adversarial viewmaker vs a viewmaker that only pushes
an image's two views apart (`--method push-apart`, nbs/35_new_method.ipynb), both with SimCLR for the encoder and
`make demo`'s settings. Trains what is missing in --out (a run with metrics.json is reused), then writes
nbs/tutorials/results/new_method.json and new_method_views.png.

    python benchmarks/new_method.py --out benchmarks/runs/new-method
"""
import argparse, json, subprocess, sys
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]
RUNS = {'viewmaker (adversary)': ['--method', 'pairs', '--views', 'viewmaker'],
        'push-apart (no negatives)': ['--method', 'push-apart']}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='benchmarks/runs/new-method')
    p.add_argument('--epochs', type=int, default=4)
    p.add_argument('--probe-epochs', type=int, default=15)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--results', default=str(ROOT / 'nbs' / 'tutorials' / 'results'))
    a = p.parse_args()
    out, res_dir = Path(a.out), Path(a.results)
    exe = [sys.executable, '-m', 'viewexplore', 'pretrain', '--data', 'fashion-mnist-mini', '--epochs', str(a.epochs),
           '--viewmaker-width', '16', '--probe-epochs', str(a.probe_epochs), '--seed', str(a.seed), '--no-progress']
    runs = {}
    for name, args in RUNS.items():
        d = out / args[1]
        if not (d / 'metrics.json').exists():
            print(f'training {name} -> {d}', flush=True)
            subprocess.run(exe + args + ['--out', str(d)], check=True)
        m = json.loads((d / 'metrics.json').read_text())
        runs[name] = {k: m[k] for k in ('linear_accuracy', 'knn_accuracy', 'pretrain_seconds', 'history', 'seed')}
        runs[name]['command'] = m['environment']['command']
    env = json.loads((out / 'push-apart' / 'metrics.json').read_text())['environment']
    result = dict(runs=runs, environment={k: env[k] for k in ('torch', 'platform', 'cpu_threads', 'date')},
                  command='python benchmarks/new_method.py ' + ' '.join(sys.argv[1:]))
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / 'new_method.json').write_text(json.dumps(result, indent=2))
    views_figure(out, res_dir / 'new_method_views.png')
    print(f"\n| views | linear probe (%) | kNN (%) | pretrain (s) |\n|---|---|---|---|")
    for name, r in runs.items():
        print(f"| {name} | {r['linear_accuracy']:.2f} | {r['knn_accuracy']:.2f} | {r['pretrain_seconds']:.0f} |")


def views_figure(out:Path, path:Path, n:int=8):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from viewexplore.train import Pretrainer
    from viewexplore.data import to_float
    rows = {}
    for name, args in RUNS.items():
        tr = Pretrainer.from_checkpoint(out / args[1] / 'checkpoint.pt', device='cpu', progress=False)
        x = to_float(tr.data.test_x[:n])
        torch.manual_seed(0)
        with torch.no_grad(): rows[name] = (x, tr.viewmaker(x))
    fig, axs = plt.subplots(1 + 2 * len(rows), n, figsize=(1.1 * n, 1.2 * (1 + 2 * len(rows))))
    x = next(iter(rows.values()))[0]
    for i in range(n): axs[0, i].imshow(x[i, 0], cmap='gray', vmin=0, vmax=1)
    axs[0, 0].set_title('original', loc='left', fontsize=9)
    for r, (name, (x, v)) in enumerate(rows.items()):
        d = (v - x)[:, 0]
        lim = d.abs().max().item()
        for i in range(n):
            axs[1 + 2 * r, i].imshow(v[i, 0], cmap='gray', vmin=0, vmax=1)
            axs[2 + 2 * r, i].imshow(d[i], cmap='RdBu', vmin=-lim, vmax=lim)
        axs[1 + 2 * r, 0].set_title(f'{name}: view', loc='left', fontsize=9)
        axs[2 + 2 * r, 0].set_title(f'{name}: perturbation', loc='left', fontsize=9)
    for ax in axs.flat: ax.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == '__main__':
    main()
