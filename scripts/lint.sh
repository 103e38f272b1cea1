#!/usr/bin/env bash
# Lint and type-check from the repo's venv: ruff check, ruff format --check, mypy (its
# files and options are [tool.mypy] in pyproject.toml). Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
"$BIN/ruff" check assistant ui tests benchmarks
"$BIN/ruff" format --check assistant ui tests benchmarks
"$BIN/mypy"
