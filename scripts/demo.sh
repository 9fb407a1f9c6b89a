#!/usr/bin/env bash
# `npm run demo [-- --once]`: installs what is missing, checks/starts MariaDB and Redis, builds, then runs
# the whole pipeline on the shipped UCI data through the API and the queues (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# Asking for the usage starts no service.
case " $* " in *" --help "* | *" -h "*) ;; *) bash scripts/ensure-services.sh ;; esac
npm run build --silent
exec node dist/scripts/demo.js "$@"
