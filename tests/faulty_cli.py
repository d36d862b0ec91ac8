"""The `viewexplore` command line with one fault injected, for tests/test_distributed.py (run it under torchrun):

    VIEWEXPLORE_FAULT=disk-full:N       rank 0's N-th checkpoint write fails with 'No space left on device'
    VIEWEXPLORE_FAULT=slow-eval:SECONDS the process group's timeout is SECONDS, and rank 0's kNN monitor takes three
                                        times as long (its first call only)
"""
import errno, os, sys, time
from datetime import timedelta
import torch.distributed as dist
import viewexplore.cli as cli
import viewexplore.train as train
from viewexplore.core import init_distributed

kind, _, arg = os.environ.get('VIEWEXPLORE_FAULT', '').partition(':')
rank0 = os.environ.get('RANK', '0') == '0'
if kind == 'disk-full' and rank0:
    real_save, writes = train.atomic_save, []
    def atomic_save(obj, path):
        writes.append(path)
        if len(writes) == int(arg):
            print(f'fault injected at {time.time():.3f}', file=sys.stderr, flush=True)
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(obj, path)
    train.atomic_save = atomic_save
elif kind == 'slow-eval':
    init_distributed('cpu')   # joined here (with the usual timeout, so that slow imports do not count) ...
    dist.barrier()
    set_timeout = getattr(dist, 'set_timeout', None) or dist.distributed_c10d._set_pg_timeout
    set_timeout(timedelta(seconds=float(arg)))   # ... then every collective of the default group waits SECONDS
    real_monitor, calls = cli.knn_monitor, []
    def knn_monitor(trainer):
        if rank0 and not calls: time.sleep(3 * float(arg))
        calls.append(1)
        real_monitor(trainer)
    cli.knn_monitor = knn_monitor
elif kind: sys.exit(f'unknown VIEWEXPLORE_FAULT {kind!r}')
sys.exit(cli.main())
