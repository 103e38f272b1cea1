#!/usr/bin/env bash
# Lint and type-check from the repo's venv: ruff check, ruff format --check, mypy (its
# files and options are [tool.mypy] in pyproject.toml). Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
"$BIN/ruff" check assistant ui tests benchmarks
"$BIN/ruff" format --check assistant ui tests benchmarks
# mypy is advisory until the merged tree is clean (25 errors left, issue 13): it prints
# its findings but does not fail the run yet.
"$BIN/mypy" || echo "mypy: errors above (advisory for now, see issue 13)" >&2
