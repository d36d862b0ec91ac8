"""The comparison lesson's runs (nbs/tutorials/compare_views.ipynb): six ways to make views at the same budget, the same
number of steps and the same small encoder, on the embedded Fashion-MNIST subset and on UCI HAPT, over three seeds.

  adversary    the viewmaker paper's generator, ascending the encoder's loss (--method pairs --views viewmaker)
  push-apart   a generator that only pushes an input's two views apart (--method push-apart, nbs/35_new_method)
  divmaker     a generator that keeps views near their input and apart from each other (--method divmaker)
  hard-views   hand-made views, trained on the hardest of 6 pairs (--method hard-views --views expert)
  expert       hand-made views: SimCLR's recipe for images, spectral masking for sensors (--views expert)
  noise        Gaussian noise at the budget (--views noise)

The same settings for all (COMMON: 2,000 training examples, batch 64, 8 epochs, budget 0.05, ...; on HAPT 1,000
training examples, so 120 steps, to fit the CPU budget). Every run is one `Pretrainer` (SimCLR for the encoder)
followed by the evaluation of `viewexplore pretrain`: kNN
(k 200, temperature 0.1, pooled features) and a linear probe on frozen pre-pool features of clean inputs (no views).
Runs are trained one at a time; each writes nbs/tutorials/results/compare_views/<data>_<method>_seed<S>.json (with
the command, seed, hardware and date), and its checkpoint under --out, so an interrupted comparison resumes where it
stopped (a run with a result file is skipped; a run with a checkpoint continues from it). Then
nbs/tutorials/results/compare_views.json (means, 95% t-intervals over seeds, paired differences) and one picture of
every method's views per data set are written from what is there.

    VIEWEXPLORE_DATA=/work/shared/data nice -n 10 python benchmarks/compare_views.py [--seeds 0 1 2] [--data mini hapt]
                                                                                [--threads 1]
    python benchmarks/compare_views.py --summary-only      # rewrite the summary and pictures from the result files
"""
import argparse, itertools, json, math, os, platform, shlex, sys, time
from datetime import datetime, timezone
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'nbs' / 'tutorials' / 'results'
METHODS = {'adversary': dict(method='pairs', views='viewmaker'), 'push-apart': dict(method='push-apart'),
           'divmaker': dict(method='divmaker', views='viewmaker'),
           'hard-views': dict(method='hard-views', views='expert'),
           'expert': dict(method='pairs', views='expert'), 'noise': dict(method='pairs', views='noise')}
DATA = {'mini': 'fashion-mnist-mini', 'hapt': 'hapt'}
COMMON = dict(encoder='small', batch_size=64, train_subset=2000, test_subset=500, epochs=8, viewmaker_width=8,
              num_res_blocks=1, distortion_budget=0.05, objective='simclr', temperature=0.07, knn_k=200,
              knn_temperature=0.1, device='cpu')
PER_DATA = dict(hapt=dict(train_subset=1000))  # HAPT: 120 steps, half the images' 248, to fit the CPU budget
PROBE_EPOCHS = 30
# smaller settings, selected by --size: a learner's laptop (the lesson's ten-minute section) and a smoke test
SIZES = dict(laptop=(dict(train_subset=1000, test_subset=500, epochs=4), 20),
             quick=(dict(train_subset=256, test_subset=100, epochs=1), 1))
SIZE_FLAGS: list[str] = []  # what the recorded commands add for a size other than the recorded one
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def t_interval(v:list[float])->dict:
    "Mean and the half-width of the 95% t-interval over seeds (nan for one value)."
    n, m = len(v), sum(v) / len(v)
    if n < 2: return dict(mean=m, half_width=float('nan'), n=n, values=v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (n - 1))
    return dict(mean=m, half_width=T_975.get(n - 1, 1.96) * sd / math.sqrt(n), n=n, values=v)


def load(name:str):
    import viewexplore.divmaker, viewexplore.hard_views  # registers the methods (until the entry points are installed)
    from viewexplore.data import load_dataset
    return load_dataset(DATA[name])


def train_one(data_name:str, data, method:str, seed:int, out:Path)->dict:
    "Train and evaluate one run (resuming its checkpoint if there is one); returns its result record."
    from viewexplore.config import PretrainConfig
    from viewexplore.train import Pretrainer
    from viewexplore.evaluate import evaluate_encoder
    run_dir = out / data_name / method / f'seed{seed}'
    settings = {**COMMON, **PER_DATA.get(data_name, {}), **METHODS[method]}
    cfg = PretrainConfig(data=DATA[data_name], seed=seed, **settings)
    load0, t0 = os.getloadavg()[0], time.time()
    if (run_dir / 'checkpoint.pt').exists():
        tr = Pretrainer.from_checkpoint(run_dir / 'checkpoint.pt', data=data, out_dir=run_dir, progress=False)
    else: tr = Pretrainer(cfg, data=data, out_dir=run_dir, progress=False)
    tr.fit()
    seconds = time.time() - t0
    c = tr.config
    ev = evaluate_encoder(tr.encoder, tr.data, None, PROBE_EPOCHS, c.probe_lr, c.probe_batch_size, c.knn_k,
                          c.knn_temperature, seed=seed, progress=False)
    return dict(data=data_name, method=method, seed=seed, knn_accuracy=ev['knn_accuracy'],
                linear_accuracy=ev['linear_accuracy'], history=tr.history, steps=tr.global_step,
                train_seconds=seconds, seconds_per_step=seconds / max(tr.global_step, 1),
                describe=tr.method.describe(), config=c.flat(),
                protocol=dict(knn=ev['knn'], probe=dict(ev['probe'], loss_history=None)),
                command=shlex.join(['python', 'benchmarks/compare_views.py', '--data', data_name, '--methods',
                                    method, '--seeds', str(seed), *SIZE_FLAGS]),
                environment=dict(torch=torch.__version__, python=platform.python_version(),
                                 platform=platform.platform(), cpu_count=os.cpu_count(),
                                 threads=torch.get_num_threads(),
                                 date=datetime.now(timezone.utc).isoformat(timespec='seconds'),
                                 load_average_start=load0, load_average_end=os.getloadavg()[0]))


def summarise(results:dict)->dict:
    "Per data set and method: mean and 95% t-interval over seeds; per method, its paired difference to the others."
    out = {}
    for d in DATA:
        rs = [r for r in results.values() if r['data'] == d]
        if not rs: continue
        per = {m: {r['seed']: r for r in rs if r['method'] == m} for m in METHODS}
        per = {m: v for m, v in per.items() if v}
        s = {m: dict(knn=t_interval([r['knn_accuracy'] for r in v.values()]),
                     linear=t_interval([r['linear_accuracy'] for r in v.values()]),
                     seconds_per_step=t_interval([r['seconds_per_step'] for r in v.values()]),
                     seeds=sorted(v)) for m, v in per.items()}
        diffs = {}
        for a, b in itertools.permutations(per, 2):
            seeds = sorted(set(per[a]) & set(per[b]))
            if len(seeds) < 2: continue
            for metric in ('knn_accuracy', 'linear_accuracy'):
                ti = t_interval([per[a][k][metric] - per[b][k][metric] for k in seeds])
                ti['within_noise'] = abs(ti['mean']) <= ti['half_width']
                diffs.setdefault(f'{a} - {b}', {})[metric] = ti
        out[d] = dict(methods=s, paired_differences=diffs)
    return out


def views_figure(data_name:str, data, out:Path, path:Path, n:int=6, seed:int=0):
    "The same test inputs under every method's views and what they change (seed 0's runs; the same randomness)."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from viewexplore.train import Pretrainer
    from viewexplore.widgets.gallery import run_source
    from viewexplore.figures import show_image
    from viewexplore.data import to_float
    rows = {}
    for m in METHODS:
        ck = out / data_name / m / f'seed{seed}' / 'checkpoint.pt'
        if not ck.exists(): continue
        tr = Pretrainer.from_checkpoint(ck, data=data, progress=False)
        x = to_float(tr.data.test_x[:n])
        rows[m] = (x, run_source(tr, m)(x, seed=1)[0])
    if not rows: return
    fig, axs = plt.subplots(1 + 2 * len(rows), n, figsize=(1.0 * n, 1.0 * (1 + 2 * len(rows))), squeeze=False)
    x = next(iter(rows.values()))[0]
    for i in range(n): show_image(axs[0, i], x[i], data.modality)
    axs[0, 0].set_title('input', loc='left', fontsize=8)
    for r, (m, (_, v)) in enumerate(rows.items()):
        d = (v - x).mean(1)   # the change, channel mean: red adds, blue removes
        lim = float(d.abs().max()) or 1.
        for i in range(n):
            show_image(axs[1 + 2 * r, i], v[i], data.modality)
            axs[2 + 2 * r, i].imshow(d[i], cmap='RdBu_r', vmin=-lim, vmax=lim,
                                     origin='lower' if data.modality != 'image' else 'upper')
        axs[1 + 2 * r, 0].set_title(f'{m}: view', loc='left', fontsize=8)
        axs[2 + 2 * r, 0].set_title(f'{m}: view - input (±{lim:.2f})', loc='left', fontsize=8)
    for ax in axs.flat: ax.set_xticks([]); ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    from PIL import Image   # 256 colours are plenty: the lesson that shows it stays small
    Image.open(path).convert('RGB').quantize(256).save(path, optimize=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', nargs='+', default=list(DATA), choices=list(DATA))
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--out', default=str(ROOT / 'benchmarks' / 'runs' / 'compare-views'), help='checkpoints')
    p.add_argument('--results', default=str(RESULTS))
    p.add_argument('--summary-only', action='store_true', help='no training: the summary and pictures only')
    p.add_argument('--size', choices=['recorded', *SIZES], default='recorded',
                   help='recorded: the lesson\'s recorded runs; laptop: 1,000 examples, 4 epochs (60 steps), a 20-epoch '
                        'probe, about ten minutes for all six methods on two cores; quick: a smoke test (256 examples, '
                        'one epoch, a 1-epoch probe)')
    p.add_argument('--quick', action='store_true', help='the same as --size quick')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads (1: on a shared machine, two threads mostly wait for each other)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    global PROBE_EPOCHS
    size = 'quick' if a.quick else a.size
    if size != 'recorded':
        COMMON.update(SIZES[size][0])
        PROBE_EPOCHS = SIZES[size][1]
        PER_DATA.clear()
        SIZE_FLAGS[:] = ['--size', size]
    out, res = Path(a.out), Path(a.results)
    (res / 'compare_views').mkdir(parents=True, exist_ok=True)
    datasets = {}
    for d in a.data:
        todo = [(m, s) for s in a.seeds for m in a.methods
                if not (res / 'compare_views' / f'{d}_{m}_seed{s}.json').exists()]
        if a.summary_only or not todo: continue
        datasets[d] = load(d)
        for m, s in todo:
            print(f'{d} {m} seed {s} ...', file=sys.stderr, flush=True)
            r = train_one(d, datasets[d], m, s, out)
            f = res / 'compare_views' / f'{d}_{m}_seed{s}.json'
            f.with_suffix('.tmp').write_text(json.dumps(r, indent=1)); f.with_suffix('.tmp').replace(f)
            print(f"  kNN {r['knn_accuracy']:.1f}%  linear {r['linear_accuracy']:.1f}%  "
                  f"{r['train_seconds']:.0f} s", file=sys.stderr, flush=True)
    results = {f.stem: json.loads(f.read_text()) for f in sorted((res / 'compare_views').glob('*.json'))}
    summary = dict(summary=summarise(results), settings=dict(COMMON, probe_epochs=PROBE_EPOCHS, methods=METHODS,
                                                             per_data=PER_DATA),
                   command='python benchmarks/compare_views.py ' + ' '.join(sys.argv[1:]), runs=len(results))
    (res / 'compare_views.json').write_text(json.dumps(summary, indent=1))
    for d in a.data:
        if d not in datasets and (out / d).exists(): datasets[d] = load(d)
        if d in datasets: views_figure(d, datasets[d], out, res / f'compare_views_{d}.png')
    for d, s in summary['summary'].items():
        print(f'\n{d}\n| method | kNN (%) | linear (%) | s/step |\n|---|---|---|---|')
        for m, v in s['methods'].items():
            print(f"| {m} | {v['knn']['mean']:.1f} ± {v['knn']['half_width']:.1f} | "
                  f"{v['linear']['mean']:.1f} ± {v['linear']['half_width']:.1f} | "
                  f"{v['seconds_per_step']['mean']:.2f} |")


if __name__ == '__main__':
    main()
