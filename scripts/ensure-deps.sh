#!/usr/bin/env bash
# Installs the locked dependencies when they are missing (a fresh clone), so `npm test` and `npm run demo`
# work as the first command on a new machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/bullmq ] || [ ! -d node_modules/typescript ] || [ ! -d node_modules/jest ]; then
  echo "Installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
# `--browser` (npm test): the ops page's browser test drives Debian's Chromium (playwright-core downloads none).
if [ "${1:-}" = "--browser" ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the ops page's browser test (apt-get install chromium)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary." >&2
    exit 1
  fi
fi
