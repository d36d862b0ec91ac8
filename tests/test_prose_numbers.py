"""Numbers quoted in the lessons' and tutorials' prose agree with what produced them (tests/prose_numbers.py says how):
a stale sentence, or a number typed without a source, fails here."""
from pathlib import Path
import pytest
from prose_numbers import ROOT, quoted, unsourced, matches

NOTEBOOKS = sorted((ROOT / 'nbs').glob('*.ipynb')) + sorted((ROOT / 'nbs' / 'tutorials').glob('*.ipynb'))


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(ROOT / 'nbs')) for p in NOTEBOOKS])
def test_every_number_in_the_prose_has_a_source(nb):
    bad = unsourced(nb)
    assert not bad, (f"{nb.relative_to(ROOT)} quotes {bad} in its prose, but no saved output, result file it reads, "
                     "code literal, paper number (nbs/tutorials/results/papers.json) or hidden test cell holds them: "
                     "fix the sentence, or assert the number in a hidden test cell that reads its result file")


def test_the_checker_finds_numbers_and_their_sources():
    assert quoted('loss 0.029 and 62.4% of |delta|, 300 steps, `x = 0.5`, $10^{-4}$') == [('0.029', False),
                                                                                        ('62.4', True)]
    assert quoted('between 62.4-69.6% from step 80') == [('62.4', True), ('69.6', True)]
    assert matches('19.6', False, [19.62683]) and not matches('19.6', False, [19.66])
    assert matches('62.4', True, [0.62426])          # a fraction quoted as a percentage
    assert not matches('3.74', False, [3.6587, 3.66])


def test_a_stale_sentence_fails(tmp_path):
    "A notebook whose prose quotes a number its result file does not hold is caught."
    import json
    (tmp_path / 'results').mkdir()
    (tmp_path / 'results' / 'r.json').write_text(json.dumps({'ratio': 19.627}))
    nb = dict(cells=[dict(cell_type='code', source=["r = json.load(open('results/r.json'))"], outputs=[]),
                     dict(cell_type='markdown', source=['The viewmaker keeps its loss 30.0 times the noise loss.'])])
    p = tmp_path / 'lesson.ipynb'
    p.write_text(json.dumps(nb))
    assert unsourced(p) == ['30.0']
    nb['cells'][1]['source'] = ['The viewmaker keeps its loss 19.6 times the noise loss.']
    p.write_text(json.dumps(nb))
    assert unsourced(p) == []
