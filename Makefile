# The two commands of the README: `make demo` and `make test`. Both build the venv they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_INDEX ?= .demo-index

.PHONY: demo test test-slow bench bench-extraction bench-entities train-entities install clean

# The stamp depends on the packaging files, so a changed dependency list reinstalls.
$(VENV)/.stamp-install: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-install
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.stamp-install

demo: $(VENV)/.stamp-install
	$(BIN)/polsearch demo --index $(DEMO_INDEX)

test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -q -m slow

# The pipeline on 2,000 pages, then queries on a 100,000-document index beside SQLite FTS5 (BENCH_DOCS).
BENCH_DOCS ?= 100000
bench: $(VENV)/.stamp-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.scale --docs $(BENCH_DOCS)

bench-extraction: $(VENV)/.stamp-test
	$(BIN)/python -m bench.extraction

# The entity CRF: trained on the open data of ../shared/data/ner-open (fixed seed), written to corpus/data,
# then scored on the held-out split. Not part of `make test`, which loads the shipped model.
train-entities: $(VENV)/.stamp-install
	$(BIN)/python -m bench.train_entities

bench-entities: $(VENV)/.stamp-install
	$(BIN)/python -m bench.entities

clean:
	rm -rf $(VENV) $(DEMO_INDEX) build *.egg-info .pytest_cache .hypothesis
