"Tests of viewexplore.audio and viewexplore.sensors: malformed inputs, the PAMAP2 file format, and the real data where present."
import time, wave
from pathlib import Path

import numpy as np
import pytest
import torch

from viewexplore.core import DataNotFoundError, InputError
from viewexplore.audio import (FSDD_ARCHIVE, FSDD_CLASSES, FSDD_PATTERN, LogMelSpectrogram, SpecAugment, WaveformViews,
                               load_fsdd, load_wav_folder, read_wav)
from viewexplore.data import load_dataset
from viewexplore.sensors import (HAPT_CLASSES, HAPT_FILE, HAPT_SPLITS, PAMAP2_ACTIVITIES, SensorSpectrogram, load_hapt,
                                 load_pamap2, one_subject_labels, read_pamap2, spectral_mask_views)

SHARED = Path(__file__).resolve().parents[1].parent/'shared'/'data'   # ../shared/data from the repository root
needs_fsdd = pytest.mark.skipif(not (SHARED/FSDD_ARCHIVE).is_file(), reason=f"FSDD archive not found at {SHARED/FSDD_ARCHIVE}")
needs_hapt = pytest.mark.skipif(not (SHARED/HAPT_FILE).is_file(), reason=f"HAPT file not found at {SHARED/HAPT_FILE}")


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    "A fresh cache folder and no dataset environment variables."
    for v in ('VIEWEXPLORE_DATA', 'VIEWEXPLORE_FSDD', 'VIEWEXPLORE_HAPT', 'VIEWEXPLORE_PAMAP2'): monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv('VIEWEXPLORE_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'


def write_wav(path, a, sr=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr)
        w.writeframes(np.round(np.asarray(a)*32767).astype('<i2').tobytes())


def tone(hz, sr=8000, seconds=0.5):
    return 0.5*np.sin(2*np.pi*hz*np.arange(int(sr*seconds))/sr)


# ---- speech -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('content, message', [
    (b'RIFF\x24\x00\x00\x00WAVEjunkjunkjunk', 'damaged or not a WAV file'),   # a RIFF header without fmt/data chunks
    (b'just some text', 'damaged or not a WAV file'),
    (b'', 'damaged or not a WAV file'),
])
def test_read_wav_malformed(tmp_path, content, message):
    f = tmp_path/'bad.wav'; f.write_bytes(content)
    with pytest.raises(InputError, match=message) as e: read_wav(f)
    assert str(f) in str(e.value)


def test_read_wav_truncated_and_missing(tmp_path):
    write_wav(tmp_path/'ok.wav', tone(440))
    (tmp_path/'cut.wav').write_bytes((tmp_path/'ok.wav').read_bytes()[:-100])
    with pytest.raises(InputError, match='cut.wav is truncated'): read_wav(tmp_path/'cut.wav')
    with pytest.raises(DataNotFoundError, match='No WAV file'): read_wav(tmp_path/'gone.wav')
    a, sr = read_wav(tmp_path/'ok.wav')
    assert sr == 8000 and a.dtype == np.float32 and np.allclose(a, tone(440), atol=1e-4)


def test_wav_folder_with_a_corrupt_file_names_it(tmp_path):
    for spk in ('amy', 'bob'):
        for i in range(3):
            for dg, hz in (('0', 300), ('1', 1200)): write_wav(tmp_path/'rec'/f'{dg}_{spk}_{i}.wav', tone(hz))
    ds = load_wav_folder(tmp_path/'rec', FSDD_PATTERN, split='speaker:bob')
    assert ds.train_x.shape == (6, 1, 64, 64) and ds.test_x.shape == (6, 1, 64, 64)
    assert ds.group_names == ['amy', 'bob'] and ds.test_groups.unique().tolist() == [1]
    (tmp_path/'rec'/'1_bob_9.wav').write_bytes(b'RIFF\x00\x00\x00\x00WAVEfmt ')
    with pytest.raises(InputError, match='1_bob_9.wav'): load_wav_folder(tmp_path/'rec', FSDD_PATTERN)


def test_wav_folder_resamples_other_rates(tmp_path):
    write_wav(tmp_path/'a'/'low'/'x.wav', tone(500)); write_wav(tmp_path/'a'/'low'/'y.wav', tone(500, sr=16000), sr=16000)
    write_wav(tmp_path/'a'/'high'/'x.wav', tone(2500))
    ds = load_wav_folder(tmp_path/'a', test_fraction=0)
    low = ds.train_x[ds.train_y == ds.classes.index('low')]
    # the same tone recorded at 8 and 16 kHz gives the same spectrogram (but at the clicks where it starts and stops,
    # whose highest frequencies the 16 kHz recording loses in the resampling low-pass filter)
    assert torch.allclose(low[0][..., 18:46], low[1][..., 18:46], atol=0.01)


def test_waveform_views_train_resume_and_draw(tmp_path):
    "Time-domain views in the trainer: batches of raw signals, views made into spectrograms, exact resume, a views figure."
    from viewexplore.train import Pretrainer, PretrainConfig
    from viewexplore.cli import _views_figure
    for spk in ('amy', 'bob', 'cat'):
        for i in range(4):
            for dg, hz in (('0', 300), ('1', 1200), ('2', 2500)): write_wav(tmp_path/'rec'/f'{dg}_{spk}_{i}.wav', tone(hz + 10*i))
    ds = load_wav_folder(tmp_path/'rec', FSDD_PATTERN, split='speaker:cat')
    cfg = PretrainConfig(data='tones', views='waveform', epochs=2, batch_size=8, encoder='small', embedding_dim=16, seed=1,
                         probe_epochs=1)
    tr = Pretrainer(cfg, data=ds, progress=False)
    assert tr.train_x.shape == ds.train_raw.shape and tr.viewmaker is None
    v = tr.views(ds.train_raw[:4])
    assert v.shape == ds.train_x[:4].shape and not torch.allclose(v, ds.train_x[:4])   # views are spectrograms, and differ
    tr = Pretrainer(cfg, data=ds, progress=False); tr.fit()                             # uninterrupted
    cut = Pretrainer(cfg, data=ds, out_dir=tmp_path/'run', progress=False); cut.fit(max_steps=2); cut.save_checkpoint()
    resumed = Pretrainer.from_checkpoint(tmp_path/'run'/'checkpoint.pt', data=ds, progress=False); resumed.fit()
    for a, b in zip(tr.encoder.state_dict().values(), resumed.encoder.state_dict().values()): assert torch.equal(a, b)
    _views_figure(tr, tmp_path/'views.png')
    assert (tmp_path/'views.png').read_bytes()[:4] == b'\x89PNG'
    with pytest.raises(InputError, match='raw signals'):
        import dataclasses
        Pretrainer(cfg, data=dataclasses.replace(ds, train_raw=None, test_raw=None), progress=False)
    from viewexplore.views import make_views
    with pytest.raises(InputError, match='fsdd'): make_views('waveform', 3, (32, 32))


@needs_fsdd
def test_fsdd_real(capsys):
    t = time.perf_counter(); ds = load_fsdd(SHARED/FSDD_ARCHIVE); took = time.perf_counter() - t
    assert ds.train_x.shape == (2700, 1, 64, 64) and ds.test_x.shape == (300, 1, 64, 64) and ds.classes == FSDD_CLASSES
    assert ds.train_x.dtype == torch.float32 and ds.train_y.dtype == torch.int64
    assert torch.bincount(ds.test_y).tolist() == [30]*10 and len(ds.group_names) == 6
    assert abs(float(ds.train_x.mean())) < 1e-4 and abs(float(ds.train_x.std()) - 1) < 1e-3
    assert ds.train_raw.shape == (2700, 1, 7875) and ds.sample_rate == 8000
    assert torch.allclose(ds.features(ds.train_raw[:16]), ds.train_x[:16], atol=1e-4)
    v = WaveformViews.from_dataset(ds)(ds.train_raw[:32])
    assert v.shape == (32, 1, 64, 64) and torch.isfinite(v).all()
    assert SpecAugment()(ds.train_x[:32]).shape == (32, 1, 64, 64)
    s = ds.subset(500, 100, seed=0)
    assert torch.bincount(s.train_y).tolist() == [50]*10 and s.train_raw.shape[0] == 500
    held = load_dataset('fsdd:speaker:jackson', root=SHARED/FSDD_ARCHIVE)   # held-out speaker, as the command line writes it
    assert {held.group_names[i] for i in held.test_groups.unique().tolist()} == {'jackson'} and len(held.test_x) == 500
    assert 'jackson' not in {held.group_names[i] for i in held.train_groups.unique().tolist()}
    with capsys.disabled(): print(f"\nload_fsdd: {took:.1f} s")


# ---- wearable sensors ---------------------------------------------------------------------------------------------

def write_pamap2(path, activities=(1, 0, 4), seconds=12., seed=0):
    "A file in the PAMAP2 Protocol format: 54 space-separated columns, 100 Hz, NaN for missing values."
    rng = np.random.default_rng(seed); n = int(seconds*100)
    act = np.repeat(activities, n); T = len(act)
    a = np.empty((T, 54)); a[:, 0] = np.arange(T)/100; a[:, 1] = act
    a[:, 2] = np.where(np.arange(T) % 11 == 0, 80 + rng.standard_normal(T), np.nan)
    a[:, 3:] = rng.standard_normal((T, 51))
    a[T//2:T//2 + 30, 4:10] = np.nan
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(' '.join('NaN' if np.isnan(v) else f'{v:.6g}' for v in r) for r in a) + '\n')
    return a


def test_pamap2_format(tmp_path):
    write_pamap2(tmp_path/'Protocol'/'subject101.dat'); write_pamap2(tmp_path/'Protocol'/'subject106.dat', (4, 0, 24), seed=1)
    a = read_pamap2(tmp_path/'Protocol'/'subject101.dat')
    assert a.shape == (3600, 54) and a.dtype == np.float32 and np.isnan(a[:, 2]).sum() == 3600 - 328
    ds = load_pamap2(tmp_path, split='subject:6', window=2., hop=1., transform=SensorSpectrogram(63, 6, 32), keep_raw=True)
    assert ds.train_x.shape == (2*11, 52, 32, 32) and ds.test_x.shape == (2*11, 52, 32, 32)   # 11 windows of 2 s in 12 s, activity 0 dropped
    assert ds.classes == list(PAMAP2_ACTIVITIES.values()) and ds.group_names == ['1', '6']
    assert sorted(ds.test_y.unique().tolist()) == [3, 11]   # walking, rope jumping
    assert torch.isfinite(ds.train_raw).all() and torch.isfinite(ds.test_x).all()
    assert torch.allclose(ds.train_x.mean((0, 2, 3)), torch.zeros(52), atol=1e-4)
    one = one_subject_labels(ds, 1)
    assert len(one.train_x) == len(ds.train_x) and torch.equal(one.norm_std, ds.norm_std)
    with pytest.raises(InputError, match='not in the data'): load_pamap2(tmp_path)   # the paper's split needs subjects 1-9
    with pytest.raises(DataNotFoundError, match='VIEWEXPLORE_PAMAP2'): load_pamap2()


@pytest.mark.parametrize('edit, message', [
    (lambda ls: ls[:4] + [' '.join(ls[4].split()[:50])] + ls[5:], r'line 5: 50 columns, but a PAMAP2 file has 54'),
    (lambda ls: ls[:7] + [ls[7].replace('NaN', 'n/a', 1)] + ls[8:], r"line 8, column 3 \(heart_rate\): 'n/a' is not a number"),
    (lambda ls: [' '.join(l.split()[:53]) for l in ls], r'line 1: 53 columns'),
])
def test_pamap2_malformed(tmp_path, edit, message):
    write_pamap2(tmp_path/'good'/'subject101.dat', seconds=0.2)
    lines = (tmp_path/'good'/'subject101.dat').read_text().splitlines()
    f = tmp_path/'bad'/'subject101.dat'; f.parent.mkdir(); f.write_text('\n'.join(edit(lines)) + '\n')
    with pytest.raises(InputError, match=message) as e: read_pamap2(f)
    assert str(f) in str(e.value)
    with pytest.raises(InputError, match=message): load_pamap2(tmp_path/'bad', split=([1], []))


def test_pamap2_all_nan_channel(tmp_path):
    a = write_pamap2(tmp_path/'src'/'subject101.dat', seconds=3.)
    a[:, 20] = np.nan   # the chest IMU's temperature (file column 21) is empty
    f = tmp_path/'bad'/'subject101.dat'; f.parent.mkdir()
    f.write_text('\n'.join(' '.join('NaN' if np.isnan(v) else f'{v:.6g}' for v in r) for r in a) + '\n')
    with pytest.raises(InputError, match=r'subject101.dat: chest_temperature \(column 21\) has no valid values'):
        load_pamap2(tmp_path/'bad', split=([1], []), window=1., transform=SensorSpectrogram(63, 3, 32))


@needs_hapt
def test_hapt_real(capsys):
    t = time.perf_counter(); ds = load_hapt(SHARED/HAPT_FILE); took = time.perf_counter() - t
    assert ds.train_x.shape == (3363, 6, 32, 32) and ds.test_x.shape == (1342, 6, 32, 32) and ds.classes == HAPT_CLASSES
    assert ds.train_raw.shape == (3363, 6, 250) and ds.sample_rate == 50
    test_subjects = {int(ds.group_names[i]) for i in ds.test_groups.unique().tolist()}
    train_subjects = {int(ds.group_names[i]) for i in ds.train_groups.unique().tolist()}
    assert test_subjects == set(HAPT_SPLITS['uci'][1]) and train_subjects == set(HAPT_SPLITS['uci'][0])
    assert torch.allclose(ds.train_x.mean((0, 2, 3)), torch.zeros(6), atol=1e-4)
    assert torch.allclose(ds.features(ds.test_raw[:8]), ds.test_x[:8], atol=1e-3)
    v = spectral_mask_views(noise_std=0.1)(ds.train_x[:64])
    assert v.shape == (64, 6, 32, 32)
    loso = load_hapt(SHARED/HAPT_FILE, split='subject:1', keep_raw=False)
    assert {loso.group_names[i] for i in loso.test_groups.unique().tolist()} == {'1'} and loso.train_raw is None
    cli = load_dataset('hapt:subject:9,10', root=SHARED/HAPT_FILE)
    assert {cli.group_names[i] for i in cli.test_groups.unique().tolist()} == {'9', '10'}
    with capsys.disabled(): print(f"\nload_hapt: {took:.1f} s")
