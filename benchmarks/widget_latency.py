"""How long one interaction with each widget takes on the CPU (the issue asks for well under a second for a handful of
images): the time from a state change (what a slider or button does) to new HTML, median and max over repeats; and
how long opening the head-contribution explorer takes the first time (embedding and fitting its classifier) and
again (read from the cache kept per checkpoint).

    python benchmarks/widget_latency.py [--repeats 20] [--images 4] [--vm DIR] [--looc DIR]

The widgets open checkpoints with `load_run`. By default two untrained runs (0 epochs on the embedded Fashion-MNIST
subset, a viewmaker run and a LooC++ run with a rotation space) are written to a temporary folder first: the networks'
cost does not depend on training. `--vm` / `--looc` use runs from `viewexplore pretrain --out DIR` instead.
"""
import argparse, statistics, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
import torch
from viewexplore.runs import load_run
from viewexplore.widgets import (ViewGallery, BudgetExplorer, HeadContributionExplorer, RetrievalExplorer,
                                 LeaveOneOutSampler)
import viewexplore.widgets.looc as looc_widgets


def timed(fn, repeats:int)->tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts), 1000 * max(ts)


def once(fn)->tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    ms = 1000 * (time.perf_counter() - t0)
    return ms, ms


def untrained_runs(folder:Path)->tuple[Path, Path]:
    "A viewmaker run and a LooC++ run (rotation space), 0 epochs, as `viewexplore pretrain --epochs 0` writes them."
    from viewexplore.train import Pretrainer, PretrainConfig
    runs = dict(vm=PretrainConfig(views='viewmaker', viewmaker_width=16, epochs=0),
                looc=PretrainConfig(method='looc++', augment='rotation', head_hidden=512, queue_size=4096, epochs=0))
    for name, cfg in runs.items(): Pretrainer(cfg, out_dir=folder / name, progress=False).save_checkpoint()
    return folder / 'vm', folder / 'looc'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=20)
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--vm', default=None, help='a viewmaker run (DIR or DIR/checkpoint.pt); default: an untrained one')
    p.add_argument('--looc', default=None, help='a LooC++ run with one --augment head; default: an untrained one')
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='widget-latency-'))
    vm_dir, looc_dir = untrained_runs(tmp) if not (a.vm and a.looc) else (None, None)
    vm_dir, looc_dir = Path(a.vm or vm_dir), Path(a.looc or looc_dir)
    vm_run, looc_run = load_run(vm_dir), load_run(looc_dir)
    x, _ = vm_run.data.test(a.images)
    rows = []

    ex = BudgetExplorer([vm_dir, 'noise', 'expert'], x)
    budgets = iter([0.01 * 1.3 ** (i % 20) for i in range(10 ** 6)])
    slide = lambda: setattr(ex.controls['budget'], 'value', next(budgets))
    rows.append(('budget explorer: move the slider (3 sources)', *timed(slide, a.repeats)))

    gal = ViewGallery([vm_dir, 'noise', 'expert'], x, n_views=8)
    _ = gal.widget
    rows.append(('view gallery: resample 8 views (viewmaker run)', *timed(gal.resample, a.repeats)))
    gal.source = 'expert'
    rows.append(('view gallery: resample 8 views (expert)', *timed(gal.resample, a.repeats)))

    lx, ly = looc_run.data.test(1000)
    los = LeaveOneOutSampler(lx[:a.images], looc_dir)
    _ = los.widget
    rows.append(('leave-one-out sampler: resample (the run\'s augmentations)', *timed(los.resample, a.repeats)))

    looc_widgets._CONTRIBUTIONS.clear()
    for f in looc_dir.glob('.head_contributions-*.pt'): f.unlink()
    kw = dict(n_train=1000, n_test=500, epochs=100)
    rows.append(('head contributions: open the first time (embed, fit the classifier)',
                 *once(lambda: HeadContributionExplorer(looc_dir, **kw))))
    rows.append(('head contributions: open again (cached per checkpoint)',
                 *timed(lambda: HeadContributionExplorer(looc_dir, **kw), a.repeats)))
    hc = HeadContributionExplorer(looc_dir, **kw)
    ex_i = iter(range(10 ** 6))
    step = lambda: setattr(hc.controls['example'], 'value', next(ex_i) % hc.n_examples)
    rows.append(('head contributions: next example', *timed(step, a.repeats)))

    rx = RetrievalExplorer({'looc++': looc_dir, 'viewmaker run': vm_dir}, lx, ly, looc_run.data.classes, k=8,
                           heads=True)
    q_i = iter(range(10 ** 6))
    query = lambda: setattr(rx.controls['query'], 'value', next(q_i) % len(ly))
    rows.append((f'retrievals: new query ({len(rx.features)} representations, {len(ly):,} images)',
                 *timed(query, a.repeats)))

    runs = 'untrained runs' if not (a.vm and a.looc) else f'runs {vm_dir} and {looc_dir}'
    print(f"\n{a.images} images, {runs}, {a.repeats} repeats; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, CPU; {datetime.now(timezone.utc).date()}")
    print('\n| interaction | median (ms) | max (ms) |\n|---|---|---|')
    for name, med, mx in rows: print(f'| {name} | {med:.0f} | {mx:.0f} |')


if __name__ == '__main__':
    main()
