"""The reproduction scoreboard (benchmarks/scoreboard.py): its statistics, that the written tables match the committed
result files, and one tiny run of every kind of evaluation end to end."""
import importlib.util, json, math, os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get('VIEWEXPLORE_DATA', ROOT.parent / 'shared' / 'data'))


@pytest.fixture(scope='module')
def sb():
    spec = importlib.util.spec_from_file_location('scoreboard', ROOT / 'benchmarks' / 'scoreboard.py')
    m = importlib.util.module_from_spec(spec)
    sys.modules['scoreboard'] = m
    spec.loader.exec_module(m)
    return m


def test_summary_is_the_student_t_interval(sb):
    s = sb.summary([1., 2., 3.])
    assert s['mean'] == 2 and math.isclose(s['sd'], 1.)
    assert math.isclose(s['hi'] - s['mean'], 4.302653 / math.sqrt(3), rel_tol=1e-5)   # t(0.975, 2) = 4.3027
    assert sb.summary([5.])['lo'] is None and sb.summary([])['n'] == 0


@pytest.mark.parametrize('values,margin,expected', [
    ([1., 2., 3.], 0, 'in direction only'),      # the interval [-0.48, 4.48] reaches zero
    ([2., 2.2, 2.4], 0, 'reproduced'),
    ([-1., 0.5, -2.], 0, 'not reproduced'),
    ([4.], 0, 'in direction only'),              # one seed: never more than a direction
    ([-1.5, -1.4, -1.6], -2., 'reproduced'),     # "within 2 points": a - b > -2
    ([1.5, 1.6, 1.4], 1., 'reproduced'),         # "more than 1 bit"
    ([1.2, 1.3, 1.1], 1., 'in direction only'),  # above 1 bit, but the interval reaches below
    ([], 0, 'not run'),
])
def test_status_comes_from_the_interval(sb, values, margin, expected):
    assert sb.judged(sb.summary(values), margin) == expected


def test_every_row_names_runs_its_experiment_has(sb):
    for r in sb.ROWS:
        e = sb.EXPERIMENTS[r.experiment]
        for side in (r.a, r.b):
            if side: assert side[0] in e.runs, (r.id, side)
        assert set(r.why) == {'reproduced', 'in direction only', 'not reproduced'}, r.id
        assert r.gpu and r.gpu_steps > 0 and r.id in sb.FLOP_SETTINGS, r.id
    assert len(sb.ROWS) == 14 and len({r.id for r in sb.ROWS}) == 14


def test_every_row_says_what_was_tried_before_it(sb):
    "Each row points at the RESULTS.md sections that chose its setting; a renamed or removed section fails here."
    headings = sb.results_headings()
    for r in sb.ROWS:
        assert r.tried_before, r.id
        missing = [h for h in r.tried_before if h not in headings]
        assert not missing, (r.id, missing)
    assert 'Pilot: 5 epochs (2026-11-22)' in headings and 'no such section' not in headings


def test_every_result_file_records_its_provenance(sb):
    files = sorted(sb.RESULTS.glob('*/*/seed*.json'))
    for f in files:
        r = json.loads(f.read_text())
        assert r['command'].startswith('viewexplore pretrain') and f'--seed {r["seed"]}' in r['command'], f
        assert r['hardware']['cpu'] and r['date'] and r['pretrain_seconds'] >= 0, f
        assert f.parent.name == r['run'] and f.parent.parent.name == r['experiment'], f


def test_written_tables_match_the_result_files(sb):
    bad = sb.stale([sb.row_summary(r) for r in sb.ROWS])
    assert not bad, f"stale scoreboard tables in {bad}: run `python benchmarks/scoreboard.py table`"


def test_a_hand_edited_table_is_caught(sb, tmp_path, monkeypatch):
    page = tmp_path / 'scoreboard.md'
    rows = [sb.row_summary(r) for r in sb.ROWS]
    page.write_text(sb.scoreboard_page(rows).replace('| 1 |', '| 1 (edited) |'))
    monkeypatch.setattr(sb, 'PAGE', page)
    assert page in sb.stale(rows)


@pytest.mark.slow
def test_one_tiny_run_of_every_evaluation_writes_a_result_file(sb, tmp_path, monkeypatch):
    if not (DATA / 'cifar10-jpeg.tar.gz').exists() or not (DATA / 'hapt_raw_50hz.npz').exists():
        pytest.skip(f'CIFAR-10 and HAPT are not in {DATA} (see ../shared/data/README.md)')
    monkeypatch.setattr(sb, 'RESULTS', tmp_path / 'results')
    monkeypatch.setattr(sb, 'WORK', tmp_path / 'runs')
    monkeypatch.setenv('VIEWEXPLORE_DATA', str(DATA))   # where the skip above looked, also without the variable
    tiny = dict(encoder='small', batch_size=32, train_subset=64, test_subset=40, probe_epochs=1, epochs=1,
                viewmaker_width=4, num_res_blocks=1)
    looc = dict(tiny, data='cifar10', queue_size=64, head_hidden=16, bn_splits=4, base_augment='flip')
    tinies = [  # setitem: the module's EXPERIMENTS is shared with the other tests, which must not see these
        sb.Experiment('tiny-looc', 'tiny', looc, {'looc++': dict(method='looc++', augment='color,rotation')},
                      evals=('rotation_hue', 'head_shares'), seeds=(0,), eval_epochs=2),
        sb.Experiment('tiny-combined', 'tiny', dict(tiny, data='cifar10'),
                      {'combined': dict(views='combined', distortion_budget=0.01)}, evals=('corruption',),
                      seeds=(0,), eval_epochs=1),
        sb.Experiment('tiny-hapt', 'tiny', dict(tiny, data='hapt'), {'viewmaker': dict(views='viewmaker')},
                      evals=('one_subject',), seeds=(0,), eval_epochs=2)]
    for x in tinies: monkeypatch.setitem(sb.EXPERIMENTS, x.name, x)
    for e, run in [('tiny-looc', 'looc++'), ('tiny-combined', 'combined'), ('tiny-hapt', 'viewmaker')]:
        r = sb.run_one(e, run, 0, jobs=2)
        assert sb.result_path(e, run, 0).exists() and r['seed'] == 0 and r['metrics']['knn'] >= 0
        assert sb.jobs_of(json.loads(sb.result_path(e, run, 0).read_text())) == 2     # recorded: times are shares
    m = json.loads(sb.result_path('tiny-looc', 'looc++', 0).read_text())['metrics']
    assert 0 <= m['rotation'] <= 100 and 0 <= m['hue'] <= 100 and 0 < m['head_entropy'] <= math.log2(3) + 1e-6
    m = json.loads(sb.result_path('tiny-combined', 'combined', 0).read_text())['metrics']
    assert 0 <= m['corrupted'] <= 100 and set(m['corruption_by_family'])
    m = json.loads(sb.result_path('tiny-hapt', 'viewmaker', 0).read_text())['metrics']
    assert 0 <= m['one_subject'] <= 100 and 0 <= m['supervised'] <= 100


def test_seed_counts_and_times_come_from_the_result_files(sb, tmp_path, monkeypatch):
    "A row short of seeds says how many it has and what one more cost; the time table sums quickest seeds."
    monkeypatch.setattr(sb, 'RESULTS', tmp_path)
    def write(exp, run, seed, minutes, knn):
        p = sb.result_path(exp, run, seed)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(dict(metrics=dict(knn=knn, linear=knn), pretrain_seconds=minutes * 60 - 60,
                                     evaluation_seconds=30, extra_evaluation_seconds=30,
                                     load_average=dict(start=1., end=1.), hardware=dict(threads=2, cores=2))))
    row = sb.ROW['vm-noise']
    assert sb.seeds_note(sb.row_summary(row)) == ''                       # not run: nothing to say
    write('fmnist-views', 'viewmaker', 0, 30, 70.)
    write('fmnist-views', 'viewmaker', 1, 20, 71.)
    write('fmnist-views', 'noise', 0, 5, 60.)
    r = sb.row_summary(row)
    assert r['seeds'] == [0] and sb.run_minutes('fmnist-views', 'viewmaker') == 20   # the quickest seed
    assert sb.seeds_note(r) == ('1 of 3 seeds so far; one more seed of its runs took about 25 min here '
                                '(its longest run: 20 min)')
    write('fmnist-views', 'noise', 1, 5, 61.)
    write('fmnist-views', 'viewmaker', 2, 40, 69.)
    write('fmnist-views', 'noise', 2, 7, 62.)
    assert sb.seeds_note(sb.row_summary(row)) == ''                       # all three seeds
    assert '| 3 |' in sb.full_table([sb.row_summary(row)]).splitlines()[2]
    t = sb.time_table()
    assert '| fmnist-views | 6 of 9 | 101 | 6 | 1.0 | - |' in t          # expert untimed: no seed total yet
    assert '**1.2 h**' in t and 'fmnist-views/expert' in t               # (20 + 5) x 3 seeds = 75 min


def test_two_runs_at_a_time_are_timed_against_one_at_a_time(sb, tmp_path, monkeypatch):
    """Minutes count per way of running; --jobs 2's speedup comes from runs recorded both ways that had another run
    beside them (a run left alone at a queue's end does not count); files without `jobs` are inferred."""
    monkeypatch.setattr(sb, 'RESULTS', tmp_path)
    def write(run, seed, minutes, end, **how):   # end: minutes after 12:00
        p = sb.result_path('hapt-views', run, seed)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(dict(metrics=dict(knn=50., linear=50.), pretrain_seconds=minutes * 60,
                                     evaluation_seconds=0, extra_evaluation_seconds=0,
                                     date=f'2026-12-06T{12 + end // 60:02d}:{end % 60:02d}:00+00:00',
                                     load_average=dict(start=2., end=2.), **how)))
    alone, two = dict(hardware=dict(threads=2, cores=2)), dict(hardware=dict(threads=1, cores=2), jobs=2)
    assert 'not yet measured' in sb.time_table()
    write('viewmaker-0.1', 0, 12, 12, **alone)                            # an old file with every core: one at a time
    write('viewmaker-0.1', 1, 9, 30, hardware=dict(threads=1, cores=2))   # an old single-thread file: unknown
    assert sb.jobs_of(sb.read_result('hapt-views', 'viewmaker-0.1', 1)) is None
    write('viewmaker-0.1', 2, 20, 60, **two)                              # 12:40-13:00
    write('masking', 0, 2, 14, **alone)
    write('masking', 1, 3, 50, **two)                                     # 12:47-12:50, beside viewmaker-0.1
    assert sb.run_minutes('hapt-views', 'viewmaker-0.1') == 12
    assert sb.run_minutes('hapt-views', 'viewmaker-0.1', 2) == 20
    assert sb.jobs_speedup(2)['runs'] == 1        # masking: viewmaker-0.1 had it beside it for 3 of 20 minutes only
    write('viewmaker-2.0', 0, 10, 24, **alone)
    write('viewmaker-2.0', 1, 19, 59, **two)                              # 12:40-12:59: both now paired > 90%
    assert sb.paired_share(sb.read_result('hapt-views', 'viewmaker-0.1', 2), []) == 0
    j = sb.jobs_speedup(2)
    assert j['runs'] == 3 and j['one'] == 24 and j['shared'] == 21 and abs(j['speedup'] - 24 / 21) < 1e-9
    assert '**1.14x**' in sb.time_table()


def test_run_trains_the_rows_and_game_adds_the_cheaper_games(sb, tmp_path, monkeypatch):
    """`run` trains every row's runs (what make reproduce's time budget covers); `--game` adds fmnist-game, which no
    row reads, after the rows; --rows only theirs; the Makefile's two targets pass what they say."""
    monkeypatch.setattr(sb, 'RESULTS', tmp_path)
    rows = sb.pending(sb.ROWS, (0,), False)
    assert {e for e, _, _ in rows} == {r.experiment for r in sb.ROWS} and 'fmnist-game' not in {e for e, _, _ in rows}
    every = sb.pending(sb.ROWS, (0,), False, game=True)
    assert ('fmnist-game', 'viewmaker-every2', 0) in every and ('fmnist-game', 'viewmaker-noclamp', 0) in every
    assert every.index(('fmnist-game', 'viewmaker-every2', 0)) > every.index(('looc-heads', 'looc++', 0))  # rows first
    assert set(rows) < set(every) and [e.name for e in sb.unread()] == ['fmnist-game']
    some = sb.pending([sb.ROW['vm-noise']], (0,), False)
    assert {e for e, _, _ in some} == {'fmnist-views'} and ('fmnist-views', 'expert', 0) not in some
    make = (ROOT / 'Makefile').read_text()
    assert 'scoreboard.py run --jobs $(JOBS)\n' in make and 'scoreboard.py run --game --jobs $(JOBS)\n' in make


def test_two_metrics_of_one_run_are_named_by_what_they_are(sb):
    "A row comparing two metrics of one run (one subject's labels) names each side, not the run twice."
    same = [r for r in sb.ROWS if r.b is not None and r.a[0] == r.b[0]]
    assert [r.id for r in same] == ['one-subject']
    for row in same:
        assert row.a[1] in sb.METRIC_NAMES and row.b[1] in sb.METRIC_NAMES
        s = sb.row_summary(row)
        if s['a']['n']:
            text = sb._sides(s)
            assert 'supervised on one subject' in text and text.count(row.a[0]) == 1, text


def test_the_fast_preset_and_the_clamp_default_follow_the_result_files(sb, tmp_path, monkeypatch):
    "The quickest game within a point over every seed; clamping off only when unclamped views are surely better."
    monkeypatch.setattr(sb, 'RESULTS', tmp_path)
    def write(exp, run, knn, spread=(0.2, -0.2, 0.)):
        for seed, noise in zip(sb.SEEDS, spread):
            p = sb.result_path(exp, run, seed)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(dict(metrics=dict(knn=knn + noise))))
    write('fmnist-views', 'viewmaker', 70.)
    assert sb.fast_preset()[0] is None and 'missing' in sb.fast_preset()[2]
    write('fmnist-game', 'viewmaker-every4', 67.)       # 3 points cheaper than the paper's: too costly
    write('fmnist-game', 'viewmaker-every2', 69.5)      # half a point: the quickest within one
    write('fmnist-game', 'viewmaker-onepass', 69.8)
    assert sb.fast_preset()[:2] == ('viewmaker-every2', dict(viewmaker_every=2))
    write('fmnist-game', 'viewmaker-every4', 69.2)
    assert sb.fast_preset()[0] == 'viewmaker-every4'
    for run in ('viewmaker-every4', 'viewmaker-every2', 'viewmaker-onepass'): write('fmnist-game', run, 68.)
    assert sb.fast_preset()[0] is None and 'none of the cheaper games' in sb.fast_preset()[2]
    assert sb.clamp_default()[0] is None
    write('fmnist-game', 'viewmaker-noclamp', 70.1, (1.2, -0.8, 0.))   # within the seeds' spread: stays clamped
    assert sb.clamp_default()[0] is True
    write('fmnist-game', 'viewmaker-noclamp', 72.)      # better on every seed, interval above 0: unclamped
    assert sb.clamp_default()[0] is False


def test_the_package_uses_the_preset_and_clamp_default_the_result_files_choose(sb):
    "PRESETS['fast'] and the clamp default are set by hand from the measurement: this catches a stale one."
    from viewexplore.config import PRESETS, ViewConfig
    run, options, why = sb.fast_preset()
    if run is None: assert 'fast' not in PRESETS, f"PRESETS['fast'] exists, but the result files choose none: {why}"
    else: assert PRESETS.get('fast') == options, f"the result files choose {run} ({options}): {why}"
    default, why = sb.clamp_default()
    assert ViewConfig().clamp_views == (True if default is None else default), why
