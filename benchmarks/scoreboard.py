"""The reproduction scoreboard: the two papers' results, what this package measures at a scale two CPU cores can run,
with seeds, 95% intervals and a status computed from them.

A *row* is one result of a paper (e.g. "learned views beat Gaussian noise of the same budget"). It is measured on an
*experiment*: a few `viewexplore pretrain` runs with identical settings but for what the result compares, each run
repeated for every seed, plus the evaluations the row reads (kNN and the linear probe always; rotation and hue
probes, corruptions, labels from one subject, head contributions where asked). Every (experiment, run, seed) writes
one result file, atomically, with its command, seed, hardware, date and timings:

    benchmarks/results/<experiment>/<run>/seed<k>.json        (committed: the scoreboard is built from these)
    benchmarks/runs/scoreboard/<experiment>/<run>/seed<k>/    (checkpoints, ignored by git: what a resumed run needs)

A row's effect is computed per seed (paired: the same seed on both sides) and summarised by its mean and a 95%
Student-t interval over seeds. Status: *reproduced* when the interval lies on the paper's side of zero, *in direction
only* when the mean does but the interval reaches zero (or there is one seed), *not reproduced* when the mean does
not, *not run* when no result file exists.

    python benchmarks/scoreboard.py run                   # every CPU row, 3 seeds; resumable, finished runs skipped
    python benchmarks/scoreboard.py run --rows vm-noise   # some rows (any order)
    python benchmarks/scoreboard.py run --game            # also the cheaper games and unclamped views (no row's)
    python benchmarks/scoreboard.py run --search          # the settings tried while choosing each row's setting
    python benchmarks/scoreboard.py status                # what is done, what is left
    python benchmarks/scoreboard.py table                 # write the tables (docs page, README, tutorials)
    python benchmarks/scoreboard.py check                 # exit 1 if a written table differs from the result files

`make reproduce` runs `run --jobs 2` then `table`; `make reproduce-game` adds `--game`. A session that stops mid-run
loses at most `--checkpoint-minutes` of work: the next `run` resumes every unfinished run from its checkpoint.
"""
from __future__ import annotations
import argparse, json, math, os, platform, re, shlex, signal, subprocess, sys, time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'benchmarks' / 'results'
WORK = ROOT / 'benchmarks' / 'runs' / 'scoreboard'
SEEDS = (0, 1, 2)


# ---------------------------------------------------------------------------------------------------------------------
# Experiments: runs that share every setting but the one a row compares
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Experiment:
    name: str
    what: str                      # one line: data, encoder, length, batch
    args: dict                     # `viewexplore pretrain` options shared by the runs
    runs: dict                     # run name -> its own options
    evals: tuple = ()              # extra evaluations: rotation_hue, corruption, one_subject, head_shares
    seeds: tuple = SEEDS
    needs_data: bool = False       # reads $VIEWEXPLORE_DATA (CIFAR-10, FSDD, HAPT)
    search: bool = False           # a setting tried while choosing a row's setting (`run --search`)
    for_row: str = ''              # the row a search experiment was tried for
    knn_every_epoch: bool = False  # the kNN monitor after every epoch (a history to plot; it costs evaluation time)
    eval_epochs: int|None = None   # epochs of the extra evaluations' probes (None: 20 for rotation/hue, 100 for
                                   # one subject's labels, the run's probe_epochs for corruptions); tests shorten them

    def command(self, run:str, seed:int, out:Path)->list[str]:
        opts = {**self.args, **self.runs[run], 'seed': seed}
        args = ['pretrain']
        for k, v in opts.items(): args += ['--' + k.replace('_', '-'), str(v).lower() if isinstance(v, bool) else str(v)]
        out = out.relative_to(ROOT) if out.is_absolute() and out.is_relative_to(ROOT) else out   # as run from the root
        return args + ['--checkpoint-minutes', '2', '--knn-every-epoch', str(self.knn_every_epoch).lower(),
                       '--no-progress', '--out', str(out)]


def _x(name, what, args, runs, **kw): return Experiment(name, what, args, runs, **kw)

FMNIST = dict(data='fashion-mnist-mini', encoder='small', batch_size=64, probe_epochs=10)
CIFAR = dict(data='cifar10', encoder='small', batch_size=128, train_subset=5000, probe_epochs=10)
HAPT = dict(data='hapt', encoder='small', batch_size=128, probe_epochs=30)
LOOC = dict(data='cifar10', encoder='small', batch_size=128, train_subset=10000, probe_epochs=10, queue_size=4096,
            head_hidden=512)
VM_SMALL = dict(viewmaker_width=8, num_res_blocks=2)   # the live game's viewmaker: a quarter of the paper's FLOPs

EXPERIMENTS = {e.name: e for e in [
    _x('fmnist-views', 'Fashion-MNIST (embedded 5,000 / 1,000), small CNN, batch 64, 10 epochs (780 steps), '
                       'viewmaker width 16, budget 0.1',
       dict(FMNIST, epochs=10, distortion_budget=0.1, viewmaker_width=16),
       {'viewmaker': dict(views='viewmaker'), 'noise': dict(views='noise'), 'expert': dict(views='expert')},
       evals=('placement',), knn_every_epoch=True),
    # the main row's setting with a cheaper game (benchmarks/cheaper_game.py), and unclamped (nbs/10_viewmaker: the
    # authors' CIFAR-10 runs did not clamp image views); compared with fmnist-views' viewmaker run, seed by seed
    _x('fmnist-game', 'the setting of fmnist-views, with the viewmaker\'s turn every 2nd or 4th step, in one pass, or '
                      'unclamped',
       dict(FMNIST, epochs=10, distortion_budget=0.1, viewmaker_width=16),
       {'viewmaker-every2': dict(views='viewmaker', viewmaker_every=2),
        'viewmaker-every4': dict(views='viewmaker', viewmaker_every=4),
        'viewmaker-onepass': dict(views='viewmaker', mode='simultaneous'),
        'viewmaker-noclamp': dict(views='viewmaker', clamp_views=False)}, evals=('placement',), knn_every_epoch=True),
    _x('cifar-corners', 'CIFAR-10-Corners mosaics of a 5,000-image subset, small CNN, batch 128, 6 epochs (234 steps), '
                        'viewmaker width 8 with 2 blocks, budget 0.05; probes on clean CIFAR-10',
       dict(CIFAR, data='cifar10-corners', epochs=6, distortion_budget=0.05, **VM_SMALL),
       {'viewmaker': dict(views='viewmaker'), 'expert': dict(views='expert')}, needs_data=True, knn_every_epoch=True),
    _x('cifar-cropflip', 'CIFAR-10, 5,000-image subset, small CNN, batch 128, 6 epochs (234 steps), viewmaker width 8 '
                         'with 2 blocks, budget 0.05',
       dict(CIFAR, epochs=6, distortion_budget=0.05, **VM_SMALL),
       {'cropflip': dict(views='cropflip'), 'cropflip+viewmaker': dict(views='cropflip+viewmaker')}, needs_data=True,
       knn_every_epoch=True),
    _x('cifar-robustness', 'CIFAR-10, 5,000-image subset, small CNN, batch 128, 6 epochs (234 steps), viewmaker width 8 '
                           'with 2 blocks, budget 0.01 after expert views; 13 corruptions x 5 severities on 1,000 '
                           'test images',
       dict(CIFAR, epochs=6, distortion_budget=0.01, **VM_SMALL),
       {'expert': dict(views='expert'), 'combined': dict(views='combined')}, evals=('corruption',), needs_data=True),
    _x('fsdd-views', 'FSDD (2,700 / 300 recordings, 64x64 log-mel), small CNN, batch 64, 6 epochs (252 steps), '
                     'viewmaker width 8 with 2 blocks, budget 0.1',
       dict(data='fsdd', encoder='small', batch_size=64, epochs=6, probe_epochs=30, distortion_budget=0.1, **VM_SMALL),
       {'viewmaker': dict(views='viewmaker'), 'masking': dict(views='expert')}, needs_data=True),
    _x('hapt-views', 'UCI HAPT (3,363 / 1,342 windows, 6x32x32 spectrograms), small CNN, batch 128, 6 epochs (162 '
                     'steps), viewmaker width 16; budgets 0.02, 0.1, 2.0; labels from subject 1 only',
       dict(HAPT, epochs=6, viewmaker_width=16),
       {'viewmaker-0.02': dict(views='viewmaker', distortion_budget=0.02),
        'viewmaker-0.1': dict(views='viewmaker', distortion_budget=0.1),
        'viewmaker-2.0': dict(views='viewmaker', distortion_budget=2.0),
        'masking': dict(views='expert')},
       evals=('one_subject',), needs_data=True),
    _x('looc-rotation', 'CIFAR-10, 10,000-image subset, small CNN, batch 128, 5 epochs (390 steps), MoCo v2 (queue '
                        '4,096, MLP heads 512-128), split BatchNorm 8; rotation and hue probes on 5,000 / 2,000 images',
       dict(LOOC, epochs=5),
       {'moco': dict(method='moco', base_augment='crop,flip,blur,color', augment=''),
        'moco+rotation': dict(method='moco', base_augment='crop,flip,blur,color', augment='rotation'),
        'looc+rotation': dict(method='looc', base_augment='crop,flip,blur,color', augment='rotation'),
        'looc+color': dict(method='looc', base_augment='crop,flip,blur', augment='color')},
       evals=('rotation_hue',), needs_data=True),
    _x('looc-heads', 'CIFAR-10, 10,000-image subset, small CNN, batch 128, 5 epochs (390 steps), colour and rotation '
                     'spaces; LooC reads the shared backbone, LooC++ concatenates the heads (each with its own last '
                     'block)',
       dict(LOOC, epochs=5, base_augment='crop,flip,blur', augment='color,rotation'),
       {'looc': dict(method='looc'), 'looc++': dict(method='looc++')}, evals=('head_shares',), needs_data=True),
]}


# ---------------------------------------------------------------------------------------------------------------------
# Rows: the papers' results
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    id: str
    source: str                    # paper and table
    result: str                    # the paper's claim, one line
    paper: str                     # the paper's number(s)
    experiment: str
    effect: str                    # what is measured, e.g. "kNN: viewmaker - noise"
    a: tuple                       # (run, metric): the side the paper says is higher
    b: tuple|None = None           # (run, metric) it is compared with; None: `a` against `margin`
    margin: float = 0.             # the claim is a - b > margin
    why: dict = field(default_factory=dict)   # status -> one line of why
    tutorial: str = ''             # the tutorial that tells the story
    gpu: str = ''                  # the paper-length command (a GPU run)
    gpu_steps: int = 0             # its optimiser steps, for the time estimate
    tried_before: tuple = ()       # headings in benchmarks/RESULTS.md: the single-seed settings tried before this one


VM_GPU = ('viewexplore pretrain --data cifar10 --encoder resnet18 --batch-size 256 --epochs 200 '
          '--distortion-budget 0.05 --viewmaker-width 32 --probe-epochs 100')
CIFAR_STEPS = 200 * (50000 // 256)
LOOC_GPU = ('viewexplore pretrain --data cifar10 --encoder resnet18 --batch-size 256 --epochs 200 --queue-size 16384 '
            '--head-hidden 2048')

ROWS = [
    Row('vm-noise', 'Viewmaker, Table 1', 'Learned views beat Gaussian noise of the same budget',
        'SimCLR on CIFAR-10: 84.5 vs 52.0', 'fmnist-views', 'kNN: viewmaker - noise',
        ('viewmaker', 'knn'), ('noise', 'knn'),
        why={'reproduced': 'noise views are matched trivially and erode the features; the viewmaker keeps the task hard',
             'in direction only': 'the gap opens with training length; at this length it is within the seeds\' spread',
             'not reproduced': 'at this length the viewmaker has not yet turned adversarial'},
        tutorial='viewmaker_vs_noise', gpu=f'{VM_GPU} --views viewmaker  # and --views noise', gpu_steps=CIFAR_STEPS),
    Row('vm-expert', 'Viewmaker, Table 1', 'Learned views come within ~2 points of expert views',
        'SimCLR on CIFAR-10: 84.5 vs 86.2 (-1.7)', 'fmnist-views', 'kNN: viewmaker - expert, > -2 points',
        ('viewmaker', 'knn'), ('expert', 'knn'), margin=-2.,
        why={'reproduced': 'learned views are as good as the hand-made recipe at this scale',
             'in direction only': 'close to the expert views, but the interval reaches beyond 2 points',
             'not reproduced': 'expert views\' crops and colour teach more than a short game does'},
        tutorial='viewmaker_vs_noise', gpu=f'{VM_GPU} --views viewmaker  # and --views expert', gpu_steps=CIFAR_STEPS),
    Row('corners', 'Viewmaker, 4.1.2', 'On CIFAR-10-Corners, learned views beat expert views',
        '68.8 vs 63.3', 'cifar-corners', 'linear probe: viewmaker - expert',
        ('viewmaker', 'linear'), ('expert', 'linear'),
        why={'reproduced': 'crops of mosaics pair different photographs; the viewmaker keeps each mosaic whole',
             'in direction only': 'the mosaics hurt expert views more, but not yet below the viewmaker',
             'not reproduced': 'at 234 steps the viewmaker is far behind expert views even on mosaics'},
        tutorial='corners', gpu=f'{VM_GPU.replace("cifar10", "cifar10-corners")} --views viewmaker  # and expert',
        gpu_steps=CIFAR_STEPS),
    Row('cropflip-vm', 'Viewmaker, 4.2', 'A viewmaker on top of crop and flip adds accuracy',
        '73.2 -> 83.1', 'cifar-cropflip', 'linear probe: crop+flip+viewmaker - crop+flip',
        ('cropflip+viewmaker', 'linear'), ('cropflip', 'linear'),
        why={'reproduced': 'the viewmaker adds the colour-like changes crop and flip lack',
             'in direction only': 'a gain within the seeds\' spread',
             'not reproduced': 'no gain at this length'},
        tutorial='combined_views', gpu=f'{VM_GPU} --views cropflip+viewmaker  # and --views cropflip',
        gpu_steps=CIFAR_STEPS),
    Row('robustness', 'Viewmaker, 4.2 (CIFAR-10-C)', 'Expert views followed by a viewmaker are more robust to '
        'corruptions', 'mean corrupted accuracy 79.8 vs 77.1', 'cifar-robustness',
        'mean corrupted accuracy: combined - expert', ('combined', 'corrupted'), ('expert', 'corrupted'),
        why={'reproduced': 'the viewmaker\'s perturbations resemble the corruptions',
             'in direction only': 'a gain within the seeds\' spread',
             'not reproduced': 'at budget 0.01 and 234 steps the viewmaker barely changes expert views'},
        tutorial='corruption_robustness',
        gpu=f'{VM_GPU.replace("0.05", "0.01")} --views combined  # and --views expert', gpu_steps=CIFAR_STEPS),
    Row('speech', 'Viewmaker, Table 2', 'On speech, learned views beat hand-made (spectral masking) views',
        'AudioMNIST 93.3 vs 63.9 (about 9 points on average)', 'fsdd-views',
        'linear probe: viewmaker - spectral masking', ('viewmaker', 'linear'), ('masking', 'linear'),
        why={'reproduced': 'the learned views beat SpecAugment on spoken digits',
             'in direction only': 'within the spread of 300 test recordings',
             'not reproduced': 'SpecAugment\'s masks stay the better views on FSDD at this length'},
        tutorial='speech_sensors', gpu='viewexplore pretrain --data fsdd --encoder resnet18 --batch-size 128 --epochs '
        '200 --distortion-budget 0.05 --viewmaker-width 32 --views viewmaker  # and --views expert',
        gpu_steps=200 * (2700 // 128)),
    Row('sensors', 'Viewmaker, Table 4', 'On wearable sensors, learned views beat spectral masking',
        'PAMAP2: 87.4 (eps 0.05), 91.3 (eps 0.5) vs 74.6', 'hapt-views',
        'linear probe: viewmaker (eps 0.1) - spectral masking', ('viewmaker-0.1', 'linear'), ('masking', 'linear'),
        why={'reproduced': 'the learned views beat masking on HAPT',
             'in direction only': 'within the seeds\' spread',
             'not reproduced': 'masking keeps the task hard; 162 steps are too few for the viewmaker\'s game'},
        tutorial='speech_sensors', gpu='viewexplore pretrain --data hapt --encoder resnet18 --batch-size 128 --epochs '
        '200 --distortion-budget 0.5 --viewmaker-width 32 --views viewmaker  # and --views expert',
        gpu_steps=200 * (3363 // 128)),
    Row('budget', 'Viewmaker, Table 4 (sweep)', 'A moderate budget beats both a tiny and a huge one',
        'PAMAP2: 83.0 (0.02), 91.3 (0.5), 9.1 (2.0)', 'hapt-views',
        'kNN: eps 0.1 - max(eps 0.02, eps 2.0)', ('viewmaker-0.1', 'knn'), None,
        why={'reproduced': 'too small a budget is matched like noise; too large a one erases the activity',
             'in direction only': 'the middle budget leads, within the seeds\' spread',
             'not reproduced': 'the accuracy is not single-peaked in the budget at this length'},
        tutorial='budget_sweep', gpu='for b in 0.02 0.05 0.2 0.5 2.0; do viewexplore pretrain --data hapt --encoder '
        'resnet18 --epochs 200 --distortion-budget $b --views viewmaker; done', gpu_steps=5 * 200 * (3363 // 128)),
    Row('one-subject', 'Viewmaker, sensors (few labels)', 'With one participant\'s labels, pretraining + a linear '
        'probe beats supervised training', 'PAMAP2: 75.1 vs 58.3', 'hapt-views',
        'one subject\'s labels: viewmaker (eps 0.1) + probe - supervised', ('viewmaker-0.1', 'one_subject'),
        ('viewmaker-0.1', 'supervised'),
        why={'reproduced': 'the pretrained features need fewer labels than training from scratch',
             'in direction only': 'ahead of supervised training, within the seeds\' spread',
             'not reproduced': 'a 162-step encoder is no better than training from scratch on 156 windows'},
        tutorial='speech_sensors', gpu='(after the sensors row) python benchmarks/one_subject.py --checkpoint RUN',
        gpu_steps=200 * (3363 // 128)),
    Row('looc-rotation', 'LooC, Table 1', 'LooC with a rotation space keeps the rotation information MoCo+rotation '
        'erases', 'rotation probe 65.2 vs 43.3 (ImageNet-100)', 'looc-rotation',
        'rotation probe: LooC+rotation - MoCo+rotation', ('looc+rotation', 'rotation'), ('moco+rotation', 'rotation'),
        why={'reproduced': 'the rotation space keeps what the invariant space discards',
             'in direction only': 'at 390 steps MoCo has not yet become very rotation-invariant',
             'not reproduced': 'no difference in rotation information at this length'},
        tutorial='looc_rotation', gpu=f'{LOOC_GPU} --method looc --augment rotation  # and --method moco',
        gpu_steps=CIFAR_STEPS),
    Row('looc-class', 'LooC, Table 1', 'Adding rotation to MoCo costs class accuracy; LooC keeps it',
        'class 80.2 (LooC+rotation) vs 79.4 (MoCo+rotation)', 'looc-rotation',
        'class linear probe: LooC+rotation - MoCo+rotation', ('looc+rotation', 'linear'), ('moco+rotation', 'linear'),
        why={'reproduced': 'rotated views hurt MoCo; the leave-one-out space absorbs them',
             'in direction only': 'a small gain within the seeds\' spread (the paper\'s is 0.8 points)',
             'not reproduced': 'no class-accuracy gain at this length'},
        tutorial='looc_rotation', gpu=f'{LOOC_GPU} --method looc --augment rotation  # and --method moco',
        gpu_steps=CIFAR_STEPS),
    Row('looc-color', 'LooC, Tables 2-3 (colour)', 'LooC with a colour space keeps colour information colour '
        'jitter erases', 'fine-grained flowers/birds gains; here a hue probe', 'looc-rotation',
        'hue probe: LooC+colour - MoCo', ('looc+color', 'hue'), ('moco', 'hue'),
        why={'reproduced': 'the colour space keeps the hue that jitter teaches the invariant space to ignore',
             'in direction only': 'more hue information, within the seeds\' spread',
             'not reproduced': 'no difference in hue information at this length'},
        tutorial='looc_rotation', gpu=f'{LOOC_GPU} --method looc --augment color  # and --method moco',
        gpu_steps=CIFAR_STEPS),
    Row('looc++', 'LooC, Table 5', 'Concatenating the heads (LooC++) beats the shared backbone (LooC)',
        '+1.2 to +3.6 points', 'looc-heads', 'class linear probe: LooC++ - LooC',
        ('looc++', 'linear'), ('looc', 'linear'),
        why={'reproduced': 'each head keeps what its augmentation would erase; together they hold more',
             'in direction only': 'a gain within the seeds\' spread',
             'not reproduced': 'with a 4-layer CNN, copies of the last block do not add information at 390 steps'},
        tutorial='looc_heads', gpu=f'{LOOC_GPU} --method looc++ --augment color,rotation  # and --method looc',
        gpu_steps=CIFAR_STEPS),
    Row('head-shares', 'LooC, Figure 4', 'A classifier on LooC++ relies on more than one head (entropy of the mean '
        'share > 1 bit)', 'about 1 bit (ImageNet-100), about 2 bits (iNaturalist)', 'looc-heads',
        'entropy of the mean head share (bits)', ('looc++', 'head_entropy'), None, margin=1.,
        why={'reproduced': 'every space carries part of what the classifier uses',
             'in direction only': 'above 1 bit on average, within the seeds\' spread',
             'not reproduced': 'the classifier leans on one head'},
        tutorial='looc_heads', gpu=f'{LOOC_GPU} --method looc++ --augment color,rotation', gpu_steps=CIFAR_STEPS),
]
ROW = {r.id: r for r in ROWS}

# The earlier single-seed explorations (benchmarks/RESULTS.md, by heading) that chose each row's setting: what was
# tried at which length, data and budget, and what it showed. tests/test_scoreboard.py checks that the headings exist.
_VIEWS = ("Pilot: embedded Fashion-MNIST subset, 4 epochs (2026-11-22)",
          "Longer: embedded Fashion-MNIST subset, 16 epochs (2026-11-22)",
          "A hundred epochs: embedded Fashion-MNIST subset, 3,900 steps (2026-11-22)",
          "The paper's viewmaker width does not start the game sooner either (2026-11-22, pretraining only)",
          "A ten times faster viewmaker does not start the game sooner (2026-11-22)",
          "CIFAR-10, 10,000-image training subset, 4 epochs (2026-11-22)",
          "Full Fashion-MNIST, 20,000-image training subset, 8 epochs (2026-11-22)", "A cheaper game (2026-12-06)")
_HAPT = ("Wearable sensors: views on UCI HAPT (viewmaker paper, Table 4 setting, different data) (2026-11-22)",
         "First point of the budget sweep: eps 0.5 (2026-11-22)", "The full budget sweep (2026-11-22)")
_LOOC = ("Pilot: 5 epochs (2026-11-22)", "20 epochs (2026-11-22)",
         "A learned viewmaker as a LooC augmentation (in neither paper), 5 epochs (2026-11-22)")
_HEADS = ("Two heads at once: LooC and LooC++ with colour and rotation spaces, 20 epochs (LooC Table 5 and Figure 4) "
          "(2026-11-22)",)
for _r in ROWS:
    _r.tried_before = {
        'vm-noise': _VIEWS, 'vm-expert': _VIEWS,
        'corners': ("CIFAR-10-Corners, 10,000 mosaics, 4 epochs (section 4.1.2) (2026-11-22)",),
        'cropflip-vm': ("CIFAR-10, 10,000 images, 4 epochs: crop+flip with and without a viewmaker (section 4.2) "
                        "(2026-11-22)",),
        'robustness': ("Robustness to corruptions: expert, learned, combined and noise views (section 4.2, CIFAR-10-C) "
                       "(2026-11-22)",),
        'speech': ("Speech: views on the Free Spoken Digit Dataset (viewmaker paper, Table 2 setting, different data) "
                   "(2026-11-22)",),
        'sensors': _HAPT, 'budget': _HAPT[1:],
        'one-subject': ("Labels from one subject only (pilot, 2026-11-22)",
                        "Labels from one subject, with the sweep's best encoder and with spectral masking (2026-11-22)"),
        'looc-rotation': _LOOC, 'looc-class': _LOOC, 'looc-color': _LOOC, 'looc++': _HEADS, 'head-shares': _HEADS,
    }.get(_r.id, ())


def results_headings()->set[str]:
    "The section headings of benchmarks/RESULTS.md (without their '#' marks)."
    text = (ROOT / 'benchmarks' / 'RESULTS.md').read_text()
    return {l.lstrip('#').strip() for l in text.splitlines() if l.startswith('#')}


# ---------------------------------------------------------------------------------------------------------------------
# Result files
# ---------------------------------------------------------------------------------------------------------------------
def result_path(exp:str, run:str, seed:int)->Path: return RESULTS / exp / run / f'seed{seed}.json'
def work_dir(exp:str, run:str, seed:int)->Path: return WORK / exp / run / f'seed{seed}'


def read_result(exp:str, run:str, seed:int)->dict|None:
    p = result_path(exp, run, seed)
    return json.loads(p.read_text()) if p.exists() else None


def hardware()->dict:
    import torch
    model = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines()
                  if l.startswith('model name')), platform.processor()) if Path('/proc/cpuinfo').exists() else ''
    return dict(cpu=model, cores=os.cpu_count(), threads=torch.get_num_threads(), torch=torch.__version__,
                python=platform.python_version(), platform=platform.platform(),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None)


def git_commit()->str|None:
    r = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() or None


# ---------------------------------------------------------------------------------------------------------------------
# One run: pretrain (resuming its checkpoint), evaluate, write the result file
# ---------------------------------------------------------------------------------------------------------------------
def _extra_evals(exp:Experiment, out:Path, seed:int)->dict:
    "The evaluations beyond the linear probe and kNN that `exp.evals` asks for."
    if not exp.evals: return {}
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    from viewexplore.train import Pretrainer
    tr = Pretrainer.from_checkpoint(out / 'checkpoint.pt', progress=False, device='cpu')
    res = {}
    if 'placement' in exp.evals and tr.viewmaker is not None:   # how a viewmaker spends its budget on test images
        import torch
        from viewexplore.data import to_float
        from viewexplore.widgets.live import perturbation_placement
        x = to_float(tr.data.test_x[:500])
        vm = tr.viewmaker.eval()
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(seed)
            noise = vm.sample_noise(x)
            delta, views = vm.delta(x, noise=noise), vm(x, noise=noise)
        place = perturbation_placement(x, delta)
        res.update(realised_mean_abs_delta=float((views - x).abs().mean()), object_share=place['object_share'],
                   object_area=place['object_area'], clamped_fraction=float((views != x + delta).float().mean()))
    if 'rotation_hue' in exp.evals:
        from viewexplore.evaluations import rotation_probe, hue_probe
        aux = tr.data.subset(min(5000, len(tr.data.train_x)), min(2000, len(tr.data.test_x)), seed=seed)
        acc = lambda r: r['test_accuracy'] if isinstance(r, dict) else float(r)
        res['rotation'] = acc(rotation_probe(tr.encoder, aux, epochs=exp.eval_epochs or 20, seed=seed, progress=False))
        res['hue'] = acc(hue_probe(tr.encoder, aux, epochs=exp.eval_epochs or 20, seed=seed, progress=False))
    if 'corruption' in exp.evals:
        from viewexplore.evaluate import linear_probe
        from viewexplore.evaluations import corruption_robustness
        epochs = exp.eval_epochs or tr.config.probe_epochs
        probe = linear_probe(tr.encoder, tr.data, viewmaker=tr.viewmaker, epochs=epochs,
                             seed=seed, progress=False, return_classifier=True)
        test = tr.data.subset(n_test=min(1000, len(tr.data.test_x)), seed=seed)
        rob = corruption_robustness(tr.encoder, probe['classifier'], test, seed=seed)
        res.update(clean=rob['clean'], corrupted=rob['mean'], corruption_by_family=rob['by_family'])
    if 'one_subject' in exp.evals and tr.viewmaker is not None:
        from one_subject import supervised
        from viewexplore.evaluate import linear_probe
        from viewexplore.sensors import one_subject_labels
        ds = tr.data
        one = one_subject_labels(ds, ds.group_names[int(ds.train_groups.min())])
        n = exp.eval_epochs or 100
        res['supervised'] = supervised(one, tr.config.encoder, n, 0.05, 32, seed)['test_accuracy']
        vm = tr.viewmaker if tr.config.probe_views else None
        res['one_subject'] = linear_probe(tr.encoder, one, vm, n, batch_size=32, seed=seed,
                                          progress=False)['test_accuracy']
        res['one_subject_n'] = len(one.train_x)
    if 'head_shares' in exp.evals and getattr(tr.encoder, 'own_last_stage', False):
        from viewexplore.widgets.looc import head_contribution_data
        steps = 300 if exp.eval_epochs is None else exp.eval_epochs
        d = head_contribution_data(tr, epochs=steps, seed=seed, cache=False)['result']
        res['head_entropy'] = d['share_entropy']   # entropy (bits) of the mean share over correct test examples
        res['head_mean_share'] = [float(v) for v in d['mean_share']]
        res['head_example_entropy'] = d['mean_example_entropy']
    return res


def run_one(exp_name:str, run:str, seed:int, jobs:int=1)->dict:
    """Train (or resume) one run, evaluate it and write its result file atomically; returns the result.
    `jobs`: how many runs the queue ran at once, this one included (recorded: its times are shares of the cores)."""
    from viewexplore.cli import main as cli_main
    from viewexplore.storage import atomic_write_text
    exp = EXPERIMENTS[exp_name]
    out = work_dir(exp_name, run, seed)
    cmd = exp.command(run, seed, out)
    t0, load0 = time.time(), os.getloadavg()[0]
    if not (out / 'metrics.json').exists():
        epochs = exp.args.get('epochs', exp.runs[run].get('epochs'))
        argv = (['pretrain', '--resume', '--epochs', str(epochs), '--knn-every-epoch', str(exp.knn_every_epoch).lower(),
                 '--no-progress',
                 '--out', str(out)] if (out / 'checkpoint.pt').exists() else cmd)
        cwd = os.getcwd()
        os.chdir(ROOT)   # the command's paths are relative to the repository's root
        try: rc = cli_main(argv)
        finally: os.chdir(cwd)
        if rc == 130: raise SystemExit(130)   # interrupted: the checkpoint is kept, and the queue stops
        if rc != 0: raise SystemExit(f'{exp_name}/{run}/seed{seed}: viewexplore pretrain exited with {rc}')
    m = json.loads((out / 'metrics.json').read_text())
    t1 = time.time()
    extra = _extra_evals(exp, out, seed)
    res = dict(experiment=exp_name, run=run, seed=seed, command='viewexplore ' + shlex.join(cmd),
               metrics=dict(linear=m.get('linear_accuracy'), knn=m['knn_accuracy'], **extra),
               history=[{k: h.get(k) for k in ('epoch', 'loss', 'knn_accuracy', 'seconds')} for h in m['history']],
               # the epochs' own times add up across resumed sessions (metrics.json's covers the last one only)
               pretrain_seconds=sum(h['seconds'] for h in m['history']),
               evaluation_seconds=m['wall_seconds'] - m['pretrain_seconds'],
               extra_evaluation_seconds=time.time() - t1, hardware=hardware(), jobs=jobs, git_commit=git_commit(),
               date=datetime.now(timezone.utc).isoformat(timespec='seconds'),
               load_average=dict(start=load0, end=os.getloadavg()[0]))
    p = result_path(exp_name, run, seed)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json.dumps(res, indent=1), p)
    return res


def unread()->list[Experiment]:
    "The experiments no row reads, searches aside: fmnist-game (the cheaper games and unclamped views)."
    read = {r.experiment for r in ROWS}
    return [e for e in EXPERIMENTS.values() if not e.search and e.name not in read]


def pending(rows:list[Row], seeds:tuple|None, search:bool, game:bool=False)->list[tuple[str, str, int]]:
    """(experiment, run, seed) without a result file: the runs `rows` read, then (`game`) every run of the
    experiments no row reads, then (`search`) the settings tried before the rows'."""
    wanted = [EXPERIMENTS[r.experiment] for r in rows] + (unread() if game else [])
    wanted += [e for e in EXPERIMENTS.values() if e.search] if search else []
    exps = []
    for e in wanted:
        if e not in exps: exps.append(e)
    todo = []
    for e in exps:
        needed = set(e.runs) if e.search or e in unread() else set(runs_of(e, rows))
        for s in (seeds or e.seeds):
            todo += [(e.name, run, s) for run in e.runs if run in needed and read_result(e.name, run, s) is None]
    return todo


def runs_of(exp:Experiment, rows:list[Row])->list[str]:
    "The runs of `exp` that `rows` read (all of them when a row compares against the whole experiment)."
    used = set()
    for r in rows:
        if r.experiment != exp.name: continue
        if r.id == 'budget': used |= {k for k in exp.runs if k.startswith('viewmaker-')}
        used |= {side[0] for side in (r.a, r.b) if side}
    return [k for k in exp.runs if k in used]


# ---------------------------------------------------------------------------------------------------------------------
# Statistics and status
# ---------------------------------------------------------------------------------------------------------------------
def t_quantile(p:float, df:int)->float:
    "Student-t quantile (via viewexplore's, so the scoreboard and the tutorials use one definition)."
    from viewexplore.evaluations import student_t_quantile
    return student_t_quantile(p, df)


def summary(values:list[float])->dict:
    "Mean, sample standard deviation and 95% Student-t interval of `values` (no interval for fewer than 2)."
    n = len(values)
    if n == 0: return dict(n=0, mean=None, sd=None, lo=None, hi=None)
    mean = sum(values) / n
    if n < 2: return dict(n=1, mean=mean, sd=None, lo=None, hi=None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    h = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return dict(n=n, mean=mean, sd=sd, lo=mean - h, hi=mean + h)


def status(s:dict)->str:
    "reproduced / in direction only / not reproduced / not run, from the summary of the effect minus the margin."
    if s['n'] == 0: return 'not run'
    if s['lo'] is not None and s['lo'] > 0: return 'reproduced'
    return 'in direction only' if s['mean'] > 0 else 'not reproduced'


def _metric(res:dict|None, metric:str)->float|None:
    return None if res is None else res['metrics'].get(metric)


def row_values(row:Row)->dict:
    "Per seed: the two sides and the effect (a - b - margin), for the seeds where every needed run has finished."
    exp = EXPERIMENTS[row.experiment]
    out = dict(a={}, b={}, effect={})
    for s in exp.seeds:
        if row.id == 'budget':
            v = {k: _metric(read_result(exp.name, k, s), 'knn') for k in exp.runs if k.startswith('viewmaker-')}
            if None in v.values(): continue
            a, b = v[row.a[0]], max(x for k, x in v.items() if k != row.a[0])
        else:
            a = _metric(read_result(exp.name, row.a[0], s), row.a[1])
            b = _metric(read_result(exp.name, row.b[0], s), row.b[1]) if row.b else 0.
            if a is None or b is None: continue
        out['a'][s], out['b'][s], out['effect'][s] = a, b, a - b - row.margin
    return out


def judged(s:dict, margin:float)->str:
    "The status of a row whose claim is `a - b > margin`, from the summary `s` of a - b."
    shifted = dict(s, **{k: (s[k] - margin if s[k] is not None else None) for k in ('mean', 'lo', 'hi')})
    return status(shifted)


def minutes(res:dict)->float:
    "Minutes a result's run took (pretraining and evaluations, added across resumed sessions)."
    return (res['pretrain_seconds'] + res['evaluation_seconds'] + (res.get('extra_evaluation_seconds') or 0)) / 60


def jobs_of(res:dict)->int|None:
    """How many runs the queue ran at once when `res` was recorded. Files written before the queue recorded it: one
    when the run had every core's thread, else unknown (None: a single-thread run shared the cores with something)."""
    if 'jobs' in res: return res['jobs']
    return 1 if res['hardware']['threads'] >= res['hardware']['cores'] else None


def run_minutes(exp:str, run:str, jobs:int=1)->float|None:
    "Minutes one seed of `run` takes here: its quickest seed among those run `jobs` at a time, None if none was."
    ts = [minutes(r) for r in (read_result(exp, run, s) for s in EXPERIMENTS[exp].seeds)
          if r and jobs_of(r) == jobs]
    return min(ts) if ts else None


def span(res:dict)->tuple[float, float]:
    "When a result's run ran, in seconds since the epoch: its date (written at its end) less its minutes."
    end = datetime.fromisoformat(res['date']).timestamp()
    return end - minutes(res) * 60, end


def paired_share(res:dict, others:list[dict])->float:
    "The share of `res`'s run during which at least one of `others` ran beside it."
    a, b = span(res)
    cuts = sorted((max(a, lo), min(b, hi)) for lo, hi in map(span, [o for o in others if o is not res])
                  if min(b, hi) > max(a, lo))
    covered, reach = 0., a
    for lo, hi in cuts:
        covered += max(0., hi - max(lo, reach))
        reach = max(reach, hi)
    return covered / max(b - a, 1e-9)


PAIRED = 0.9   # a run counts as `jobs` at a time when another ran beside it for at least this share of its time


def jobs_speedup(jobs:int=2)->dict|None:
    """What running `jobs` runs at a time (one thread each) gains over one at a time (all the threads), measured on
    runs recorded both ways (other seeds of the same run): one-at-a-time minutes over the machine's share of the
    `jobs`-at-a-time minutes (minutes / jobs), summed over those runs. Only `jobs`-at-a-time records that had another
    run beside them for most of their time count: at a queue's end a run left alone on one thread is no measure of
    sharing. None when no run was recorded both ways."""
    recs = [(e.name, run, r) for e in EXPERIMENTS.values() for run in e.runs for s in e.seeds
            if (r := read_result(e.name, run, s)) and jobs_of(r) == jobs]
    others = [r for _, _, r in recs]
    shared = {}
    for e, run, r in recs:
        if paired_share(r, others) >= PAIRED: shared[e, run] = min(shared.get((e, run), math.inf), minutes(r))
    pairs = [(run_minutes(e, run), t) for (e, run), t in shared.items()]
    pairs = [(a, b) for a, b in pairs if a is not None]
    if not pairs: return None
    one, share = sum(a for a, _ in pairs), sum(b for _, b in pairs) / jobs
    return dict(speedup=one / share, runs=len(pairs), one=one, shared=share, jobs=jobs)


def row_minutes(row:Row)->dict:
    "The row's runs' minutes per seed: `longest` (the row's single run), `seed` (one more seed of all), None unknown."
    exp = EXPERIMENTS[row.experiment]
    ts = [run_minutes(exp.name, run) for run in runs_of(exp, [row])]
    if not ts or None in ts: return dict(longest=None, seed=None)
    return dict(longest=max(ts), seed=sum(ts))


def seeds_note(r:dict)->str:
    "How many of its experiment's seeds a row has, and what one more costs here ('' when it has them all)."
    row = r['row']
    n, want = len(r['seeds']), len(EXPERIMENTS[row.experiment].seeds)
    if n == 0 or n >= want: return ''
    t = row_minutes(row)
    cost = (f"; one more seed of its runs took about {t['seed']:.0f} min here (its longest run: {t['longest']:.0f} min)"
            if t['seed'] is not None else '')
    return f"{n} of {want} seeds so far{cost}"


def row_summary(row:Row)->dict:
    v = row_values(row)
    diff = summary([v['a'][s] - v['b'][s] for s in v['effect']])
    return dict(row=row, seeds=sorted(v['effect']), a=summary(list(v['a'].values())),
                b=summary(list(v['b'].values())), diff=diff, status=judged(diff, row.margin), values=v)


# ---------------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------------
STATUS_MARK = {'reproduced': 'reproduced', 'in direction only': 'in direction only',
               'not reproduced': 'not reproduced', 'not run': 'not run'}


def _ci(s:dict, digits:int=1)->str:
    if s['n'] == 0: return '-'
    if s['lo'] is None: return f"{s['mean']:.{digits}f} (1 seed)"
    return f"{s['mean']:.{digits}f} [{s['lo']:.{digits}f}, {s['hi']:.{digits}f}]"


# sides that are two metrics of one run, by what they are ({run}: the run)
METRIC_NAMES = dict(one_subject="{run} + probe on one subject's labels",
                    supervised="supervised on one subject's labels")


def _sides(r:dict)->str:
    row = r['row']
    if r['a']['n'] == 0: return '-'
    same_run = row.b is not None and row.a[0] == row.b[0]   # two metrics of one run: say which is which
    name = lambda side: METRIC_NAMES.get(side[1], '{run} ' + side[1]).format(run=side[0]) if same_run else side[0]
    if row.b is None and row.id != 'budget': return f"{row.a[0]} {row.a[1]}: {_ci(r['a'], 2)}"
    b = 'best of the other budgets' if row.id == 'budget' else f"{name(row.b)}"
    return f"{name(row.a)} {_ci(r['a'])} vs {b} {_ci(r['b'])}"


def _command(row:Row)->str: return f"`python benchmarks/scoreboard.py run --rows {row.id}`"


def full_table(rows:list[dict])->str:
    head = ('| # | result (paper) | paper | ours: mean [95% CI] | difference [95% CI] | seeds | setting | status | why '
            '| command |\n|---|---|---|---|---|---|---|---|---|---|')
    lines = [head]
    for i, r in enumerate(rows, 1):
        row, exp = r['row'], EXPERIMENTS[r['row'].experiment]
        margin = f" (claim: > {row.margin:g})" if row.margin else ''
        why = 'no interval yet' if r['diff']['n'] == 1 else row.why.get(r['status'], '')
        if seeds_note(r): why = f"{why}. {seeds_note(r)}"
        lines.append(f"| {i} | **{row.result}** ({row.source}) | {row.paper} | {_sides(r)} | "
                     f"{row.effect}: {_ci(r['diff'])}{margin} | {len(r['seeds'])} | {exp.what} | "
                     f"**{r['status']}** | {why} | {_command(row)} |")
    return '\n'.join(lines)


def short_table(rows:list[dict], link:str)->str:
    lines = ['| result | paper | here (mean of seeds [95% CI]) | status |', '|---|---|---|---|']
    for r in rows:
        row = r['row']
        n = len(r['seeds'])
        d = r['diff']
        ci = f" [{d['lo']:+.1f}, {d['hi']:+.1f}]" if d['lo'] is not None else ''
        diff = '-' if d['n'] == 0 else f"{d['mean']:+.1f}{ci} ({n} seed{'s' if n > 1 else ''})"
        lines.append(f"| {row.result} ({row.source}) | {row.paper} | {row.effect}: {diff} | {r['status']} |")
    counts = {s: sum(r['status'] == s for r in rows) for s in STATUS_MARK}
    tally = ', '.join(f"{n} {s}" for s, n in counts.items() if n)
    noun = 'result' if len(rows) == 1 else 'results'
    return '\n'.join(lines) + f"\n\n{len(rows)} {noun}: {tally}. Intervals, settings and commands: [{link}]({link})."


def gpu_table(rows:list[dict])->str:
    est = gpu_estimates()
    lines = ['| result | paper-length command (one GPU) | optimiser steps | estimated time on one H100 |',
             '|---|---|---|---|']
    for r in rows:
        row = r['row']
        t = est.get(row.id)
        lines.append(f"| {row.result} | `{row.gpu}` | {row.gpu_steps:,} | {t if t else 'not estimated'} |")
    return '\n'.join(lines)


def duration(seconds:float)->str:
    "A time as people say it: '40 min', '2.5 h'."
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{max(seconds / 60, 1):.0f} min"


def gpu_estimates()->dict:
    "Row id -> time on one GPU: measured by `make gpu-check` where it ran, else from the counted FLOPs per step."
    out = {}
    p = RESULTS / 'gpu_flops.json'
    if p.exists():
        f = json.loads(p.read_text())
        rate = f['assumed_flops_per_second']
        for row in ROWS:
            per = f['flops_per_step'].get(row.id)
            if per: out[row.id] = (f"{duration(per * row.gpu_steps / rate)} estimated ({per / 1e12:.2f} TFLOP "
                                   f"per step at an assumed {rate / 1e12:.0f} TFLOP/s)")
    p = RESULTS / 'scoreboard_gpu.json'   # written by benchmarks/gpu_check.py on a lent GPU
    if p.exists():
        m = json.loads(p.read_text())
        for k, v in m['rows'].items():
            if 'hours' in v and not m.get('dry_run'): out[k] = f"{duration(v['hours'] * 3600)} measured on {m['device']}"
    return out


def tried(row:Row)->list[str]:
    "The search experiments run while choosing `row`'s setting, one line each."
    out = []
    for e in EXPERIMENTS.values():
        if not e.search or getattr(e, 'for_row', None) != row.id: continue
        vals = []
        for run in e.runs:
            rs = [read_result(e.name, run, s) for s in e.seeds]
            rs = [x for x in rs if x]
            if rs: vals.append(f"{run}: kNN {sum(x['metrics']['knn'] for x in rs) / len(rs):.1f}, "
                               f"linear {sum(x['metrics']['linear'] for x in rs) / len(rs):.1f} ({len(rs)} seed)")
        out.append(f"- {e.what}: " + ('; '.join(vals) if vals else 'not run'))
    return out


def scoreboard_page(rows:list[dict])->str:
    counts = {s: sum(r['status'] == s for r in rows) for s in STATUS_MARK}
    hw = next((read_result(e, run, s)['hardware'] for e, run, s in _done()), None)
    threads = sorted({read_result(e, run, s)['hardware']['threads'] for e, run, s in _done()})
    threads = ' or '.join(str(t) for t in threads)
    parts = [
        '# The reproduction scoreboard',
        '',
        'Each row is a result of the viewmaker paper (Tamkin, Wu & Goodman, ICLR 2021) or the LooC paper (Xiao, Wang, '
        'Efros & Darrell, ICLR 2021), measured here at a scale two CPU cores can run. The table is written by '
        '`python benchmarks/scoreboard.py table` from the result files in `benchmarks/results/` (one per run and '
        'seed, each with its command, seed, hardware and date); nothing in it is typed by hand.',
        '',
        '**How to read it.** "ours" gives each side\'s mean over seeds with a 95% Student-t interval; "difference" is '
        'computed per seed (the same seed on both sides) and summarised the same way. **Status** comes from that '
        'interval: *reproduced* when it lies on the paper\'s side of the claim, *in direction only* when the mean '
        'does but the interval reaches the other side (or there is a single seed), *not reproduced* when the mean '
        'does not, *not run* when there is no result file. The papers ran ResNets for 200-500 epochs on GPUs; the '
        'magnitudes here are not theirs, only the direction and whether it holds over seeds. Protocols: kNN '
        '(k = 200, temperature 0.1, pooled features) and the paper\'s linear probe (pre-pool features, frozen viewmaker '
        'on the training inputs).',
        '',
        f"**{len(rows)} results:** " + ', '.join(f"{n} {s}" for s, n in counts.items() if n) + '.',
        '',
        full_table(rows),
        '',
        '## Regenerate',
        '',
        '`make reproduce` (= `python benchmarks/scoreboard.py run --jobs 2`, then `table`) runs every row\'s runs for '
        'every seed on the CPU, two at a time, skipping finished ones and resuming unfinished ones from their '
        'checkpoints, then rewrites this page, the README\'s table and each tutorial\'s. `make reproduce-game` (`run '
        '--game`) also plays the cheaper games and unclamped views that no row reads ("A cheaper game, and clamping" '
        'below). CIFAR-10, FSDD and HAPT are read from `$VIEWEXPLORE_DATA`.',
        '',
        f"Hardware of the recorded runs: {hw['cpu']}, {threads} thread(s) per run, torch {hw['torch']}." if hw else '',
        '',
        '## Time per experiment',
        '',
        time_table(),
        '',
        '## On a GPU: the papers\' lengths',
        '',
        'The paper-length run behind each row, and its estimated time on one H100 from the FLOPs of one training step '
        '(counted by `python benchmarks/scoreboard.py flops` with `torch.utils.flop_counter`) at an assumed sustained '
        'rate; `make gpu-check` measures the real rate when a GPU is lent. None of it is needed for CI.',
        '',
        gpu_table(rows),
        '',
        '## A cheaper game, and clamping',
        '',
        'The main row\'s setting (`fmnist-views`) played with less computation per step, and with unclamped image '
        'views (the authors\' CIFAR-10 runs did not clamp; see `nbs/10_viewmaker.ipynb`), against the paper\'s '
        'schedule with clamping, seed by seed. Speed, measured side by side, is in `benchmarks/RESULTS.md` ("A '
        'cheaper game"); the recorded pretraining times beside the table include whatever else the machine ran (a load '
        'average of 2 means both cores busy). "Realised |delta|" is the mean |view - image| on 500 test images; '
        '"on the garment" is the '
        'share of |delta| on pixels brighter than their image\'s mean (the garment is about 42% of the pixels).',
        '',
        variants_table(),
        '',
        fast_preset_text(),
        '',
        clamp_text(),
        '',
        '## What was tried',
        '',
        'Each row\'s setting was chosen to show the effect where it can appear at this scale. The settings tried '
        'before it, one seed each (other lengths, data sets, budgets, viewmaker widths and batch sizes), are the '
        'earlier sections of `benchmarks/RESULTS.md`, each with its command and what it showed; for each row, the '
        'sections that chose its setting:',
        '',
    ]
    for r in rows:
        t = tried(r['row'])
        before = [f'- RESULTS.md, "{h}"' for h in r['row'].tried_before]
        if t or before: parts += [f"**{r['row'].result}**", '', *before, *t, '']
    return '\n'.join(parts).rstrip() + '\n'


VARIANTS = [('paper: every step, clamped', 'fmnist-views', 'viewmaker'),
            ('viewmaker every 2nd step', 'fmnist-game', 'viewmaker-every2'),
            ('viewmaker every 4th step', 'fmnist-game', 'viewmaker-every4'),
            ('one pass (gradient reversal)', 'fmnist-game', 'viewmaker-onepass'),
            ('unclamped views', 'fmnist-game', 'viewmaker-noclamp'),
            ('Gaussian noise (no viewmaker)', 'fmnist-views', 'noise')]


def variants_table()->str:
    "kNN, linear probe, kNN difference to the paper's schedule (paired by seed), budget use and pretraining time."
    base = {s: read_result('fmnist-views', 'viewmaker', s) for s in SEEDS}
    lines = ['| game | seeds | kNN (%) | linear probe (%) | kNN - paper\'s, per seed | realised \\|delta\\| | '
             'on the garment (%) | pretraining (min, mean; load average) |', '|---|---|---|---|---|---|---|---|']
    for name, exp, run in VARIANTS:
        rs = {s: read_result(exp, run, s) for s in SEEDS}
        rs = {s: r for s, r in rs.items() if r}
        if not rs:
            lines.append(f'| {name} | 0 | - | - | - | - | - | - |'); continue
        m = lambda k, f=1.: summary([f * r['metrics'][k] for r in rs.values() if r['metrics'].get(k) is not None])
        d = summary([r['metrics']['knn'] - base[s]['metrics']['knn'] for s, r in rs.items() if base.get(s)])
        t = sum(r['pretrain_seconds'] for r in rs.values()) / len(rs) / 60
        load = sum(sum(r['load_average'].values()) / 2 for r in rs.values()) / len(rs)
        lines.append(f"| {name} | {len(rs)} | {_ci(m('knn'))} | {_ci(m('linear'))} | "
                     f"{_ci(d) if run != 'viewmaker' else '-'} | {_ci(m('realised_mean_abs_delta'), 3)} | "
                     f"{_ci(m('object_share', 100.))} | {t:.0f}; {load:.1f} |")
    return '\n'.join(lines)


# the cheaper games, quickest first (images/s against the paper's schedule, side by side: benchmarks/RESULTS.md, "A
# cheaper game"): the fast preset is the first of them that costs at most FAST_COST kNN points over every seed
FAST_CANDIDATES = [('viewmaker-every4', dict(viewmaker_every=4), '2.0x'),
                   ('viewmaker-every2', dict(viewmaker_every=2), '1.5x'),
                   ('viewmaker-onepass', dict(mode='simultaneous'), '1.4x')]
FAST_COST = 1.0


def knn_cost(run:str)->dict:
    "The summary of kNN(`run` of fmnist-game) - kNN(the paper's schedule), paired by seed."
    base = {s: read_result('fmnist-views', 'viewmaker', s) for s in SEEDS}
    rs = {s: read_result('fmnist-game', run, s) for s in SEEDS}
    return summary([r['metrics']['knn'] - base[s]['metrics']['knn'] for s, r in rs.items() if r and base.get(s)])


def fast_preset()->tuple[str|None, dict|None, str]:
    "(run, options, why) of the fast preset the result files choose; (None, None, why) while seeds are missing."
    costs = {run: knn_cost(run) for run, _, _ in FAST_CANDIDATES}
    missing = sum(len(SEEDS) - c['n'] for c in costs.values())
    if missing:
        return None, None, f"not chosen yet: {missing} of the {len(SEEDS) * len(costs)} cheaper-game runs are missing"
    said = '; '.join(f"{run.removeprefix('viewmaker-')} ({speed}): {_ci(costs[run])}"
                     for run, _, speed in FAST_CANDIDATES)
    for run, options, speed in FAST_CANDIDATES:
        if costs[run]['mean'] >= -FAST_COST:
            return run, options, (f"the quickest game whose kNN is on average at most {FAST_COST:g} point below the "
                                  f"paper's schedule over {len(SEEDS)} seeds (kNN - paper's, per seed: {said})")
    return None, None, f"none of the cheaper games stays within {FAST_COST:g} point ({said})"


def fast_preset_text()->str:
    run, options, why = fast_preset()
    if run is None: return f"**The fast preset** (`--preset fast`): {why}; until then it is the paper's schedule."
    opts = ', '.join(f'{k}={v!r}' for k, v in options.items())
    return (f"**The fast preset** (`--preset fast`, `PRESETS['fast']` in `viewexplore.config`): `{opts}`, "
            f"{why}. A test checks that the package's preset is the one these result files choose.")


def clamp_default()->tuple[bool|None, str]:
    "(clamp_views default the result files choose, why); None while seeds are missing."
    cost = knn_cost('viewmaker-noclamp')
    if cost['n'] < len(SEEDS):
        return None, f"not decided yet: {cost['n']} of {len(SEEDS)} seeds of unclamped views"
    said = f"kNN, unclamped - clamped, per seed: {_ci(cost)}"
    if cost['lo'] > 0:
        return False, f"unclamped views are better over {len(SEEDS)} seeds ({said}), so the default is not to clamp"
    return True, (f"unclamped views are not better over {len(SEEDS)} seeds ({said}), so the default stays clamped, "
                  "as the paper's text has it, and keeps every view a valid image")


def clamp_text()->str:
    default, why = clamp_default()
    if default is None: return f"**Clamping** (`--clamp-views`): {why}; the default stays clamped until then."
    return (f"**Clamping** (`--clamp-views`, default `{str(default).lower()}`): {why}. A test checks that "
            "`ViewConfig.clamp_views` defaults to what these result files choose.")


def _done()->list[tuple[str, str, int]]:
    out = []
    for e in EXPERIMENTS.values():
        for run in e.runs:
            out += [(e.name, run, s) for s in e.seeds if result_path(e.name, run, s).exists()]
    return out


def time_table()->str:
    "Recorded time per experiment, and what `run` (the rows) and `run --game` cost at each run's quickest seed."
    lines = ['| experiment | runs x seeds done | pretraining (min) | evaluations (min) | mean load average '
             '| one seed of every run, one at a time, quickest (min) |', '|---|---|---|---|---|---|']
    total, untimed = dict(rows=0., game=0.), []
    game = unread()
    for e in EXPERIMENTS.values():
        rs = [read_result(e.name, run, s) for run in e.runs for s in e.seeds]
        rs = [r for r in rs if r]
        quick = {run: run_minutes(e.name, run) for run in e.runs}
        if not e.search:
            runs = e.runs if e in game else runs_of(e, ROWS)
            total['game' if e in game else 'rows'] += sum(quick[k] * len(e.seeds) for k in runs if quick[k])
            untimed += [f'{e.name}/{k}' for k in runs if quick[k] is None]
        if not rs: continue
        pre = sum(r['pretrain_seconds'] for r in rs) / 60
        ev = sum(r['evaluation_seconds'] + r['extra_evaluation_seconds'] for r in rs) / 60
        load = sum((r['load_average']['start'] + r['load_average']['end']) / 2 for r in rs) / len(rs)
        seed = '-' if None in quick.values() else f"{sum(quick.values()):.0f}"
        lines.append(f"| {e.name}{' (search)' if e.search else ''} | {len(rs)} of {len(e.runs) * len(e.seeds)} | "
                     f"{pre:.0f} | {ev:.0f} | {load:.1f} | {seed} |")
    names = ', '.join(e.name for e in game)
    lines += ['', f"One run at a time, each run at its quickest seed recorded that way, for every seed: every row's "
              f"runs (`python benchmarks/scoreboard.py run`) **{total['rows'] / 60:.1f} h**, and the experiments no "
              f"row reads ({names}: `run --game`) **{total['game'] / 60:.1f} h** more"
              + (f"; {len(untimed)} run(s) not yet timed that way ({', '.join(untimed)})." if untimed else '.')
              + ' Recorded times include whatever else the machine ran (see the load average: 2 means both cores '
              'busy), so on a quiet machine it is less.', '', jobs_text(total)]
    return '\n'.join(lines)


def jobs_text(total:dict)->str:
    "What two runs at a time (`make reproduce`) take, from the speedup measured on runs recorded both ways."
    j = jobs_speedup(2)
    head = 'Two runs at a time (`--jobs 2`, one thread each, as `make reproduce` runs them): '
    if j is None: return head + 'not yet measured; no run has seeds recorded both ways.'
    return (head + f"on the {j['runs']} runs recorded both ways (other seeds of the same runs; two at a time counts "
            f"only where another run ran beside it for at least {PAIRED:.0%} of its time), one at a time took "
            f"{j['one']:.0f} min and two at a time {j['shared']:.0f} min of the machine (each run's minutes / 2), "
            f"**{j['speedup']:.2f}x**. At that rate every row's runs (`make reproduce`) take about "
            f"**{total['rows'] / 60 / j['speedup']:.1f} h**, and `make reproduce-game` adds about "
            f"{total['game'] / 60 / j['speedup']:.1f} h.")


# ---------------------------------------------------------------------------------------------------------------------
# Where the tables go: the docs page, the README (through nbs/index.ipynb) and each tutorial
# ---------------------------------------------------------------------------------------------------------------------
PAGE = ROOT / 'docs' / 'pages' / 'scoreboard.md'
INDEX = ROOT / 'nbs' / 'index.ipynb'
TUTORIALS = ROOT / 'nbs' / 'tutorials'
MARK = '<!-- scoreboard: written by `python benchmarks/scoreboard.py table` from benchmarks/results; do not edit -->'


def index_cell(rows:list[dict])->str:
    return (f"{MARK}\n## What reproduces at small scale\n\nThe papers' results as this package measures them on two CPU "
            f"cores, with seeds (`make reproduce` regenerates every row):\n\n"
            f"{short_table(rows, 'docs/pages/scoreboard.md')}")


def tutorial_cell(rows:list[dict], stem:str)->str|None:
    mine = [r for r in rows if r['row'].tutorial == stem]
    if not mine: return None
    return (f"{MARK}\n**On the scoreboard.** The result(s) this tutorial tells the story of, measured with seeds "
            f"(the runs below are single recorded runs; the scoreboard's are shorter and repeated):\n\n"
            f"{short_table(mine, '../../docs/pages/scoreboard.md')}")


def _set_cell(nb_path:Path, text:str|None, after_first:bool=True)->bool:
    "Put `text` in the notebook's scoreboard cell (created after the title cell if missing); True if it changed."
    nb = json.loads(nb_path.read_text())
    cells = nb['cells']
    at = [i for i, c in enumerate(cells) if c['cell_type'] == 'markdown' and ''.join(c['source']).startswith(MARK)]
    if text is None:
        if not at: return False
        del cells[at[0]]
    else:
        src = [l + '\n' for l in text.split('\n')[:-1]] + [text.split('\n')[-1]]
        if at:
            if cells[at[0]]['source'] == src: return False
            cells[at[0]]['source'] = src
        else:
            import hashlib
            cid = hashlib.sha1(f'{nb_path.name}-scoreboard'.encode()).hexdigest()[:8]
            cells.insert(1, dict(cell_type='markdown', id=cid, metadata={}, source=src))
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return True


def outputs(rows:list[dict])->dict:
    "Every file the scoreboard writes -> its text (notebooks: the scoreboard cell's text, None to remove it)."
    out = {PAGE: scoreboard_page(rows), INDEX: index_cell(rows)}
    for nb in sorted(TUTORIALS.glob('*.ipynb')): out[nb] = tutorial_cell(rows, nb.stem)
    return out


def _cell_text(nb_path:Path)->str|None:
    for c in json.loads(nb_path.read_text())['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'markdown' and s.startswith(MARK): return s
    return None


def stale(rows:list[dict])->list[Path]:
    "The files whose scoreboard text differs from what the result files give."
    bad = []
    for p, text in outputs(rows).items():
        if p.suffix == '.ipynb':
            if _cell_text(p) != text: bad.append(p)
        elif not p.exists() or p.read_text() != text: bad.append(p)
    return bad


def write_tables(rows:list[dict])->list[Path]:
    changed = []
    for p, text in outputs(rows).items():
        if p.suffix == '.ipynb':
            if _set_cell(p, text): changed.append(p)
        elif not p.exists() or p.read_text() != text:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            changed.append(p)
    if INDEX in changed and (ROOT / 'scripts' / 'readme').exists():
        subprocess.run([sys.executable, str(ROOT / 'scripts' / 'readme')], check=True)
    return changed


# ---------------------------------------------------------------------------------------------------------------------
# FLOPs of the paper-length runs (for the GPU column)
# ---------------------------------------------------------------------------------------------------------------------
# a tenth of the H100 SXM's dense bf16 peak (small 32x32 convolutions rarely reach more): an assumption, stated on the
# page; `make gpu-check` measures the real rate
ASSUMED_RATE = 0.1 * 989e12

FLOP_SETTINGS = {   # row id -> PretrainConfig options of one paper-length step (data shapes from the named set)
    'vm-noise': dict(data='cifar10', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=256),
    'vm-expert': dict(data='cifar10', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=256),
    'corners': dict(data='cifar10', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=256),
    'cropflip-vm': dict(data='cifar10', encoder='resnet18', views='cropflip+viewmaker', viewmaker_width=32,
                        batch_size=256),
    'robustness': dict(data='cifar10', encoder='resnet18', views='combined', viewmaker_width=32, batch_size=256),
    'speech': dict(data='fsdd', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=128),
    'sensors': dict(data='hapt', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=128),
    'budget': dict(data='hapt', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=128),
    'one-subject': dict(data='hapt', encoder='resnet18', views='viewmaker', viewmaker_width=32, batch_size=128),
    'looc-rotation': dict(data='cifar10', encoder='resnet18', method='looc', augment='rotation', batch_size=256,
                          head_hidden=2048, queue_size=16384),
    'looc-class': dict(data='cifar10', encoder='resnet18', method='looc', augment='rotation', batch_size=256,
                       head_hidden=2048, queue_size=16384),
    'looc-color': dict(data='cifar10', encoder='resnet18', method='looc', augment='color', batch_size=256,
                       head_hidden=2048, queue_size=16384),
    'looc++': dict(data='cifar10', encoder='resnet18', method='looc++', augment='color,rotation', batch_size=256,
                   head_hidden=2048, queue_size=16384),
    'head-shares': dict(data='cifar10', encoder='resnet18', method='looc++', augment='color,rotation', batch_size=256,
                        head_hidden=2048, queue_size=16384),
}


def count_flops(options:dict, probe_batch:int=8)->float:
    "FLOPs of one training step of `options`, counted at a batch of `probe_batch` and scaled to the real batch."
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from viewexplore.config import PretrainConfig
    from viewexplore.data import load_dataset, to_float
    from viewexplore.methods import build_method
    opts = dict(options)
    batch = opts.pop('batch_size')
    data = load_dataset(opts['data'])
    opts.update(batch_size=probe_batch, bn_splits=1)   # queue and bank sizes do not change a step's FLOPs much
    cfg = PretrainConfig(**opts).validate()
    m = build_method(cfg, data)
    m.optimizers = m.configure_optimizers()
    x, idx = to_float(data.train_x[:probe_batch]), torch.arange(probe_batch)
    with FlopCounterMode(display=False) as fc: m.training_step(x, idx)
    return fc.get_total_flops() * batch / probe_batch


def flops(rows:list[Row]):
    from viewexplore.storage import atomic_write_text
    p = RESULTS / 'gpu_flops.json'
    old = json.loads(p.read_text()) if p.exists() else dict(flops_per_step={})
    counted = {}
    for r in rows:
        if r.id in old['flops_per_step']: continue
        t0, key = time.time(), json.dumps(FLOP_SETTINGS[r.id], sort_keys=True)
        if key not in counted: counted[key] = count_flops(FLOP_SETTINGS[r.id])
        old['flops_per_step'][r.id] = counted[key]
        print(f"{r.id}: {old['flops_per_step'][r.id] / 1e12:.2f} TFLOP per step ({time.time() - t0:.0f} s)")
    old.update(assumed_flops_per_second=ASSUMED_RATE, counted_with='torch.utils.flop_counter.FlopCounterMode at a '
               'batch of 8, scaled linearly to the batch', hardware=hardware(),
               date=datetime.now(timezone.utc).isoformat(timespec='seconds'))
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json.dumps(old, indent=1), p)


# ---------------------------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------------------------
def _data_available(exp:Experiment)->bool:
    if not exp.needs_data: return True
    root = Path(os.environ.get('VIEWEXPLORE_DATA', ROOT.parent / 'shared' / 'data'))
    need = {'cifar10': 'cifar10-jpeg.tar.gz', 'cifar10-corners': 'cifar10-jpeg.tar.gz', 'fsdd': 'fsdd-recordings.tar.gz',
            'hapt': 'hapt_raw_50hz.npz'}[exp.args['data']]
    return (root / need).exists()


def run_pending(rows:list[Row], seeds, search:bool, game:bool, jobs:int=1, threads:int|None=None)->int:
    "Run what has no result file, `jobs` runs at a time, each with `threads` threads (default: the cores shared out)."
    todo = [t for t in pending(rows, seeds, search, game)]
    print(f"{len(todo)} run(s) to do: " + ', '.join(f'{e}/{r}/seed{s}' for e, r, s in todo), flush=True)
    skip = [t for t in todo if not _data_available(EXPERIMENTS[t[0]])]
    for e, r, s in skip:
        print(f"{e}/{r}/seed{s}: skipped, its data are not in $VIEWEXPLORE_DATA (see ../shared/data/README.md for "
              "where to get them)", flush=True)
    todo = [t for t in todo if t not in skip]
    threads = threads or max(1, (os.cpu_count() or 1) // jobs)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    running, failed, started = {}, [], 0
    try:
        while todo or running:
            while todo and len(running) < jobs:
                e, r, s = todo.pop(0)
                started += 1
                print(f"[{started}] {e}/{r}/seed{s} ({datetime.now().strftime('%H:%M')}, {threads} thread(s))",
                      flush=True)
                argv = [sys.executable, __file__, '_one', e, r, str(s), '--jobs', str(jobs)]
                running[(e, r, s)] = subprocess.Popen(argv, cwd=ROOT, env=env)
            time.sleep(1)
            for key, p in list(running.items()):
                rc = p.poll()
                if rc is None: continue
                del running[key]
                if rc == 130: raise KeyboardInterrupt
                if rc: failed.append('/'.join(map(str, key)))
    except KeyboardInterrupt:
        for p in running.values(): p.send_signal(signal.SIGINT)
        for p in running.values(): p.wait()
        print('Interrupted: every unfinished run keeps its checkpoint; `run` again to continue.'); return 130
    if failed: print('failed: ' + ', '.join(failed)); return 1
    return 0


def main(argv=None)->int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='train and evaluate what has no result file yet (resumable)')
    r.add_argument('--rows', nargs='+', choices=list(ROW), help='only these rows (default: all)')
    r.add_argument('--seeds', nargs='+', type=int, help='only these seeds (default: each experiment\'s)')
    r.add_argument('--game', action='store_true',
                   help='also the experiments no row reads: the cheaper games and unclamped views (fmnist-game)')
    r.add_argument('--search', action='store_true', help='also the settings tried while choosing the rows\' settings')
    r.add_argument('--jobs', type=int, default=1, help='runs at a time (each gets cores / jobs threads)')
    r.add_argument('--threads', type=int, default=None, help='threads per run (default: cores / jobs)')
    sub.add_parser('status', help='what is done and what is left')
    sub.add_parser('table', help='write the scoreboard page, the README table and the tutorials\' tables')
    sub.add_parser('check', help='exit 1 if a written table differs from what the result files give')
    f = sub.add_parser('flops', help='count the FLOPs of one paper-length training step per row (GPU column)')
    f.add_argument('--rows', nargs='+', choices=list(ROW))
    o = sub.add_parser('_one'); o.add_argument('experiment'); o.add_argument('run'); o.add_argument('seed', type=int)
    o.add_argument('--jobs', type=int, default=1)
    a = p.parse_args(argv)
    rows = [ROW[i] for i in a.rows] if getattr(a, 'rows', None) else ROWS
    if a.cmd == '_one':
        run_one(a.experiment, a.run, a.seed, a.jobs); return 0
    if a.cmd == 'run':
        return run_pending(rows, tuple(a.seeds) if a.seeds else None, a.search, a.game, a.jobs, a.threads)
    if a.cmd == 'flops': flops(rows); return 0
    summaries = [row_summary(x) for x in ROWS]
    if a.cmd == 'status':
        for s in summaries:
            print(f"{s['row'].id:14s} {s['status']:18s} seeds {s['seeds']}  {s['row'].effect}: {_ci(s['diff'])}")
        todo = pending(ROWS, None, False, True)
        print(f"\n{len(todo)} run(s) left: " + ', '.join(f'{e}/{r}/seed{s}' for e, r, s in todo))
        known = [run_minutes(e, r) for e, r, _ in todo]
        print(f"about {sum(m for m in known if m) / 60:.1f} h at each run's quickest recorded seed"
              + (f", plus {known.count(None)} run(s) not yet timed" if None in known else ''))
        return 0
    if a.cmd == 'table':
        for c in write_tables(summaries): print(f"wrote {c.relative_to(ROOT)}")
        return 0
    if a.cmd == 'check':
        bad = stale(summaries)
        for b in bad: print(f"{b.relative_to(ROOT)}: its scoreboard table differs from the result files; "
                            "run `python benchmarks/scoreboard.py table`", file=sys.stderr)
        return 1 if bad else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
