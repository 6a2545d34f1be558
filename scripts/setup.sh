#!/usr/bin/env bash
# Set up everything the project needs on a Debian machine: Debian's Chromium (for picture export and the
# browser tests) and a virtual environment in .venv with the project installed. Safe to run again: it only
# does what is missing. With --test it also installs the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="serve,docx,postgres"
[ "${1:-}" = "--test" ] && extras="serve,docx,postgres,test"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed (python3 is $(python3 --version 2>&1))" >&2; exit 1; }

packages=()
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
command -v chromium >/dev/null 2>&1 || packages+=(chromium fonts-liberation fonts-dejavu-core)
# The tests start a throwaway PostgreSQL server of their own (tests/pg.py).
if [ "${1:-}" = "--test" ] && ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${extras//,/-}"
if [ ! -e "$stamp" ]; then
  echo "setup: installing the project into .venv ($extras)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
