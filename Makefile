# Two entry points (see README): `make run` and `make test`. Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/chemo-fallback serve --demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(NAMES)

demo-snapshot: $(STAMP)
	rm -rf snapshots/demo
	$(BIN)/chemo-fallback snapshot generate --out snapshots/demo --patients 60 --seed 2026

.PHONY: install run test bench demo-snapshot
