#!/usr/bin/env bash
# Set up (first time) and run the app on http://localhost:8501 . Data: ./data (SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run serve.py "$@"  # streamlit_app.py behind security headers
