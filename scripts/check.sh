#!/usr/bin/env bash
# Every check CI runs, in order: lint (with complexity), formatting, strict types, then the whole test suite.
# Extra arguments go to pytest (e.g. `scripts/check.sh -m "not browser"`).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(dashboard tests benchmarks scripts)
.venv/bin/ruff check "${paths[@]}"
.venv/bin/ruff format --check "${paths[@]}"
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
