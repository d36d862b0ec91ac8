"""Two training steps of several methods, run alone (`python distributed_worker.py OUT`) or under
`torchrun --nproc-per-node 2`; tests/test_distributed.py compares what the two wrote. Two steps, so that the second
runs on DistributedDataParallel's rebuilt buckets and after the viewmaker's turn has frozen and unfrozen the encoder.

Randomness is made comparable across world sizes: views are drawn for the *global* batch with a seed that depends
only on the call count, and each process keeps its share. BatchNorm is made comparable by GlobalBatchNorm2d
(`sync_batchnorm`) for the two-view methods and MoCo without splits, and by bn_splits groups over the global batch
for LooC."""
import sys
from pathlib import Path
import torch
import torch.nn as nn
import torch.distributed as dist
from viewexplore.core import gather, shard, rank, world_size, init_distributed, data_parallel
from viewexplore.config import PretrainConfig
from viewexplore.data import load_fashion_mnist_mini
from viewexplore.losses import nt_xent
from viewexplore.train import Pretrainer

CASES = dict(
    simclr_alternating=dict(views='viewmaker', sync_batchnorm=True),
    simclr_one_pass=dict(views='viewmaker', mode='simultaneous', sync_batchnorm=True),
    simclr_channels_last=dict(views='viewmaker', sync_batchnorm=True, channels_last=True),  # the CUDA default layout
    instdisc_alternating=dict(views='viewmaker', objective='instdisc', num_negatives=32, sync_batchnorm=True),
    looc=dict(method='looc', augment='color,rotation', queue_size=64, head_hidden=16, bn_splits=4),
    looc_viewmaker=dict(method='looc', augment='rotation,viewmaker', queue_size=64, head_hidden=16, bn_splits=4),
    # the key encoder's BatchNorm synchronised too: with it left per process, keys would differ from one process's
    moco_sync_batchnorm=dict(method='moco', augment='', queue_size=64, head_hidden=16, bn_splits=1, sync_batchnorm=True),
)


class GlobalViews(nn.Module):
    "Draw the views of the whole global batch with a seed fixed by the call count; keep this process's share."
    def __init__(self, inner):
        super().__init__()
        self.inner, self.calls = inner, 0
    def _draw(self, fn, x):
        torch.manual_seed(1000 + self.calls)
        self.calls += 1
        return fn(gather(x.detach()))
    def forward(self, x): return shard(self._draw(self.inner, x))
    def pairs(self, x):
        q, keys = self._draw(self.inner.pairs, x)
        return shard(q), [shard(k) for k in keys]


def gather_gradient_case():
    "NT-Xent on gathered embeddings of a linear layer: the averaged gradient must equal one process's."
    torch.manual_seed(0)
    lin = nn.Linear(6, 4)
    x1, x2 = torch.randn(8, 6), torch.randn(8, 6)
    replica = data_parallel(lin.parameters())   # None with one process
    loss = nt_xent(gather(lin(shard(x1))), gather(lin(shard(x2))), 0.5)
    (replica(loss) if replica is not None else loss).backward()   # DDP averages the gradients in this backward
    return dict(loss=loss.detach(), grads={n: p.grad.clone() for n, p in lin.named_parameters()})


def two_steps(data, **kw):
    "Per step: the loss, the gradients of the step's last update, the method's state after it (BatchNorm averaged)."
    # Adam's first step is lr * sign(gradient): where the true gradient is 0 (a conv bias in front of InstanceNorm) or
    # tiny, float noise picks the sign, and one process and two would move those weights by +-lr apart. A tiny
    # learning rate keeps that difference below float noise, so that the second step can be compared tightly too.
    cfg = PretrainConfig(batch_size=16, viewmaker_width=4, num_res_blocks=1, encoder='small', seed=0, viewmaker_lr=1e-8,
                         **kw)
    tr = Pretrainer(cfg, data=data, progress=False)
    m = tr.method
    m.views = GlobalViews(m.views)
    res = dict(loss=[], grads=[], state=[])
    for idx in (torch.arange(16), torch.arange(16, 32)):
        loss = tr.train_step(tr._batch(shard(idx)), shard(idx)).clone()
        if world_size() > 1: dist.all_reduce(loss); loss /= world_size()
        res['loss'].append(loss)
        res['grads'].append({n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None})
        state = tr.state_dict()['method']   # as a checkpoint holds it
        res['state'].append({k: v.clone() for k, v in state.items() if torch.is_tensor(v)})
    return res


def main(out:str):
    init_distributed('cpu')
    data = load_fashion_mnist_mini().subset(64, 32, seed=0)
    res = dict(world_size=world_size(), gather=gather_gradient_case())
    for name, kw in CASES.items(): res[name] = two_steps(data, **kw)
    torch.save(res, Path(out) / f'rank{rank()}.pt')
    if dist.is_initialized(): dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1])
