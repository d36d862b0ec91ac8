"""What the evaluation scripts in `benchmarks/` share: rebuilding a run's trainer and caching a result beside it."""
import json, sys
from pathlib import Path


def load_run(run:Path):
    "The trainer of a run directory: from its checkpoint, or (a 0-epoch `random` run) rebuilt untrained from config.json."
    from viewexplore.widgets import load_trainer
    from viewexplore.train import Pretrainer, PretrainConfig
    if (run / 'checkpoint.pt').exists(): return load_trainer(run)
    if (run / 'config.json').exists():
        return Pretrainer(PretrainConfig.from_dict(json.loads((run / 'config.json').read_text())), progress=False)
    sys.exit(f'{run}: no checkpoint.pt or config.json; train it with `viewexplore pretrain --out {run}` first')


def cached(run:Path, name:str, settings:dict, compute, force:bool=False)->dict:
    "`compute(run)` with `settings` recorded, written atomically to run/name; reused while the settings match, unless `force`."
    cache = run / name
    old = json.loads(cache.read_text()) if cache.exists() else None
    if old is not None and old.get('settings') == settings and not force:
        print(f'{run}: reusing {cache}', file=sys.stderr); return old
    print(f'{run}: computing {name} ({settings})', file=sys.stderr)
    res = compute(run) | dict(settings=settings)
    tmp = cache.with_suffix('.json.tmp'); tmp.write_text(json.dumps(res, indent=1)); tmp.replace(cache)
    return res
