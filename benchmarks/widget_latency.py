"""How long one interaction with each widget takes on the CPU (the issue asks for well under a second for a handful of
images): the time from a state change (what a slider or button does) to new HTML, median and max over repeats.

    python benchmarks/widget_latency.py [--repeats 20] [--images 4] [--checkpoint DIR/checkpoint.pt]

Untrained models on the embedded Fashion-MNIST subset by default (the networks' cost does not depend on training);
`--checkpoint` uses a viewmaker run from the command line for the view sources instead.
"""
import argparse, statistics, time
from datetime import datetime, timezone
import torch
from viewexplore.data import load_dataset
from viewexplore.models import build_encoder
from viewexplore.looc import build_multihead_encoder
from viewexplore.widgets import (ViewGallery, BudgetExplorer, HeadContributionExplorer, RetrievalExplorer, LeaveOneOutSampler,
                                 head_contributions, head_contribution_classifier, _head_features)


def timed(fn, repeats:int)->tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts), 1000 * max(ts)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=20)
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--checkpoint', default=None, help='a viewmaker checkpoint for the view sources (default: untrained)')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    d = load_dataset('fashion-mnist-mini')
    x = d.test_x[:a.images]
    vm = a.checkpoint or 'viewmaker'
    rows = []

    ex = BudgetExplorer([vm, 'noise', 'expert'], x); _ = ex.widget
    budgets = iter([0.01 * 1.3 ** (i % 20) for i in range(10 ** 6)])
    rows.append(('budget explorer: move the slider (3 sources)', *timed(lambda: setattr(ex._slider, 'value', next(budgets)), a.repeats)))

    gal = ViewGallery([vm, 'noise', 'expert'], x, n_views=8); _ = gal.widget
    rows.append(('view gallery: resample 8 views (viewmaker)', *timed(gal.resample, a.repeats)))
    gal._menu.value = 'expert'
    rows.append(('view gallery: resample 8 views (expert)', *timed(gal.resample, a.repeats)))

    los3 = LeaveOneOutSampler(d.test_x[:a.images].expand(-1, 3, -1, -1).contiguous(), 'crop,flip,color,rotation', heads='color,rotation'); _ = los3.widget
    rows.append(('leave-one-out sampler: resample (colour, rotation heads)', *timed(los3.resample, a.repeats)))

    enc = build_multihead_encoder('looc++', 'small', 1, ['rotation'], 128, 512, d.mean, d.std)
    enc.eval()
    ftr, fte = _head_features(enc, d.train_x[:1000]), _head_features(enc, d.test_x[:500])
    clf = head_contribution_classifier(ftr, d.train_y[:1000], epochs=100, num_classes=10)
    res = head_contributions(fte, clf.weight, clf.bias, d.test_y[:500])
    hc = HeadContributionExplorer(dict(result=res, head_names=['invariant', 'rotation space'], images=d.test_x[:500],
                                       labels=d.test_y[:500], predictions=None, classes=d.classes)); _ = hc.widget
    ex_i = iter(range(10 ** 6))
    rows.append(('head contributions: next example', *timed(lambda: setattr(hc._slider, 'value', next(ex_i) % hc.n_examples), a.repeats)))

    g = d.test_x[:1000]
    rx = RetrievalExplorer({'looc++': enc, 'small CNN': build_encoder('small', 1, 128, d.mean, d.std).eval()}, g, d.test_y[:1000],
                           d.classes, k=8, heads=True); _ = rx.widget
    q_i = iter(range(10 ** 6))
    rows.append(('retrievals: new query (4 representations, 1,000 images)', *timed(lambda: setattr(rx._slider, 'value', next(q_i) % 1000), a.repeats)))

    print(f"\n{a.images} images, {'checkpoint ' + a.checkpoint if a.checkpoint else 'untrained models'}, {a.repeats} repeats, "
          f"seed {a.seed}; torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; {datetime.now(timezone.utc).date()}")
    print('\n| interaction | median (ms) | max (ms) |\n|---|---|---|')
    for name, med, mx in rows: print(f'| {name} | {med:.0f} | {mx:.0f} |')


if __name__ == '__main__':
    main()
