# Two commands: `make run` installs and starts the assistant; `make test` installs the test
# dependencies and runs the tests. Both work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860
PYTEST_ARGS ?=
# llama-cpp-python compiles llama.cpp from source. Built with -march=native on a CPU with AMX
# (AMX_INT8 = 1 in its log), its AMX weight repacking crashes the first inference (a general
# protection fault in libggml-cpu; ggml-org/llama.cpp#20824): build for AVX2 without AMX.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
  -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: run test install install-test browser postgres lint clean-index

## Install the assistant and open the browser chat (builds the index from seeds/ first).
run: install
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

## Install test dependencies (Python packages, Debian chromium and postgresql), lint and
## type-check (ruff check, ruff format --check, mypy), then run every test.
test: install-test
	bash scripts/run-tests.sh $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python browser postgres
	@# built here, not taken from pip's wheel cache: a cached wheel may be a native AMX build
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
	  $(BIN)/pip install --quiet --no-cache-dir 'llama-cpp-python[server]==0.3.36'
	$(BIN)/pip install --quiet -e '.[test]'

## Debian's chromium for the real-browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

## Debian's PostgreSQL server binaries for the shared-ledger tests (they run their own server
## on a temporary folder and a loopback port; the packaged cluster is not used).
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; }

## ruff check, ruff format --check and mypy only (make test runs them first as well).
lint: install-test
	VENV=$(VENV) bash scripts/lint.sh

clean-index:
	find index -mindepth 1 ! -name README.md -exec rm -rf {} +
