"""One training step of several methods, run alone (`python distributed_worker.py OUT`) or under
`torchrun --nproc-per-node 2`; tests/test_distributed.py compares what the two wrote.

Randomness is made comparable across world sizes: views are drawn for the *global* batch with a seed that depends
only on the call count, and each process keeps its share. BatchNorm is made comparable by GlobalBatchNorm2d
(`sync_batchnorm`) for the two-view methods and by bn_splits groups over the global batch for LooC."""
import sys
from pathlib import Path
import torch
import torch.nn as nn
import torch.distributed as dist
from viewexplore.core import gather, shard, rank, world_size, init_distributed, average_gradients
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
    loss = nt_xent(gather(lin(shard(x1))), gather(lin(shard(x2))), 0.5)
    loss.backward()
    average_gradients(lin.parameters())
    return dict(loss=loss.detach(), grads={n: p.grad.clone() for n, p in lin.named_parameters()})


def one_step(data, **kw):
    cfg = PretrainConfig(batch_size=16, viewmaker_width=4, num_res_blocks=1, encoder='small', seed=0, **kw)
    tr = Pretrainer(cfg, data=data, progress=False)
    m = tr.method
    m.views = GlobalViews(m.views)
    idx = torch.arange(16)
    loss = tr.train_step(tr._batch(shard(idx)), shard(idx)).clone()
    if world_size() > 1: dist.all_reduce(loss); loss /= world_size()
    res = dict(loss=loss,
               grads={n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None},
               state={k: v.clone() for k, v in m.state_dict().items() if torch.is_tensor(v)})
    return res


def main(out:str):
    init_distributed('cpu')
    data = load_fashion_mnist_mini().subset(64, 32, seed=0)
    res = dict(world_size=world_size(), gather=gather_gradient_case())
    for name, kw in CASES.items(): res[name] = one_step(data, **kw)
    torch.save(res, Path(out) / f'rank{rank()}.pt')
    if dist.is_initialized(): dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1])
