#!/usr/bin/env bash
# Installs the locked dependencies when they are missing (a fresh clone), so `npm test` and `npm run demo`
# work as the first command on a new machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/bullmq ] || [ ! -d node_modules/typescript ] || [ ! -d node_modules/jest ]; then
  echo "Installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
