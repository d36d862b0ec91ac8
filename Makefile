# The README's two commands: `make demo` (set up, then pretrain + evaluate on the embedded data)
# and `make test` (set up, then check the notebooks/library sync and run every test; CI runs it).
# `make test-fast` is the developer's loop (about 3 minutes on 2 cores): the sync check, the notebooks without their
# `#| slow` cells, and the pytest tests not marked `slow` or `browser`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= runs/demo

.PHONY: setup demo test test-fast nbtest-fast pytest-fast sync-check nbtest pytest export clean-nbs browser-deps data-deps docs docs-deps gpu-check reproduce reproduce-game

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

# Pretrain a viewmaker + small encoder on the Fashion-MNIST subset shipped in the package, evaluate it,
# and write metrics.json, checkpoint.pt and views.png into $(OUT). About two minutes on 2 CPU cores: two epochs, since
# at this length the kNN accuracy no longer changes after the second (benchmarks/RESULTS.md, 'The main job').
demo: setup
	rm -rf $(OUT)
	$(BIN)/viewexplore pretrain --data fashion-mnist-mini --views viewmaker --objective simclr \
		--epochs 2 --viewmaker-width 16 --probe-epochs 8 --out $(OUT)

test: setup sync-check nbtest browser-deps data-deps docs-deps pytest

test-fast: setup sync-check nbtest-fast pytest-fast

# Fails if nbdev-export or nbdev-clean would change any file: the library must be generated from the notebooks.
sync-check: setup
	scripts/check-sync $(BIN)

# Every notebook cell, the `#| slow` ones included (short trainings of the lessons).
nbtest: setup
	$(BIN)/nbdev-test --n-workers 2 --flags slow --timing

nbtest-fast: setup
	$(BIN)/nbdev-test --n-workers 2

# The browser tests drive JupyterLab in Debian's Chromium (never a downloaded browser). Install it when it is missing and
# we may (root with apt-get); otherwise those tests skip and say why.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; } && \
		echo "browser-deps: installed chromium"; } || echo "browser-deps: no chromium (not root or no apt-get); the browser tests will skip"

# The full Fashion-MNIST tests read Debian's dataset-fashion-mnist (the files torchvision reads). Install it when it is
# missing and we may (root with apt-get); otherwise those tests skip and say why.
data-deps:
	@[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; }; } && \
		echo "data-deps: installed dataset-fashion-mnist"; } || echo "data-deps: no dataset-fashion-mnist (not root or no apt-get); the full Fashion-MNIST tests will skip"

# The documentation site, offline (Quarto, which nbdev-docs needs, is not required): nbdev's notebook processing with
# show_doc (only show_doc cells run; the rest shows the saved outputs), rendered by MkDocs Material into docs/site.
docs: setup docs-deps
	$(BIN)/python scripts/docs

docs-deps: $(VENV)/.installed-docs

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -e '.[docs]'
	touch $@

# Two worker processes for everything but the browser tests (they start JupyterLab and the docs server), then those.
pytest: setup
	$(BIN)/python -m pytest -q -n 2 -m 'not browser' --durations=15 tests
	$(BIN)/python -m pytest -q -m browser tests

pytest-fast: setup
	$(BIN)/python -m pytest -q -n 2 -m 'not slow and not browser' tests

# The prepared GPU check (about 8 minutes on one H100/H200): smoke runs of every method, torchrun with nccl, a
# throughput table with and without bf16 / channels-last / compile, and a time-boxed CIFAR-10 run. Writes
# runs/gpu-check/results.md to paste into benchmarks/RESULTS.md. `--dry-run` is its tiny CPU mode (tested in CI).
gpu-check: setup
	$(BIN)/python benchmarks/gpu_check.py --out runs/gpu-check

# The reproduction scoreboard (benchmarks/scoreboard.py): every CPU row's runs for every seed, then the tables (the
# docs page, the README's and each tutorial's). Resumable: finished runs are skipped, unfinished ones continue from
# their checkpoints. JOBS runs at a time, each on cores / JOBS threads (what two at a time saves, measured on runs
# recorded both ways, is on docs/pages/scoreboard.md). reproduce-game also plays the cheaper games no row reads.
JOBS ?= 2
SCOREBOARD_DATA = VIEWEXPLORE_DATA="$${VIEWEXPLORE_DATA:-$$(cd .. && pwd)/shared/data}"
reproduce: setup data-deps
	$(SCOREBOARD_DATA) $(BIN)/python benchmarks/scoreboard.py run --jobs $(JOBS)
	$(BIN)/python benchmarks/scoreboard.py table

reproduce-game: setup data-deps
	$(SCOREBOARD_DATA) $(BIN)/python benchmarks/scoreboard.py run --game --jobs $(JOBS)
	$(BIN)/python benchmarks/scoreboard.py table

export: setup
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean && scripts/readme
