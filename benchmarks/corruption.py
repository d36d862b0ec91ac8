"""Robustness of pretrained encoders to CIFAR-10-C style corruptions (the viewmaker paper's CIFAR-10-C comparison).

For every run directory (written by `viewexplore pretrain` or `benchmarks/linear_probe.py`), train a fresh linear
probe on the encoder (frozen viewmaker on the training images, as in the paper's protocol), then test it on a
class-stratified test subset, clean and under each of `viewexplore.evaluations.CORRUPTIONS` at severities 1-5. The
result is written to DIR/corruption.json beside the checkpoint and reused on later calls with the same settings. A
directory without a checkpoint (the `random` run, 0 epochs) is rebuilt from its config.json: the untrained encoder.

    VIEWEXPLORE_DATA=../shared/data python benchmarks/corruption.py benchmarks/runs/cifar10-10k/viewmaker \\
        benchmarks/runs/cifar10-10k/expert benchmarks/runs/cifar10-10k-combined/combined
"""
import argparse, time
from pathlib import Path
from _runs import cached, load_run


def evaluate(run:Path, probe_epochs:int, n_test:int, seed:int)->dict:
    from viewexplore.evaluate import linear_probe
    from viewexplore.evaluations import corruption_robustness
    tr = load_run(run)
    t0 = time.time()
    probe = linear_probe(tr.encoder, tr.data, viewmaker=tr.viewmaker, epochs=probe_epochs, progress=False, return_classifier=True)
    rob = corruption_robustness(tr.encoder, probe['classifier'], tr.data.subset(n_test=n_test, seed=seed), seed=seed)
    rob['probe_test_accuracy_10k'] = probe['test_accuracy']   # the probe on the full test set, for reference
    rob['seconds'] = time.time() - t0
    return rob


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='run directories (each with checkpoint.pt, or config.json for an untrained encoder)')
    p.add_argument('--probe-epochs', type=int, default=20)
    p.add_argument('--test-subset', type=int, default=2000, help='class-stratified test images to corrupt')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--force', action='store_true', help='recompute even where DIR/corruption.json holds these settings')
    a = p.parse_args()
    settings = dict(probe_epochs=a.probe_epochs, test_subset=a.test_subset, seed=a.seed)
    rows = [(Path(d), cached(Path(d), 'corruption.json', settings, lambda run: evaluate(run, a.probe_epochs, a.test_subset, a.seed), a.force))
            for d in a.runs]
    fams = list(rows[0][1]['by_family'])
    print(f"\nprobe {a.probe_epochs} epochs, {a.test_subset} test images, severities {rows[0][1]['severities']}, seed {a.seed}\n")
    print('| run | clean (%) | corrupted, mean (%) | drop | ' + ' | '.join(fams) + ' |')
    print('|---|---|---|---|' + '---|' * len(fams))
    for run, r in rows:
        print(f"| {run} | {r['clean']:.1f} | {r['mean']:.1f} | {r['clean'] - r['mean']:.1f} | "
              + ' | '.join(f"{r['by_family'][f]:.1f}" for f in fams) + ' |')


if __name__ == '__main__':
    main()
