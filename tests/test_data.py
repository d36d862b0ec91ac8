"Tests of viewexplore.data on the real datasets; each skips with its reason where the data is absent."
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import viewexplore
from viewexplore.core import DataNotFoundError
from viewexplore.data import (CIFAR10_CLASSES, FASHION_MNIST_CLASSES, load_cifar10, load_dataset, load_fashion_mnist,
                              load_fashion_mnist_mini, make_fashion_mnist_mini)

MINI = Path(viewexplore.__file__).parent/'assets'/'fashion_mnist_mini.npz'

SHARED = Path(__file__).resolve().parents[1].parent/'shared'/'data'   # ../shared/data from the repository root
CIFAR_ARCHIVE = SHARED/'cifar10-jpeg.tar.gz'
FMNIST = Path('/usr/share/datasets/fashion-mnist')

needs_cifar = pytest.mark.skipif(not CIFAR_ARCHIVE.is_file(), reason=f"CIFAR-10 archive not found at {CIFAR_ARCHIVE}")
needs_fmnist = pytest.mark.skipif(not (FMNIST/'train-images-idx3-ubyte.gz').is_file(),
                                  reason=f"Fashion-MNIST not found in {FMNIST} (apt-get install dataset-fashion-mnist)")


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    "A fresh cache folder and no dataset environment variables."
    for v in ('VIEWEXPLORE_DATA', 'VIEWEXPLORE_CIFAR10', 'VIEWEXPLORE_FASHION_MNIST'): monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv('VIEWEXPLORE_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'


@needs_cifar
@pytest.mark.slow
def test_load_cifar10_from_archive(clean_env, monkeypatch, capsys):
    monkeypatch.setenv('VIEWEXPLORE_DATA', str(SHARED))
    t = time.perf_counter(); ds = load_cifar10(); first = time.perf_counter() - t
    assert (clean_env/'cifar10-jpeg'/'train'/'airplane').is_dir()
    assert not list(clean_env.glob('.*partial'))                    # the temporary extraction folder was renamed
    assert ds.name == 'cifar10' and ds.classes == CIFAR10_CLASSES
    assert ds.train_x.shape == (50000, 3, 32, 32) and ds.test_x.shape == (10000, 3, 32, 32)
    assert ds.train_x.dtype == torch.uint8 and ds.train_y.dtype == torch.int64
    assert torch.bincount(ds.train_y).tolist() == [5000]*10 and torch.bincount(ds.test_y).tolist() == [1000]*10
    assert torch.allclose(ds.mean, torch.tensor([0.491, 0.482, 0.447]), atol=0.01)   # the usual CIFAR-10 statistics
    assert torch.allclose(ds.std, torch.tensor([0.247, 0.243, 0.262]), atol=0.01)

    t = time.perf_counter(); again = load_cifar10(); second = time.perf_counter() - t
    assert torch.equal(again.train_x, ds.train_x) and torch.equal(again.test_y, ds.test_y)
    assert second < 5, f"the second load took {second:.1f} s; the decoded cache is not used"
    with capsys.disabled(): print(f"\nload_cifar10: first load {first:.1f} s, second {second:.2f} s")

    # The archive given directly, by root or by VIEWEXPLORE_CIFAR10, reuses the extraction.
    assert torch.equal(load_cifar10(CIFAR_ARCHIVE).test_x, ds.test_x)
    monkeypatch.delenv('VIEWEXPLORE_DATA'); monkeypatch.setenv('VIEWEXPLORE_CIFAR10', str(CIFAR_ARCHIVE))
    corners = load_dataset('cifar10-corners')
    assert corners.name == 'cifar10-corners' and torch.equal(corners.train_y, ds.train_y)
    assert not torch.equal(corners.train_x[:, :, :16, :16], ds.train_x[:, :, :16, :16])
    # pretraining on mosaics, evaluation on clean CIFAR-10 (as the reference code does)
    assert (corners.train_x == ds.train_x).flatten(1).float().mean(1).max() < 0.5
    ev = corners.evaluation_data()
    assert torch.equal(ev.train_x, ds.train_x) and torch.equal(ev.test_x, ds.test_x) and torch.equal(ev.test_y, ds.test_y)


def test_load_cifar10_not_found(clean_env):
    with pytest.raises(DataNotFoundError, match='VIEWEXPLORE_CIFAR10'): load_cifar10()


@needs_fmnist
def test_load_fashion_mnist(clean_env, tmp_path, monkeypatch):
    ds = load_fashion_mnist(FMNIST)
    assert ds.name == 'fashion-mnist' and ds.classes == FASHION_MNIST_CLASSES
    assert ds.train_x.shape == (60000, 1, 28, 28) and ds.test_x.shape == (10000, 1, 28, 28)
    assert ds.train_x.dtype == torch.uint8 and ds.test_y.dtype == torch.int64
    assert torch.bincount(ds.train_y).tolist() == [6000]*10 and torch.bincount(ds.test_y).tolist() == [1000]*10

    # The embedded subset holds exactly the images it says it took from the full dataset, and can be made again.
    with np.load(MINI) as z:
        tr, te = torch.from_numpy(z['train_index'].astype(np.int64)), torch.from_numpy(z['test_index'].astype(np.int64))
    mini = load_fashion_mnist_mini()
    assert torch.equal(mini.train_x, ds.train_x[tr]) and torch.equal(mini.test_y, ds.test_y[te])
    remade = make_fashion_mnist_mini(FMNIST, tmp_path/'mini.npz')
    with np.load(MINI) as a, np.load(remade) as b:
        assert sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in a.files)

    # torchvision's layout, found through VIEWEXPLORE_FASHION_MNIST.
    raw = tmp_path/'tv'/'FashionMNIST'/'raw'; raw.mkdir(parents=True)
    for f in FMNIST.glob('*-ubyte.gz'): (raw/f.name).symlink_to(f)
    monkeypatch.setenv('VIEWEXPLORE_FASHION_MNIST', str(tmp_path/'tv'))
    assert torch.equal(load_dataset('fashion-mnist').test_x, ds.test_x)
