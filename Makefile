# bounceflow: the two commands of the README, and a few helpers.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install demo test lint types unit run migrate clean bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy shared services tests bench demo

test: lint types
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

migrate: install
	$(BIN)/bounceflow migrate

demo: install
	bash deploy/local-services.sh
	$(PY) -m demo

# The three services as separate processes in the foreground, until Ctrl-C.
run: install
	$(BIN)/bounceflow migrate
	trap 'kill -TERM 0' INT TERM; \
	$(BIN)/bounceflow ingest & $(BIN)/bounceflow processor & $(BIN)/bounceflow notifier & \
	wait

bench: install
	$(PY) bench/pipeline.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
