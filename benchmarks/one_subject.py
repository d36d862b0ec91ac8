"""Few labels (viewmaker paper, sensors): labels from one subject only. Supervised training from scratch on that
subject's windows vs a frozen pretrained encoder + linear probe on the same windows vs an untrained encoder + probe;
all tested on the full test set (other subjects).

    VIEWEXPLORE_DATA=../shared/data python benchmarks/one_subject.py --data hapt \
        --checkpoint benchmarks/runs/hapt/viewmaker/checkpoint.pt [--subject 1] [--epochs 100] [--probe-epochs 100]

The paper (PAMAP2, one participant's labels): supervised 58.3%, pretrain + linear 75.1%.
"""
import argparse, json, sys, time
from datetime import datetime, timezone
from pathlib import Path
import torch
import torch.nn as nn
import torch.nn.functional as F
from viewexplore.core import seed_everything
from viewexplore.data import load_dataset
from viewexplore.evaluate import linear_probe
from viewexplore.models import build_encoder
from viewexplore.sensors import one_subject_labels
from viewexplore.train import Pretrainer


def supervised(ds, encoder_name:str, epochs:int, lr:float, batch_size:int, seed:int)->dict:
    "The encoder plus a linear layer on its pre-pool features, trained end to end with cross-entropy (SGD, cosine lr)."
    seed_everything(seed)
    enc = build_encoder(encoder_name, ds.channels, 128, ds.mean, ds.std)
    head = nn.Linear(enc.probe_features(ds.train_x[:2]).shape[1], len(ds.classes))
    params = [*enc.parameters(), *head.parameters()]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    steps = epochs * max(1, -(-len(ds.train_x) // batch_size))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        enc.train()
        for idx in torch.randperm(len(ds.train_x), generator=g).split(batch_size):
            loss = F.cross_entropy(head(enc.probe_features(ds.train_x[idx])), ds.train_y[idx])
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); sched.step()
    enc.eval()
    with torch.no_grad():
        pred = torch.cat([head(enc.probe_features(ds.test_x[i:i + 512])).argmax(1) for i in range(0, len(ds.test_x), 512)])
        train_pred = head(enc.probe_features(ds.train_x)).argmax(1)
    return dict(test_accuracy=100 * (pred == ds.test_y).float().mean().item(),
                train_accuracy=100 * (train_pred == ds.train_y).float().mean().item())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='hapt')
    p.add_argument('--checkpoint', required=True, help='a pretraining checkpoint on the same data (viewexplore pretrain)')
    p.add_argument('--subject', default=None, help='whose training labels to keep (default: the first training subject)')
    p.add_argument('--encoder', default='small')
    p.add_argument('--epochs', type=int, default=100, help='supervised epochs')
    p.add_argument('--lr', type=float, default=0.05, help='supervised SGD learning rate')
    p.add_argument('--probe-epochs', type=int, default=100)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=None, help='write the results here as JSON')
    a = p.parse_args()
    ds = load_dataset(a.data)
    subject = a.subject or ds.group_names[int(ds.train_groups.min())]
    one = one_subject_labels(ds, subject)
    print(f"{a.data}: subject {subject} has {len(one.train_x)} labelled training windows "
          f"({sorted(set(one.train_y.tolist()))} of {len(ds.classes)} classes); test: {len(ds.test_x)} windows of other subjects",
          file=sys.stderr)
    rows, t0 = {}, time.time()
    rows['supervised from scratch'] = supervised(one, a.encoder, a.epochs, a.lr, a.batch_size, a.seed)
    tr = Pretrainer.from_checkpoint(a.checkpoint, data=ds, device='cpu', progress=False)  # the run's own data; probe on `one`
    vm = tr.viewmaker if tr.config.probe_views else None
    r = linear_probe(tr.encoder, one, vm, a.probe_epochs, batch_size=a.batch_size, seed=a.seed, progress=False)
    rows[f'pretrained ({tr.config.views}, {tr.epoch} epochs) + linear probe'] = dict(test_accuracy=r['test_accuracy'], train_accuracy=r['train_accuracy'])
    seed_everything(a.seed)
    rnd = build_encoder(a.encoder, ds.channels, 128, ds.mean, ds.std)
    r = linear_probe(rnd, one, None, a.probe_epochs, batch_size=a.batch_size, seed=a.seed, progress=False)
    rows['untrained encoder + linear probe'] = dict(test_accuracy=r['test_accuracy'], train_accuracy=r['train_accuracy'])
    print(f"\n{a.data}, labels from subject {subject} only ({len(one.train_x)} windows), encoder {a.encoder}, supervised "
          f"{a.epochs} epochs (SGD lr {a.lr}, cosine), probe {a.probe_epochs} epochs, batch {a.batch_size}, seed {a.seed}, "
          f"checkpoint {a.checkpoint}; torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; "
          f"{datetime.now(timezone.utc).date()}; {time.time() - t0:.0f} s")
    print('\n| model | test accuracy (%) | train accuracy (%) |\n|---|---|---|')
    for k, v in rows.items(): print(f"| {k} | {v['test_accuracy']:.2f} | {v['train_accuracy']:.2f} |")
    if a.out: Path(a.out).write_text(json.dumps(dict(subject=subject, n_labelled=len(one.train_x), rows=rows, args=vars(a)), indent=1))


if __name__ == '__main__':
    main()
