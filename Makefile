# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p instance
	$(BIN)/tracker db upgrade heads
	$(BIN)/tracker seed demo --if-empty
	@echo "Демо-входы (пароль demo): admin@demo.local, koordinator@demo.local, ispolnitel@demo.local, shkola1@demo.local"
	@echo "Откройте http://127.0.0.1:$(PORT)"
	$(BIN)/tracker scheduler & SCHED=$$!; trap "kill $$SCHED 2>/dev/null" EXIT INT TERM; \
	$(BIN)/tracker run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check tracker tests config.py

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
