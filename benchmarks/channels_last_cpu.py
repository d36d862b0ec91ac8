"""How far PyTorch's CPU kernels are from a float64 computation, in the default memory layout and in channels-last,
on the small encoder of tests/test_distributed.py (4 conv-BatchNorm-ReLU layers, width 32) and a batch of 16 (one
process) or 8 (each of two) Fashion-MNIST images: the largest error of the encoder's parameter gradients against
float64, relative to the largest gradient; and the same without BatchNorm (replaced by the identity), which shows
whose kernel it is. It explains why that test holds two channels-last processes to one process in the default layout.

    python benchmarks/channels_last_cpu.py
"""
import platform
import torch
import torch.nn as nn
from viewexplore.data import load_fashion_mnist_mini, to_float
from viewexplore.models import build_encoder


def gradient_error(batch:int, layout, threads:int, batchnorm:bool=True, seed:int=0)->float:
    torch.set_num_threads(threads)
    x = to_float(load_fashion_mnist_mini().train_x[:batch])
    grads = {}
    for dtype, fmt in ((torch.float64, torch.contiguous_format), (torch.float32, layout)):
        torch.manual_seed(seed)
        enc = build_encoder('small', 1).to(dtype).to(memory_format=fmt)
        if not batchnorm: enc.body = nn.Sequential(*[nn.Identity() if isinstance(m, nn.BatchNorm2d) else m for m in enc.body])
        z = enc(x.to(dtype).contiguous(memory_format=fmt))
        w = torch.randn(z.shape, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
        (z * w.to(dtype)).sum().backward()   # a fixed random direction stands in for the loss's gradient
        grads[dtype] = {n: p.grad.double() for n, p in enc.named_parameters()}
    ref = grads[torch.float64]
    scale = max(v.abs().max().item() for v in ref.values())
    return max((grads[torch.float32][n] - ref[n]).abs().max().item() for n in ref) / scale


def main():
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}\n")
    print('| batch | threads | default layout | channels-last | ratio | channels-last, no BatchNorm |\n|---|---|---|---|---|---|')
    for batch in (16, 8):
        for threads in (1, 2):
            a = gradient_error(batch, torch.contiguous_format, threads)
            b = gradient_error(batch, torch.channels_last, threads)
            c = gradient_error(batch, torch.channels_last, threads, batchnorm=False)
            print(f"| {batch} | {threads} | {a:.1e} | {b:.1e} | {b / a:.0f}x | {c:.1e} |")


if __name__ == '__main__':
    main()
