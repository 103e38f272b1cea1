#!/usr/bin/env bash
# Lint and type-check (scripts/lint.sh), then run the test suite from the repo's venv.
# A lint or type error fails the run before any test; "no tests collected" (pytest exit 5)
# is a failure too.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh || exit $?
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$code"
