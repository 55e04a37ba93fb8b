# Everything runs inside a local virtual environment (.venv) that `make install` creates.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MANIFEST := policies_sample/manifest.json

.PHONY: install run test test-slow test-browser test-all check format bench bench-ingest bench-store bench-ask bench-hybrid bench-answers bench-embed bench-reingest bench-ui samples eval-redaction redaction-set clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first, so nothing pulls a multi-GB GPU build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,ui]'
	touch $(STAMP)

install: $(STAMP)

## Set up and serve the web app on 127.0.0.1:8501 (settings: app.host, app.port); the sample
## policies are ingested on first start.
run: install
	$(BIN)/copilot serve

## Set up and run the default test suite, with lint and type checks.
test: install check
	$(BIN)/python -m pytest

## The slow suites (killed-process crash tests, real-corpus ingestion).
test-slow: install
	$(BIN)/python -m pytest -m slow

## End-to-end tests in Debian's Chromium (screenshots in test-artifacts/browser/).
test-browser: install
	@test -x /usr/bin/chromium || { echo "Chromium is missing: apt-get install chromium"; exit 1; }
	$(BIN)/python -m pytest -m browser

test-all: test test-slow test-browser

check: install
	$(BIN)/ruff check app ingest evals benchmarks tests policies_sample
	$(BIN)/ruff format --check app ingest evals benchmarks tests policies_sample
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix app ingest evals benchmarks tests policies_sample
	$(BIN)/ruff format app ingest evals benchmarks tests policies_sample

## Benchmarks: ingestion (make bench-ingest ARGS="path/to/folder ...") and the store modes
## side by side at 1k, 10k and 50k chunks (make bench-store ARGS="--sizes 1000,10000").
bench: bench-ingest bench-store

bench-ingest: install
	$(BIN)/python -m benchmarks.ingest $(ARGS)
	$(BIN)/python -m benchmarks.reingest

## A long generated guide ingested, then new versions with 1%, 2%, 5% and 10% of its paragraphs
## edited (ARGS="--changed 0.05 --repeat 1" for one share, once).
bench-reingest: install
	$(BIN)/python -m benchmarks.reingest $(ARGS)

bench-store: install
	$(BIN)/python -m benchmarks.store $(ARGS)

bench-ask: bench-store

## Embedding backends side by side: torch, ONNX, ONNX int8 (chunks/s, one question, drift).
bench-embed: install
	$(BIN)/python -m benchmarks.embed $(ARGS)

## Dense against hybrid retrieval (make bench-hybrid ARGS="--corpus path/to/regulations").
bench-hybrid: install
	$(BIN)/python -m benchmarks.hybrid $(ARGS)

## The real-text question set through the service (make bench-answers ARGS="--corpus path/to/regulations").
bench-answers: install
	$(BIN)/python -m benchmarks.answers $(ARGS)

## The web app in Chromium: first page, question to cited answer, opening a citation, a marker click to its page drawn.
bench-ui: install
	$(BIN)/python -m benchmarks.ui

## Redaction recall per type and false redaction on evals/redaction.jsonl, through the service.
eval-redaction: install
	$(BIN)/copilot eval --redaction

## Regenerate evals/redaction.jsonl from its seed (Faker); CHECK=1 only compares.
redaction-set: install
	$(BIN)/python -m evals.redaction_set $(if $(CHECK),--check)

## Rebuild the sample policy PDFs from policies_sample/src.
samples: install
	$(BIN)/python policies_sample/build_pdfs.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
