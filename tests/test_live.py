"""The live game and the embedding map, driven through their public state (no browser): a game that runs in the
background, pauses, resumes, changes its budget, switches to noise, stops cleanly and saves a run that the command
line evaluates and the map opens; a game played one player's turn at a time, which trains as `fit` does; the map's
projections, colours, neighbours and linked selection; a run's snapshots played back over time; and the one-line
errors for impossible settings."""
import asyncio, json, subprocess
from pathlib import Path
import pytest
import torch
from viewexplore.core import InputError
from viewexplore.config import PretrainConfig
from viewexplore.train import Pretrainer
from viewexplore.runs import load_run
from viewexplore.widgets.live import LiveGame, game_config, plot_game_curves, plot_filmstrip, plot_turn
from viewexplore.widgets.embedding_map import (EmbeddingMap, embedding_map, map_neighbours, project,
                                               available_projections, map_points, game_trajectory, frame_at)

# a tiny game: the viewmaker on every step and the budget of the earlier default, so that every step has both players
TINY = dict(train_subset=256, test_subset=100, batch_size=64, viewmaker_width=4, num_res_blocks=1, viewmaker_every=1,
            distortion_budget=0.05)


@pytest.fixture(scope='module')
def played(tmp_path_factory):
    "A game played in the background on an event loop, as a notebook plays it, then saved."
    game = LiveGame(images=3, every=2, map_points=60, map_every=2, **TINY)
    log = {}

    async def play():
        game.start()
        assert game.state == 'running'
        while game.run.steps < 3: await asyncio.sleep(0.01)     # trains while this coroutine waits
        game.budget = 0.3                                        # the slider, while it runs
        while game.run.steps < 6: await asyncio.sleep(0.01)
        game.pause(); await game.wait()
        log['paused_at'] = game.run.steps
        await asyncio.sleep(0.1)
        log['after_pause'] = game.run.steps
        game.noise = True                                        # the toggle: Gaussian noise at the same budget
        game.resume(steps=3); await game.wait()
        log['noise_steps'] = game.runs['noise'].steps
        game.noise = False
        game.start(); await asyncio.sleep(0.05); game.stop(); await game.wait()
    asyncio.run(asyncio.wait_for(play(), 300))
    out = tmp_path_factory.mktemp('live') / 'run'
    game.save(out)
    return game, log, out


def test_game_runs_pauses_resumes_and_stops(played):
    game, log, _ = played
    assert log['paused_at'] >= 6 and log['after_pause'] == log['paused_at']   # nothing trains while paused
    assert log['noise_steps'] == 3                                            # resume(steps=3), then it paused itself
    assert game.state == 'stopped' and not game.running and game.error is None
    with pytest.raises(InputError, match='stopped'): game.step(1)
    vm = game.runs['viewmaker']
    assert [b['budget'] for b in vm.budgets] == [0.05, 0.3]
    assert game.runs['noise'].trainer.views.distortion_budget == 0.3 == vm.trainer.viewmaker.distortion_budget
    # the views after the change spend the new budget; the log has both players' losses at every step
    after = [s for s in vm.snapshots if s['budget'] == 0.3]
    assert after and abs(after[-1]['stats']['mean_abs_delta'] - 0.3) < 1e-3
    assert len(vm.log) == vm.steps and all(l['contest'] > 0 and l['viewmaker_loss'] < 0 for l in vm.log)
    assert all(l['viewmaker_loss'] is None for l in game.runs['noise'].log)
    # the summary is JSON and the static pictures draw from it
    s = json.loads(json.dumps(game.summary()))
    assert sorted(s['runs']) == ['noise', 'viewmaker']
    import matplotlib.pyplot as plt
    plot_game_curves(s); plot_filmstrip(vm); plt.close('all')


def test_saved_game_opens_in_the_cli_and_the_map(played, cli):
    game, _, out = played
    r = subprocess.run(cli + ['evaluate', str(out), '--probe-epochs', '1', '--no-progress'], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    ev = json.loads((out / 'evaluation.json').read_text())
    assert ev['config']['viewing']['distortion_budget'] == 0.3
    assert 0 < ev['knn_accuracy'] <= 100 and 0 < ev['linear_accuracy'] <= 100
    saved = json.loads((out / 'game.json').read_text())
    assert saved['saved'] == 'viewmaker' and saved['runs']['viewmaker']['steps'] == game.runs['viewmaker'].steps
    run = load_run(out)
    assert run.global_step == game.runs['viewmaker'].steps
    m = EmbeddingMap({'live game': out}, n=100, k=4)
    m.selected = 2
    assert sorted(m.views) == ['live game'] and m.views['live game'].shape[0] == 4


def test_game_trains_as_fit_does():
    g = LiveGame(images=2, every=1, **TINY)
    g.step(2)
    g.noise = True; g.step(2); g.noise = False     # a noise run in between draws from its own random numbers
    g.step(3)                                      # crosses the first epoch (4 steps): the kNN monitor runs
    ref = Pretrainer(g.config, progress=False)
    ref.fit(max_steps=5)
    for a, b in zip(ref.method.state_dict().values(), g.trainer.method.state_dict().values()):
        if torch.is_tensor(a): assert torch.equal(a, b)
    assert [k['epoch'] for k in g.run.knn] == [0, 1]
    with pytest.raises(InputError, match='running event loop'): g.start()
    with pytest.raises(InputError, match='learned views'): game_config(views='expert')


@pytest.mark.parametrize('every', [1, 3])
def test_turns_train_as_fit_does(every):
    "Each player separately, a noise run played while a step is half done, steps and turns mixed: fit's weights."
    g = LiveGame(images=3, every=1, **dict(TINY, viewmaker_every=every))
    turns = []
    for i in range(6):
        turns.append(g.encoder_turn())
        if i == 2:                                   # half-way through step 3, the other run plays two steps
            g.noise = True; g.step(2); g.noise = False
        turns.append(g.viewmaker_turn())
    g.encoder_turn(); g.step(1)                      # step() finishes a half-played step
    ref = Pretrainer(g.config, progress=False)
    ref.fit(max_steps=7)
    for a, b in zip(ref.method.state_dict().values(), g.trainer.method.state_dict().values()):
        if torch.is_tensor(a): assert torch.equal(a, b)
    assert (g.run.steps, len(g.run.log), g.runs['noise'].steps) == (7, 7, 2)
    moved = [t for t in turns if t['player'] == 'viewmaker' and t['due']]
    assert len(moved) == (6 if every == 1 else 2)
    # on average over the turns (a single momentum step need not), the encoder lowers the loss and the viewmaker raises it
    assert sum(t['after'] - t['before'] for t in turns if t['player'] == 'encoder') < 0
    assert sum(t['after'] - t['before'] for t in moved) > 0
    assert all(t['push'].shape == (3, 1, 28, 28) for t in moved)
    import matplotlib.pyplot as plt
    plot_turn(moved[-1]); plt.close('all')
    with pytest.raises(InputError, match="encoder's turn"): g.viewmaker_turn()
    sim = LiveGame(images=2, **dict(TINY, mode='simultaneous'))
    with pytest.raises(InputError, match='alternating'): sim.encoder_turn()


def test_impossible_settings_say_what_to_change():
    for kw, msg in [(dict(train_subset=0), 'train_subset must be an int >= 2'),
                    (dict(test_subset=1), 'test_subset must be an int >= 2'), (dict(every=0), 'every must be'),
                    (dict(map_every=0), 'map_every must be'), (dict(knn_examples=1), 'knn_examples must be'),
                    (dict(knn_examples=True), 'knn_examples must be')]:
        with pytest.raises(InputError, match=msg): LiveGame(**kw)
    feats = torch.randn(50, 8, generator=torch.Generator().manual_seed(0))
    from viewexplore.data import load_fashion_mnist_mini
    mini = load_fashion_mnist_mini()
    for kw, msg in [(dict(k=-1), 'k must be an int >= 1'), (dict(k=0), 'k must be an int >= 1'),
                    (dict(k=50), 'choose k < 50'), (dict(size=10), 'size must be')]:
        with pytest.raises(InputError, match=msg): EmbeddingMap({'f': feats}, data=mini, n=50, **kw)


def test_the_knn_monitor_reads_a_fixed_stratified_bank(monkeypatch):
    "The kNN monitor embeds `knn_examples` training images (class-stratified, the same every epoch), or all of them."
    import viewexplore.widgets.live as live
    seen, embed = [], live.embed
    monkeypatch.setattr(live, 'embed', lambda enc, x, *a, **k: (seen.append(x), embed(enc, x, *a, **k))[1])
    g = LiveGame(images=2, map_points=0, knn_examples=120, **TINY)
    g.step(4)                                    # an epoch of 256 images is 4 steps of 64: the monitor runs again
    banks = [x for x in seen if len(x) == 120]
    assert len(banks) == 2 and torch.equal(banks[0], banks[-1]), [len(x) for x in seen]
    labels = g.trainer.data.subset(120, None).train_y    # stratified: every class in proportion
    assert torch.bincount(labels, minlength=10).tolist() == [12] * 10
    seen.clear()
    LiveGame(images=2, map_points=0, knn_examples=None, **TINY)
    assert 256 in [len(x) for x in seen]          # None: the whole training set


def test_a_games_runs_over_time_in_the_map(played):
    game, _, _ = played
    vm, noise = game_trajectory(game, 'viewmaker'), game_trajectory(game, 'noise')
    assert vm.steps[0] == 0 and len(vm.images) == 60 and vm.source is game.runs['viewmaker'].trainer
    m = EmbeddingMap({'learned views': vm, 'noise': noise}, k=4)
    assert m.steps == sorted(set(vm.steps) | set(noise.steps)) and m.step == m.steps[-1]
    _ = m.widget
    m.controls['time'].value = 1                     # the slider: both maps at the same step
    s = m.steps[1]
    for name in m.names:
        entry = m.map['maps'][name]
        assert m._scatters[name].frame == frame_at(entry, s) == entry['frame']
        assert torch.equal(m.points[name], entry['frames']['points'][entry['frame']])
    m.selected = 5                                   # neighbours in the full space at the step shown
    f = m.map['maps']['noise']['features']
    assert m.neighbours['noise']['index'].tolist() == (f @ f[5]).topk(5).indices[1:].tolist()
    assert "class='vx-map-note'" in m.html and 'cosine distance' in m.html
    with pytest.raises(InputError, match='map_points=0'): game_trajectory(LiveGame(images=2, map_points=0, **TINY))


@pytest.fixture(scope='module')
def two_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp('runs')
    for v in ['viewmaker', 'noise']:
        t = Pretrainer(PretrainConfig(views=v, epochs=1, **TINY), out_dir=d / v, progress=False)
        t.fit()
    return {v: d / v for v in ['viewmaker', 'noise']}


def test_projections():
    f = torch.randn(100, 8, generator=torch.Generator().manual_seed(0)) * torch.tensor([10., 3, 1, 1, .5, .5, .1, .1])
    p = project(f)
    assert p['points'].shape == (100, 2) and p['explained'][0] > p['explained'][1]
    assert torch.corrcoef(torch.stack([p['points'][:, 0], f[:, 0]]))[0, 1] > 0.99   # the first axis: the widest feature
    for name, ok in available_projections().items():
        if ok is True: assert project(f, name)['points'].shape == (100, 2)
        else:
            with pytest.raises(InputError, match='pip install'): project(f, name)


def test_map_colours_neighbours_and_linked_selection(two_runs):
    m = EmbeddingMap(two_runs, n=100, k=4)
    assert m.names == ['viewmaker', 'noise'] and m.labels.tolist() == load_run(two_runs['noise']).data.test(100)[1].tolist()
    _ = m.widget
    m._scatters['noise'].selected = 9              # what a click in the browser sends
    assert m.selected == 9 and m._scatters['viewmaker'].selected == 9
    for name in m.names:                           # neighbours in the full space, the point itself excluded
        f = m.map['maps'][name]['features']
        assert m.neighbours[name]['index'].tolist() == (f @ f[9]).topk(5).indices[1:].tolist()
        assert m._scatters[name].highlighted == m.neighbours[name]['index'].tolist()
    assert "data-index='9'" in m.html
    m._scatters['viewmaker'].selection = [3, 1, 2]  # a dragged box, in one map, selects in both
    assert m.selection == [1, 2, 3] and m._scatters['noise'].selection == [1, 2, 3]
    m.colour_by = 'rotation'
    assert m.map['label_names'] == ['0°', '90°', '180°', '270°'] and m.selected is None
    with pytest.raises(InputError, match='RGB'): m.colour_by = 'hue'
    assert m.colour_by == 'rotation' and 'RGB' in m.html
    emap = embedding_map(two_runs, n=100)
    nb = map_neighbours(emap, 0, 4)
    assert all(0 not in r['index'].tolist() for r in nb.values())
    assert map_points(load_run(two_runs['noise']).data.load(), n=5)['images'].shape == (5, 1, 28, 28)


def test_hue_colouring_on_colour_images():
    from viewexplore.data import ImageDataset
    g = torch.Generator().manual_seed(0)
    rgb = lambda n: torch.randint(0, 256, (n, 3, 8, 8), dtype=torch.uint8, generator=g)
    d = ImageDataset('rgb', rgb(20), torch.arange(20) % 2, rgb(12), torch.arange(12) % 2, ['a', 'b'])
    pts = map_points(d, 'hue', n=12)
    assert pts['label_names'][1] == 'hue +90°' and pts['images'].shape == (12, 3, 8, 8)
    assert sorted(set(pts['labels'].tolist())) == [0, 1, 2, 3]
    emap = embedding_map({'raw pixels': pts['images'].flatten(1)}, data=d, colour_by='hue', n=12)
    assert emap['maps']['raw pixels']['points'].shape == (12, 2)


def test_each_looc_space_gets_a_map(tmp_path):
    c = PretrainConfig(method='looc', augment='rotation', queue_size=128, head_hidden=32, bn_splits=4, epochs=1,
                       batch_size=64, train_subset=256, test_subset=100)
    Pretrainer(c, out_dir=tmp_path / 'looc', progress=False).fit()
    m = EmbeddingMap({'LooC': tmp_path / 'looc'}, n=100, k=4, heads=True, colour_by='rotation')
    assert m.names == ['LooC', 'LooC / invariant', 'LooC / rotation space']
    spaces = [m.map['maps'][n]['features'] for n in m.names[1:]]
    assert not torch.allclose(spaces[0], spaces[1])          # two embedding spaces, two maps
    m.selected = 4
    assert sorted(m.neighbours) == sorted(m.names) and 'LooC' in m.views
