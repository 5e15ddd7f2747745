# The two commands of the README: `make demo` and `make test`. Both build the venv they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The replay clients the archive tests run as programs (pywb, cdxj-indexer, wacz, warcio): a venv of
# their own, never installed with polsearch (pywb is GPL-3; cdxj-indexer needs surt, AGPL).
TOOLS  ?= .venv-tools
DEMO_INDEX ?= .demo-index

.PHONY: demo test test-slow bench bench-extraction bench-crossval tune-dates bench-entities train-entities install clean

# The stamp depends on the packaging files, so a changed dependency list reinstalls.
$(VENV)/.stamp-install: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-install
	$(BIN)/python -m pip install --quiet -e '.[test,cluster]'
	touch $@

$(TOOLS)/.stamp: tests/replay-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r tests/replay-tools.txt
	touch $@

install: $(VENV)/.stamp-install

demo: $(VENV)/.stamp-install
	$(BIN)/polsearch demo --index $(DEMO_INDEX)

test: $(VENV)/.stamp-test $(TOOLS)/.stamp
	POLSEARCH_REPLAY_TOOLS=$(abspath $(TOOLS))/bin $(BIN)/python -m pytest -q -m "not slow"

test-slow: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -q -m slow

# The pipeline on 2,000 pages, `serve`'s results page on them, then queries at 10,000, 100,000 and 300,000
# documents beside SQLite FTS5 (BENCH_DOCS), then sharded indexes and a Dask cluster of 1 and 2 workers.
BENCH_DOCS ?= 10000 100000 300000
bench: $(VENV)/.stamp-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.serve
	$(BIN)/python -m bench.scale --docs $(BENCH_DOCS)
	$(BIN)/python -m bench.cluster

bench-extraction: $(VENV)/.stamp-test
	$(BIN)/python -m bench.extraction

# Tuning judged on sites held out: k folds by site over extraction-dev, beside trafilatura and htmldate.
CV_FOLDS ?= 5
bench-crossval: $(VENV)/.stamp-test
	$(BIN)/python -m bench.crossval --folds $(CV_FOLDS)

# The date evidence's weights: each kind's precision measured on extraction-dev, written to corpus/data
# (the cross-validated report beside it scores the same measurement made on other sites only).
tune-dates: $(VENV)/.stamp-test
	$(BIN)/python -m bench.crossval --folds $(CV_FOLDS) --write-date-weights

# The entity CRF: trained on the open data of ../shared/data/ner-open (fixed seed), written to corpus/data,
# then scored on the held-out split. Not part of `make test`, which loads the shipped model.
# one BLAS thread: the word clusters (bench/clusters.py) come out the same on every machine
train-entities: $(VENV)/.stamp-install
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m bench.train_entities

bench-entities: $(VENV)/.stamp-install
	$(BIN)/python -m bench.entities

clean:
	rm -rf $(VENV) $(TOOLS) $(DEMO_INDEX) build *.egg-info .pytest_cache .hypothesis
