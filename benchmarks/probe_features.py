"""Linear-probe accuracy of pretrained encoders on different features: the paper's pre-pool features and the pooled ones.

The paper's probe reads the feature map before pooling (8,192 numbers for ResNet-18 on CIFAR-10; 4,096 for the small
CNN on 28x28 images). With that many dimensions even an untrained encoder's features are close to linearly separable
on easy data, so the probe can hide differences between encoders that the pooled features (what the kNN monitor
reads) show. This script trains one probe per run and feature kind, with the paper's protocol otherwise (frozen
viewmaker on the training images, lr 0.01, x0.1 at 60% and 80% of the epochs), and writes DIR/probe_features.json
beside each checkpoint, reused on later calls with the same settings. A directory without a checkpoint (the `random`
run, 0 epochs) is rebuilt from its config.json: the untrained encoder.

    python benchmarks/probe_features.py benchmarks/runs/mini-100ep/viewmaker benchmarks/runs/mini-100ep/noise \\
        benchmarks/runs/pilot-mini-0.05/random --features probe pooled
"""
import argparse, time
from pathlib import Path
from _runs import cached, load_run


def evaluate(run:Path, features:list, probe_epochs:int, seed:int)->dict:
    from viewexplore.evaluate import linear_probe, evaluation_data
    tr = load_run(run)
    vm = tr.viewmaker if tr.config.probe_views else None
    res = dict(epochs_trained=tr.epoch, views=tr.config.views, probe={})
    for kind in features:
        t0 = time.time()
        p = linear_probe(tr.encoder, evaluation_data(tr.data), viewmaker=vm, epochs=probe_epochs, seed=seed, progress=False,
                         features=kind)
        res['probe'][kind] = dict(test_accuracy=p['test_accuracy'], train_accuracy=p['train_accuracy'],
                                  with_views=p['with_views'], seconds=time.time() - t0)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='run directories (each with checkpoint.pt, or config.json for an untrained encoder)')
    p.add_argument('--features', nargs='+', default=['probe', 'pooled'], choices=['probe', 'pooled', 'embedding'],
                   help="'probe': pre-pool (the paper's), 'pooled': after average pooling, 'embedding': the 128-d output")
    p.add_argument('--probe-epochs', type=int, default=20)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--force', action='store_true', help='recompute even where DIR/probe_features.json holds these settings')
    a = p.parse_args()
    settings = dict(features=a.features, probe_epochs=a.probe_epochs, seed=a.seed)
    rows = [(Path(d), cached(Path(d), 'probe_features.json', settings, lambda run: evaluate(run, a.features, a.probe_epochs, a.seed), a.force))
            for d in a.runs]
    print(f"\nlinear probe, {a.probe_epochs} epochs, seed {a.seed}: test accuracy (%)\n")
    print('| run | epochs trained | ' + ' | '.join(a.features) + ' |')
    print('|---|---|' + '---|' * len(a.features))
    for run, r in rows:
        print(f"| {run} | {r['epochs_trained']} | " + ' | '.join(f"{r['probe'][k]['test_accuracy']:.2f}" for k in a.features) + ' |')


if __name__ == '__main__':
    main()
