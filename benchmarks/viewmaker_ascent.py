"""Can the viewmaker still make the task hard? Freeze a pretrained encoder and train only the viewmaker
(Adam, the run's own learning rate, ascending the contrastive loss) for a number of steps, printing the loss
and the viewmaker's gradient norm. A loss that climbs means the viewmaker has the capacity and the gradient
signal to be adversarial, so a low loss during the joint game is a matter of game dynamics, not a bug.

    python benchmarks/viewmaker_ascent.py benchmarks/runs/pilot-mini-0.05/viewmaker/checkpoint.pt --steps 40
"""
import argparse
import torch
from viewexplore.train import Pretrainer


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint')
    p.add_argument('--steps', type=int, default=40)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    tr = Pretrainer.from_checkpoint(a.checkpoint, progress=False)
    if tr.viewmaker is None: raise SystemExit('this checkpoint has no viewmaker')
    tr.encoder.requires_grad_(False)
    opt = torch.optim.Adam(tr.viewmaker.parameters(), lr=tr.config.viewmaker_lr)
    g = torch.Generator().manual_seed(a.seed)
    print(f'checkpoint {a.checkpoint} (epoch {tr.epoch}), encoder frozen, viewmaker Adam lr {tr.config.viewmaker_lr}, '
          f'batch {a.batch_size}, seed {a.seed}\n\n| step | loss | viewmaker gradient norm |\n|---|---|---|')
    for step in range(a.steps):
        idx = torch.randperm(len(tr.train_x), generator=g)[:a.batch_size]
        m = tr.method
        z1, z2 = m.two_views(tr._batch(idx))
        loss = m.contrastive_loss(z1, z2, idx)
        opt.zero_grad(set_to_none=True); (-loss).backward()
        gn = torch.sqrt(sum(q.grad.pow(2).sum() for q in tr.viewmaker.parameters())).item()
        opt.step()
        if step % 5 == 0 or step == a.steps - 1: print(f'| {step} | {loss.item():.4f} | {gn:.2f} |', flush=True)


if __name__ == '__main__':
    main()
