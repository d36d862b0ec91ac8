"""The widgets on what the command line writes: every widget built from `viewexplore pretrain` checkpoints and driven
through its state, as a person would through the sliders and buttons (the browser test drives the real ones)."""
import subprocess
import pytest
import torch

pytest.importorskip('ipywidgets', reason="the widgets need ipywidgets (pip install 'viewexplore[widgets]')")
from viewexplore.widgets import (ViewGallery, BudgetExplorer, HeadContributionExplorer, RetrievalExplorer, LeaveOneOutSampler,
                                 load_trainer)
from viewexplore.core import InputError
from conftest import viewexplore_cmd

TINY = ['--train-subset', '300', '--test-subset', '200', '--batch-size', '100', '--probe-epochs', '1', '--no-progress']

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    cli, d = viewexplore_cmd(), tmp_path_factory.mktemp('widget-runs')
    for name, args in dict(vm=['--views', 'viewmaker', '--viewmaker-width', '8', '--epochs', '1'],
                           vm_big=['--views', 'viewmaker', '--viewmaker-width', '8', '--epochs', '1', '--distortion-budget', '0.5'],
                           looc=['--method', 'looc++', '--augment', 'rotation', '--head-hidden', '64', '--queue-size', '400', '--bn-splits', '4',
                                 '--epochs', '1']).items():
        r = subprocess.run(cli + ['pretrain', *args, *TINY, '--out', str(d / name)], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-3000:]
    return d

def test_budget_explorer_and_gallery_on_cli_checkpoints(runs):
    imgs = load_trainer(runs / 'vm').data.test_x[:3]
    ex = BudgetExplorer([runs / 'vm' / 'checkpoint.pt', str(runs / 'vm_big'), 'noise'], imgs, budget=0.05)
    names = list(ex.stats)
    assert names == ['viewmaker (vm)', 'viewmaker (vm_big)', 'noise']
    w = ex.widget
    ex._slider.value = 0.4                       # what the slider does
    for n in names: assert abs(ex.stats[n]['mean_abs_delta'] - 0.4) < 2e-3
    assert ex.sources[1].budget == 0.5           # the checkpoint's own budget is known, the slider overrides it
    low = BudgetExplorer([runs / 'vm'], imgs, budget=0.01).stats['viewmaker (vm)']
    assert ex.stats['viewmaker (vm)']['psnr'] < low['psnr'] and ex.stats['viewmaker (vm)']['l1'] > low['l1']
    gal = ViewGallery([runs / 'vm', runs / 'looc'], imgs, n_views=3)
    w = gal.widget
    v0 = gal.gallery['views'].clone()
    gal._button.click()
    assert gal.seed == 3 and not torch.equal(gal.gallery['views'], v0)
    gal._menu.value = gal._menu.options[1]       # LooC's augmentations as a view source
    assert gal.gallery['source'].budget is None and "class='vx-view'" in gal._html.value

def test_looc_widgets_on_a_cli_checkpoint(runs):
    hc = HeadContributionExplorer(runs / 'looc', n_train=300, n_test=200, epochs=50)
    assert hc.names == ['invariant', 'rotation space']
    w = hc.widget
    seen = set()
    for i in range(min(5, hc.n_examples)):
        hc._slider.value = i
        assert hc.example == i and abs(float(hc.shares.sum()) - 1) < 1e-5
        seen.add(hc.index)
    assert len(seen) == min(5, hc.n_examples)
    d = load_trainer(runs / 'looc').data
    rx = RetrievalExplorer({'looc++': runs / 'looc', 'viewmaker run': runs / 'vm'}, d.test_x[:150], d.test_y[:150], d.classes,
                           k=4, heads=True)
    assert list(rx.features) == ['looc++', 'looc++ / head 0', 'looc++ / head 1', 'viewmaker run']
    w = rx.widget
    rx._slider.value = 7
    assert rx.query == 7 and all(7 not in r['index'].tolist() for r in rx.results.values())
    los = LeaveOneOutSampler(d.test_x[:2], runs / 'looc' / 'checkpoint.pt')
    assert los.sample['names'] == ['k0', 'k1'] and los.sample['shared_with_q'] == [[], ['rotation']]
    w = los.widget; los._button.click()
    assert los.seed == 1

def test_widgets_refuse_what_they_cannot_show(runs, tmp_path):
    with pytest.raises(InputError, match='looc\\+\\+'): HeadContributionExplorer(runs / 'vm')
    with pytest.raises(InputError, match='moco/looc'): LeaveOneOutSampler(torch.rand(2, 1, 28, 28), runs / 'vm')
    with pytest.raises(InputError, match='viewexplore pretrain'): BudgetExplorer([tmp_path / 'none.pt'], torch.rand(2, 1, 28, 28))
    with pytest.raises(InputError, match='within'): BudgetExplorer(['noise'], torch.rand(2, 1, 28, 28)).budget = 3.
    with pytest.raises(InputError, match='channels'): BudgetExplorer([runs / 'vm'], torch.rand(2, 3, 28, 28))
