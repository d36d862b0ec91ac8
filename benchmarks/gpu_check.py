"""The prepared GPU check: everything a session with a GPU should run once, in one command that fits in about
8 minutes on one H100/H200, writing a results file to paste into benchmarks/RESULTS.md.

    python benchmarks/gpu_check.py --out gpu-check                  # on a CUDA machine
    python benchmarks/gpu_check.py --dry-run --out /tmp/gpu-dry     # tiny, on CPU: what CI and tests run

1. a smoke run of every method (a few steps each, CIFAR-10-shaped batches): the loss is finite;
2. `torchrun --nproc-per-node 1` with nccl (gloo in the dry run): one short CLI run of the viewmaker method;
3. throughput of ResNet-18 on CIFAR-10-shaped batches of 256 (random images: no data needed) for the viewmaker
   (alternating and one-pass), expert views and LooC, with bf16 autocast, channels-last and torch.compile switched on
   and off, plus a reference-style row (fp32, no compile, default layout); peak GPU memory per row;
4. the scoreboard's GPU column (benchmarks/scoreboard.py): seconds per step of each row's paper-length setting
   (ResNet-18, the paper's batch, bf16 + channels-last, random data of the row's shape), and so the measured time of
   each row's paper-length run, written to scoreboard_gpu.json (copy it to benchmarks/results/ to show it);
5. a time-boxed CIFAR-10 viewmaker run (ResNet-18, batch 256, the fastest settings of 3) for --run-seconds, with
   the kNN accuracy after every epoch and the projected time of the paper's 200 epochs (skipped, with the reason,
   when CIFAR-10 is not found: set VIEWEXPLORE_DATA to the folder with cifar10-jpeg.tar.gz).

Every section is timed and a failure in one does not stop the others; `results.md` and `results.json` in --out say
what ran, on what hardware, with which command.
"""
import argparse, json, os, platform, subprocess, sys, time, traceback
from datetime import datetime, timezone
from pathlib import Path
import torch

METHODS = {'viewmaker, alternating (SimCLR)': dict(views='viewmaker'),
           'viewmaker, one pass (SimCLR)': dict(views='viewmaker', mode='simultaneous'),
           'viewmaker (InstDisc)': dict(views='viewmaker', objective='instdisc'),
           'expert views (SimCLR)': dict(views='expert'),
           'cropflip+viewmaker': dict(views='cropflip+viewmaker', distortion_budget=0.01),
           'moco': dict(method='moco', augment='rotation'),
           'looc': dict(method='looc', augment='color,rotation'),
           'looc++ with a viewmaker': dict(method='looc++', augment='rotation,viewmaker'),
           'push-apart (the lesson)': dict(method='push-apart')}

THROUGHPUT = [('viewmaker, alternating', dict(views='viewmaker')),
              ('viewmaker, one pass', dict(views='viewmaker', mode='simultaneous')),
              ('expert views', dict(views='expert')),
              ('looc (colour, rotation)', dict(method='looc', augment='color,rotation'))]
SPEED = [('bf16 + channels-last + compile', dict(precision='bf16', channels_last=True, compile=True)),
         ('bf16 + channels-last', dict(precision='bf16', channels_last=True, compile=False)),
         ('fp32 + channels-last', dict(precision='fp32', channels_last=True, compile=False)),
         ('reference-style: fp32, no compile, default layout', dict(precision='fp32', channels_last=False, compile=False))]


def synthetic(n:int, size:int=32, channels:int=3, seed:int=0):
    "CIFAR-10-shaped random images (throughput does not depend on what the pixels show)."
    from viewexplore.data import ImageDataset
    g = torch.Generator().manual_seed(seed)
    m = max(n // 5, 10)
    x = torch.randint(0, 256, (n + m, channels, size, size), dtype=torch.uint8, generator=g)
    y = torch.randint(0, 10, (n + m,), generator=g)
    return ImageDataset('synthetic-cifar10-shape', x[:n], y[:n], x[n:], y[n:], [str(i) for i in range(10)], source='random')


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def measure(cfg, data, steps:int, warmup:int):
    "Images/s of `steps` training steps after `warmup` (compilation happens there), and peak memory (GiB)."
    from viewexplore.train import Pretrainer
    tr = Pretrainer(cfg, data=data, progress=False)
    dev = tr.device
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
    n, b = len(tr.train_x), cfg.batch_size
    idxs = [torch.arange(i * b, (i + 1) * b) % n for i in range(warmup + steps)]
    t0 = time.perf_counter()
    for idx in idxs[:warmup]: loss = tr.train_step(tr._batch(idx), idx)
    sync(dev)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for idx in idxs[warmup:]: loss = tr.train_step(tr._batch(idx), idx)
    sync(dev)
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated(dev) / 2 ** 30 if dev.type == 'cuda' else float('nan')
    return dict(images_per_second=steps * b / dt, warmup_seconds=warm, peak_gib=peak, loss=float(loss))


def section(results, name, fn):
    t0 = time.time()
    print(f'== {name}', flush=True)
    try: results[name] = dict(ok=True, **fn())
    except Exception as e:
        results[name] = dict(ok=False, error=f'{type(e).__name__}: {e}', traceback=traceback.format_exc()[-3000:])
        print(results[name]['traceback'], file=sys.stderr, flush=True)
    results[name]['seconds'] = time.time() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='gpu-check')
    p.add_argument('--dry-run', action='store_true', help='tiny sizes on CPU, no compile: checks that the script runs')
    p.add_argument('--run-seconds', type=float, default=240, help='length of the time-boxed CIFAR-10 run')
    p.add_argument('--budget-seconds', type=float, default=480,
                   help='the whole check: throughput rows past 45%% of it are skipped, and the time-boxed run is shortened')
    p.add_argument('--steps', type=int, default=20, help='timed steps per throughput row')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    shared = Path(__file__).resolve().parents[2] / 'shared' / 'data'
    if 'VIEWEXPLORE_DATA' not in os.environ and shared.is_dir(): os.environ['VIEWEXPLORE_DATA'] = str(shared)
    from viewexplore.config import PretrainConfig
    cuda = torch.cuda.is_available() and not a.dry_run
    device = 'cuda' if cuda else 'cpu'
    if a.dry_run:
        size = dict(encoder='small', batch_size=16, viewmaker_width=4, num_res_blocks=1, queue_size=64, head_hidden=16,
                    bn_splits=4, num_negatives=32)
        a.steps, a.run_seconds, n = 2, min(a.run_seconds, 20), 64
    else:
        size = dict(encoder='resnet18', batch_size=256, viewmaker_width=32, num_res_blocks=3)
        n = 256 * (a.steps + 4)
    data = synthetic(n, seed=a.seed)
    env = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), torch=torch.__version__,
               cuda=torch.version.cuda, device=torch.cuda.get_device_name() if cuda else f'CPU ({platform.machine()})',
               python=platform.python_version(), command=' '.join(['python', 'benchmarks/gpu_check.py'] + sys.argv[1:]),
               dry_run=a.dry_run, seed=a.seed)
    print(json.dumps(env), flush=True)
    results = dict(environment=env)

    def smoke():
        rows = {}
        for name, kw in METHODS.items():
            try:
                kw = dict(size, **kw, device=device, seed=a.seed, precision='auto')
                if not a.dry_run: kw['batch_size'] = 64
                r = measure(PretrainConfig(**kw), data, steps=2, warmup=1)
                rows[name] = dict(ok=bool(torch.isfinite(torch.tensor(r['loss']))), loss=r['loss'])
            except Exception as e: rows[name] = dict(ok=False, error=f'{type(e).__name__}: {str(e)[:300]}')
            print(f"  {name}: {rows[name]}", flush=True)
        return dict(rows=rows)
    section(results, 'smoke run of every method', smoke)

    def torchrun():
        run = out / 'torchrun-run'
        args = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '1', '-m', 'viewexplore',
                'pretrain', '--data', 'fashion-mnist-mini', '--epochs', '1', '--train-subset', '1024' if cuda else '128',
                '--test-subset', '256' if cuda else '64', '--probe-epochs', '1', '--no-progress', '--out', str(run),
                '--device', device, '--batch-size', '128' if cuda else '32', '--viewmaker-width', '8']
        if run.exists(): import shutil; shutil.rmtree(run)
        r = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if r.returncode: raise RuntimeError(r.stderr[-2000:])
        m = json.loads((run / 'metrics.json').read_text())
        return dict(backend='nccl' if cuda else 'gloo', processes=m['environment']['processes'],
                    knn_accuracy=m['knn_accuracy'], images_per_second=m['history'][-1]['images_per_second'])
    section(results, 'torchrun, 1 process', torchrun)

    def throughput():
        rows = []
        for name, kw in THROUGHPUT:
            for speed, skw in SPEED:
                if a.dry_run and skw['compile']: continue  # compiling takes minutes on a CPU; tests/test_gpu_path.py covers it
                if time.time() - start > 0.45 * a.budget_seconds:
                    rows.append(dict(views=name, settings=speed, error='skipped: past 45% of --budget-seconds'))
                    continue
                cfg = PretrainConfig(**dict(size, **kw, **skw, device=device, seed=a.seed))
                try: r = measure(cfg, data, steps=a.steps, warmup=3 if skw['compile'] else 2)
                except Exception as e: r = dict(error=f'{type(e).__name__}: {str(e)[:300]}')
                rows.append(dict(views=name, settings=speed, **r))
                print(f'  {name} / {speed}: {r}', flush=True)
        return dict(rows=rows)
    section(results, 'throughput', throughput)

    def scoreboard():
        import importlib.util
        spec = importlib.util.spec_from_file_location('scoreboard', Path(__file__).with_name('scoreboard.py'))
        sb = importlib.util.module_from_spec(spec); sys.modules['scoreboard'] = sb; spec.loader.exec_module(sb)
        shapes = dict(cifar10=(3, 32), fsdd=(1, 64), hapt=(6, 32))
        fast = dict(precision='bf16', channels_last=True) if cuda else dict(precision='fp32')
        done, rows = {}, {}
        for row in sb.ROWS:
            opts = dict(sb.FLOP_SETTINGS[row.id])
            key = json.dumps(opts, sort_keys=True)
            if key not in done:
                channels, side = shapes[opts.pop('data')]
                if a.dry_run: opts.update(size, batch_size=16)
                steps = a.steps if not a.dry_run else 2
                d = synthetic(opts['batch_size'] * (steps + 3), size=side, channels=channels, seed=a.seed)
                try: r = measure(PretrainConfig(**opts, **fast, device=device, seed=a.seed), d, steps=steps, warmup=2)
                except Exception as e: r = dict(error=f'{type(e).__name__}: {str(e)[:300]}')
                done[key] = r
            r = done[key]
            if 'error' in r: rows[row.id] = dict(error=r['error']); continue
            per_step = sb.FLOP_SETTINGS[row.id]['batch_size'] / r['images_per_second']
            rows[row.id] = dict(seconds_per_step=per_step, steps=row.gpu_steps, hours=per_step * row.gpu_steps / 3600)
            print(f"  {row.id}: {per_step:.3f} s per step, {rows[row.id]['hours']:.1f} h for {row.gpu_steps} steps",
                  flush=True)
        out_rows = dict(rows=rows, device=env['device'], settings=fast, date=env['date'], dry_run=a.dry_run)
        (out / 'scoreboard_gpu.json').write_text(json.dumps(out_rows, indent=1))
        return out_rows
    section(results, 'scoreboard rows at the papers\' lengths', scoreboard)

    def timeboxed():
        from viewexplore.data import load_dataset
        from viewexplore.evaluate import knn_monitor
        from viewexplore.train import Pretrainer
        if a.dry_run: d = synthetic(256, seed=a.seed)
        else: d = load_dataset('cifar10')
        best = dict(precision='bf16', channels_last=True, compile=True) if cuda else dict(precision='fp32')
        cfg = PretrainConfig(**dict(size, views='viewmaker', device=device, seed=a.seed, epochs=200, **best))
        tr = Pretrainer(cfg, data=d, progress=False)
        tr.callbacks.append(knn_monitor)
        seconds = min(a.run_seconds, a.budget_seconds - (time.time() - start) - 30)
        if seconds < 30 and not a.dry_run: raise TimeoutError(f'only {seconds:.0f} s of --budget-seconds left')
        t0 = time.time()
        while time.time() - t0 < seconds and tr.epoch < cfg.epochs:
            tr.fit(epochs=tr.epoch + 1)
            h = tr.history[-1]
            print(f"  epoch {h['epoch']}: loss {h['loss']:.4f}, kNN {h['knn_accuracy']:.2f}%, {h['seconds']:.1f} s", flush=True)
        steady = [h['seconds'] for h in tr.history[1:]] or [tr.history[0]['seconds']]
        per_epoch = sum(steady) / len(steady)
        return dict(data=d.name, epochs=tr.epoch, history=tr.history, seconds_per_epoch=per_epoch,
                    projected_minutes_for_200_epochs=per_epoch * 200 / 60, settings=best)
    section(results, 'time-boxed CIFAR-10 viewmaker run', timeboxed)

    (out / 'results.json').write_text(json.dumps(results, indent=2, default=str))
    (out / 'results.md').write_text(markdown(results))
    print((out / 'results.md').read_text())
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get('ok') is False]
    return 1 if failed else 0


def markdown(r):
    e = r['environment']
    lines = [f"### GPU check ({e['date'][:10]}): {e['device']}", '', '```', e['command'], '```', '',
             f"torch {e['torch']}, CUDA {e['cuda']}, Python {e['python']}, seed {e['seed']}" +
             (' (dry run: tiny sizes on CPU)' if e['dry_run'] else ''), '']
    for name, s in r.items():
        if name == 'environment': continue
        lines.append(f"**{name}** ({s['seconds']:.0f} s): " + ('ok' if s['ok'] else f"FAILED: {s['error']}"))
        if name.startswith('smoke') and s['ok']:
            lines += ['', '| method | finite loss |', '|---|---|']
            lines += [f"| {k} | {'yes' if v['ok'] else 'NO: ' + v.get('error', 'non-finite')} |" for k, v in s['rows'].items()]
        if name.startswith('torchrun') and s['ok']:
            lines.append(f" backend {s['backend']}, {s['processes']} process, kNN {s['knn_accuracy']:.2f}%, "
                         f"{s['images_per_second']:.0f} images/s")
        if name == 'throughput' and s['ok']:
            lines += ['', '| views | settings | images/s | warm-up (s) | peak memory (GiB) |', '|---|---|---|---|---|']
            for row in s['rows']:
                if 'error' in row: lines.append(f"| {row['views']} | {row['settings']} | failed: {row['error']} | | |")
                else: lines.append(f"| {row['views']} | {row['settings']} | {row['images_per_second']:.0f} | "
                                   f"{row['warmup_seconds']:.1f} | {row['peak_gib']:.2f} |")
        if name.startswith('scoreboard') and s['ok']:
            lines += ['', '| row | seconds per step | steps | hours |', '|---|---|---|---|']
            lines += [f"| {k} | {v['seconds_per_step']:.3f} | {v['steps']:,} | {v['hours']:.1f} |" if 'hours' in v
                      else f"| {k} | failed: {v['error']} | | |" for k, v in s['rows'].items()]
        if name.startswith('time-boxed') and s['ok']:
            lines += ['', f"{s['data']}, {s['epochs']} epochs with {s['settings']}: {s['seconds_per_epoch']:.1f} s per "
                      f"epoch, so the paper's 200 epochs would take {s['projected_minutes_for_200_epochs']:.1f} minutes.",
                      '', '| epoch | loss | kNN (%) | seconds |', '|---|---|---|---|']
            lines += [f"| {h['epoch']} | {h['loss']:.4f} | {h.get('knn_accuracy', float('nan')):.2f} | {h['seconds']:.1f} |"
                      for h in s['history']]
        lines.append('')
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main())
