"Property tests: the viewmaker's budget and shape guarantees and the losses' invariances hold for any valid input."
import math
import torch
from hypothesis import given, settings, strategies as st
from viewexplore.viewmaker import Viewmaker
from viewexplore.views import NoiseViews, rescale_to_budget
from viewexplore.losses import nt_xent, reference_simclr_loss, instdisc_loss

torch.set_num_threads(1)
sizes = st.integers(min_value=5, max_value=40)


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 3), c=st.integers(1, 4), h=sizes, w=sizes, eps=st.floats(1e-3, 3.0), blocks=st.integers(0, 3),
       seed=st.integers(0, 2**16))
def test_viewmaker_keeps_shape_and_spends_exactly_its_budget(b, c, h, w, eps, blocks, seed):
    torch.manual_seed(seed)
    vm = Viewmaker(c, eps, num_res_blocks=blocks, clamp=False, width=4)
    x = torch.randn(b, c, h, w)
    with torch.no_grad():
        d = vm.delta(x)
        v = vm(x)
    assert d.shape == x.shape and v.shape == x.shape
    m = d.abs().mean((1, 2, 3))
    # mean |delta| = eps * m0 / (m0 + 1e-4) where m0 = mean|tanh(y)| <= 1, so it is within 1e-4 * eps / m0 of eps
    assert torch.all(m <= eps * (1 + 1e-5))
    assert torch.allclose(m, torch.full_like(m, eps), rtol=2e-2)
    assert torch.isfinite(v).all()


@settings(max_examples=20, deadline=None)
@given(c=st.integers(1, 3), h=sizes, w=sizes, eps=st.floats(1e-3, 0.5), seed=st.integers(0, 2**16))
def test_clamped_views_stay_in_the_unit_interval_and_never_exceed_the_budget(c, h, w, eps, seed):
    torch.manual_seed(seed)
    vm = Viewmaker(c, eps, num_res_blocks=1, clamp=True, width=4)
    x = torch.rand(2, c, h, w)
    with torch.no_grad(): v = vm(x)
    assert v.min() >= 0 and v.max() <= 1
    assert torch.all((v - x).abs().mean((1, 2, 3)) <= eps * (1 + 1e-5))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 8), eps=st.floats(1e-3, 5.), seed=st.integers(0, 2**16))
def test_rescale_to_budget_and_noise_views(n, d, eps, seed):
    g = torch.Generator().manual_seed(seed)
    delta = torch.randn(n, 1, d, d + 1, generator=g) + 0.1
    r = rescale_to_budget(delta, eps).abs().mean((1, 2, 3))
    assert torch.allclose(r, torch.full_like(r, eps), rtol=1e-2)
    x = torch.randn(n, 1, 8, 8)
    v = NoiseViews(1, eps, clamp=False)(x)
    assert torch.allclose((v - x).abs().mean((1, 2, 3)), torch.full((n,), eps), rtol=1e-2)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 16), d=st.integers(2, 16), t=st.floats(0.05, 2.), seed=st.integers(0, 2**16))
def test_ntxent_is_symmetric_permutation_invariant_and_scale_free(n, d, t, seed):
    g = torch.Generator().manual_seed(seed)
    z1, z2 = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
    l = nt_xent(z1, z2, t)
    assert torch.isfinite(l) and l >= 0
    assert torch.allclose(l, nt_xent(z2, z1, t), atol=1e-5)                 # symmetric in the views
    p = torch.randperm(n, generator=g)
    assert torch.allclose(l, nt_xent(z1[p], z2[p], t), atol=1e-5)           # order of examples does not matter
    assert torch.allclose(l, nt_xent(3 * z1, 0.5 * z2, t), atol=1e-5)       # embeddings are normalised
    # the reference variant is a different number but also scale-free and finite
    r = reference_simclr_loss(z1, z2, t)
    assert torch.isfinite(r) and torch.allclose(r, reference_simclr_loss(2 * z1, z2, t), atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), k=st.integers(1, 32), d=st.integers(2, 8), t=st.floats(0.05, 1.), seed=st.integers(0, 2**16))
def test_instdisc_shared_and_per_example_negatives_agree(n, k, d, t, seed):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, d, generator=g)
    pos = torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=1)
    neg = torch.nn.functional.normalize(torch.randn(k, d, generator=g), dim=1)
    a = instdisc_loss(z, pos, neg, t)
    b = instdisc_loss(z, pos, neg.expand(n, k, d), t)
    assert torch.allclose(a, b, atol=1e-5)
    # a better positive never increases the loss
    better = instdisc_loss(z, torch.nn.functional.normalize(z, dim=1), neg, t)
    assert better <= a + 1e-5
