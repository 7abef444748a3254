#!/usr/bin/env bash
# Makes the virtualenv that bench/_localstripe.py runs localstripe from (the stripe client
# itself runs in the project's interpreter). Pinned to the set that was checked to work with
# stripe 16.1.0 on CPython 3.11. Safe to re-run: it rebuilds the venv from scratch.
#
#   bash bench/localstripe_setup.sh                 # -> /tmp/localstripe-venv
#   LOCALSTRIPE_VENV=/some/dir PYTHON=python3.12 bash bench/localstripe_setup.sh
set -euo pipefail

VENV="${LOCALSTRIPE_VENV:-/tmp/localstripe-venv}"
PYTHON="${PYTHON:-python3}"

"$PYTHON" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    localstripe==1.15.10 \
    aiohttp==3.14.5 \
    aiohappyeyeballs==2.7.1 \
    aiosignal==1.4.0 \
    attrs==26.1.0 \
    frozenlist==1.8.0 \
    idna==3.20 \
    multidict==7.2.1 \
    propcache==0.5.4 \
    python-dateutil==4.0.0 \
    typing_extensions==4.16.0 \
    tzdata==2026.6 \
    yarl==1.25.1
"$VENV/bin/python" -c "import localstripe.server; print('localstripe ready in $VENV')"
