#!/usr/bin/env bash
# Set up (first time) and run every check: lint, unit, property, AppTest and browser tests.
# Installs what the tests need from Debian (Chromium, poppler, PostgreSQL, Node.js), PyPI and npm
# (tests/fhir_tools, pinned by its lock file); never downloads
# a browser. The storage tests run on SQLite and on a throwaway PostgreSQL server started here
# (scripts/postgres.sh) and removed when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check .
# Independent FHIR checkers (official R4 schema, Medplum's validator and in-memory server, LHC-Forms),
# pinned by tests/fhir_tools/package-lock.json; reinstalled only when the lock file changes.
fhir_tools=tests/fhir_tools
if ! cmp -s "$fhir_tools/package-lock.json" "$fhir_tools/node_modules/.package-lock.json.installed" 2>/dev/null; then
  npm ci --prefix "$fhir_tools" --legacy-peer-deps --no-audit --no-fund --loglevel=error >/dev/null
  cp "$fhir_tools/package-lock.json" "$fhir_tools/node_modules/.package-lock.json.installed"
fi
.venv/bin/lint-imports --no-cache   # import contracts (pyproject.toml: tool.importlinter)
.venv/bin/mypy                      # types: reasoning core, storage, practice, reports (pyproject.toml: tool.mypy)
# axe-core for the accessibility checks in the browser tests, into its own project folder (lock file pinned)
[ -f tests/e2e/axe/node_modules/axe-core/axe.min.js ] || npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/intake-pg.XXXXXX")
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
TEST_DATABASE_URL=$(scripts/postgres.sh start "$pgdir")
export TEST_DATABASE_URL INTAKE_REQUIRE_POSTGRES=1
.venv/bin/python -m pytest "$@"
