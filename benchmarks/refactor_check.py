"""Does a restructuring change what is trained? One epoch of four small runs (SimCLR with a viewmaker, alternating and
one-pass; InstDisc; LooC) with the viewexplore found in --tree, printing the epoch's loss and a checksum of the
encoder's weights. Run it for two trees and compare the lines:

    git worktree add /tmp/before 8f7c5d2
    python benchmarks/refactor_check.py --tree /tmp/before
    python benchmarks/refactor_check.py --tree .
"""
import argparse, sys

RUNS = [dict(views='viewmaker', viewmaker_width=8), dict(views='viewmaker', viewmaker_width=8, mode='simultaneous'),
        dict(views='noise', objective='instdisc', num_negatives=64),
        dict(method='looc', augment='color,rotation', queue_size=256, head_hidden=32, bn_splits=4)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tree', default='.', help='a checkout of viewexplore whose package is used')
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    sys.path.insert(0, a.tree)
    import viewexplore
    from viewexplore.train import Pretrainer, PretrainConfig
    from viewexplore.data import load_fashion_mnist_mini
    print(f'viewexplore from {viewexplore.__file__}, seed {a.seed}, 5 steps of batch 64 each\n')
    mini = load_fashion_mnist_mini()
    for kw in RUNS:
        cfg = PretrainConfig(epochs=1, batch_size=64, train_subset=320, test_subset=50, seed=a.seed, **kw)
        tr = Pretrainer(cfg, data=mini, progress=False)
        loss = tr.fit()[0]['loss']
        print(f'{kw}: loss {loss:.6f}, encoder weight sum {sum(float(p.detach().sum()) for p in tr.encoder.parameters()):.6f}')


if __name__ == '__main__':
    main()
