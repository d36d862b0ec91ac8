"""LooC's central result at CPU scale (LooC paper, Table 1): what an augmentation erases, and what leave-one-out keeps.

Pretrains the same encoder with the same budget under several methods/augmentations (`viewexplore pretrain
--method ...`), then measures on the frozen representation:
  * class accuracy (linear probe on pre-pool features and kNN, the package's standard protocol),
  * rotation accuracy: a linear probe predicting which of 0/90/180/270 degrees an image was rotated by,
  * hue accuracy: a linear probe predicting which of four hue rotations (0/90/180/270 degrees) was applied,
    the "task that needs colour".
Expected (paper): adding rotation to MoCo destroys rotation information; LooC with a rotation space keeps it
while class accuracy holds. Likewise colour jitter erases colour, and LooC with a colour space keeps more of it.

    VIEWEXPLORE_DATA=../shared/data python benchmarks/looc_effect.py --data cifar10 --train-subset 10000 \
        --epochs 5 --out benchmarks/runs/looc-cifar

Each run's metrics.json (config, seed, device, wall time, history) stays in --out/<run>/; probe results go to
--out/<run>/looc_eval.json and the table to --out/summary.json.
"""
import argparse, json, sys, time
from datetime import datetime, timezone
from pathlib import Path
import torch
from viewexplore.cli import main as cli_main
from viewexplore.train import Pretrainer
from viewexplore.evaluations import rotation_probe, hue_probe

RUNS = {
    'random': dict(method='moco', base_augment='crop,flip,blur,color', augment=''),  # untrained (0 epochs): the floor
    'moco': dict(method='moco', base_augment='crop,flip,blur,color', augment=''),
    'moco+rotation': dict(method='moco', base_augment='crop,flip,blur,color', augment='rotation'),
    'looc+rotation': dict(method='looc', base_augment='crop,flip,blur,color', augment='rotation'),
    'moco-no-color': dict(method='moco', base_augment='crop,flip,blur', augment=''),
    'looc+color': dict(method='looc', base_augment='crop,flip,blur', augment='color'),
    # a learned viewmaker as one more augmentation (in neither paper): applied to every view (MoCo), or with its own space (LooC)
    # head concatenation (LooC Table 5): two spaces; LooC reads the shared backbone, LooC++ concatenates the heads, each of
    # which owns a copy of the last stage (compare with moco+rotation: MoCo with the same colour and rotation augmentations)
    'looc-color-rotation': dict(method='looc', base_augment='crop,flip,blur', augment='color,rotation'),
    'looc++-color-rotation': dict(method='looc++', base_augment='crop,flip,blur', augment='color,rotation'),
    'moco++-color-rotation': dict(method='moco++', base_augment='crop,flip,blur', augment='color,rotation'),
    'moco+viewmaker': dict(method='moco', base_augment='crop,flip,blur,color', augment='viewmaker'),
    'looc+viewmaker': dict(method='looc', base_augment='crop,flip,blur,color', augment='viewmaker'),
}


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='cifar10')
    p.add_argument('--runs', nargs='+', default=['moco', 'moco+rotation', 'looc+rotation', 'looc+color'], choices=list(RUNS))
    p.add_argument('--encoder', default='small')
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--train-subset', default='10000')
    p.add_argument('--test-subset', default='none')
    p.add_argument('--queue-size', type=int, default=4096)
    p.add_argument('--head-hidden', type=int, default=512)
    p.add_argument('--probe-epochs', type=int, default=20)
    p.add_argument('--aux-train', type=int, default=5000, help='training images of the rotation and hue probes (each gets one of the 4 rotations / hue turns, balanced)')
    p.add_argument('--aux-test', type=int, default=2000, help='test images of the rotation and hue probes')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--extra', nargs=argparse.REMAINDER, default=[], help='more `viewexplore pretrain` options')
    p.add_argument('--out', required=True)
    return p.parse_args()


def main():
    a = parse()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in a.runs:
        run_dir = out / name
        if not (run_dir / 'metrics.json').exists():
            args = ['pretrain', '--data', a.data, '--encoder', a.encoder, '--epochs', str(0 if name == 'random' else a.epochs), '--batch-size', str(a.batch_size),
                    '--train-subset', a.train_subset, '--test-subset', a.test_subset, '--queue-size', str(a.queue_size),
                    '--head-hidden', str(a.head_hidden), '--probe-epochs', str(a.probe_epochs), '--seed', str(a.seed),
                    '--knn-every-epoch', 'false', '--no-progress', '--out', str(run_dir)]
            for k, v in RUNS[name].items(): args += ['--' + k.replace('_', '-'), v]
            if (run_dir / 'checkpoint.pt').exists():  # an interrupted run continues (to --epochs) from its checkpoint
                args = ['pretrain', '--resume', '--epochs', str(a.epochs), '--out', str(run_dir), '--no-progress', '--knn-every-epoch', 'false']
            else: args += a.extra
            rc = cli_main(args)
            if rc != 0: sys.exit(f'{name}: viewexplore pretrain failed with exit code {rc}')
        m = json.loads((run_dir / 'metrics.json').read_text())
        ev_path = run_dir / 'looc_eval.json'
        if ev_path.exists(): ev = json.loads(ev_path.read_text())
        else:
            t0 = time.time()
            tr = Pretrainer.from_checkpoint(run_dir / 'checkpoint.pt', progress=False)
            d = tr.data
            aux = d.subset(min(a.aux_train, len(d.train_x)), min(a.aux_test, len(d.test_x)), seed=a.seed)
            ev = dict(rotation=rotation_probe(tr.encoder, aux, epochs=a.probe_epochs, seed=a.seed, progress=False),
                      hue=hue_probe(tr.encoder, aux, epochs=a.probe_epochs, seed=a.seed, progress=False) if d.channels == 3 else None)
            ev['seconds'] = time.time() - t0
            ev_path.write_text(json.dumps(ev, indent=2, default=float))
        acc = lambda r: (r['test_accuracy'] if isinstance(r, dict) else float(r)) if r is not None else float('nan')
        rows.append(dict(run=name, **RUNS[name], linear_accuracy=m['linear_accuracy'], knn_accuracy=m['knn_accuracy'],
                         rotation_accuracy=acc(ev['rotation']), hue_accuracy=acc(ev['hue']), pretrain_seconds=m['pretrain_seconds'],
                         environment=m['environment']))
    env = rows[0]['environment']
    print(f"\n{a.data}, encoder {a.encoder}, {a.epochs} epochs, batch {a.batch_size}, train subset {a.train_subset}, queue {a.queue_size}, "
          f"head hidden {a.head_hidden}, probe {a.probe_epochs} epochs, rotation/hue probes on {a.aux_train}/{a.aux_test} images (one balanced random rotation / hue turn each), seed {a.seed}; "
          f"{env['device']}, {env['cpu_threads']} threads, torch {env['torch']}, {datetime.now(timezone.utc).date()}")
    print('\n| run | method | base | with heads / extra | class linear (%) | class kNN (%) | rotation (%) | hue (%) | pretrain (s) |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['run']} | {r['method']} | {r['base_augment']} | {r['augment'] or '-'} | {r['linear_accuracy']:.2f} | {r['knn_accuracy']:.2f} | "
              f"{r['rotation_accuracy']:.2f} | {r['hue_accuracy']:.2f} | {r['pretrain_seconds']:.0f} |")
    (out / 'summary.json').write_text(json.dumps([{k: v for k, v in r.items() if k != 'environment'} for r in rows], indent=2))


if __name__ == '__main__':
    main()
