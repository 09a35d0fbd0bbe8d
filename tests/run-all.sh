#!/usr/bin/env bash
# Every test this project has, on a fresh Debian machine: finds or starts PostgreSQL, NATS and
# Chromium (tests/support/services.sh), then typecheck, lint, vitest on PGlite and PostgreSQL,
# a production build and Playwright. `npm run test:all`; CI (.ci/run) calls the same.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

# shellcheck source=tests/support/services.sh
source tests/support/services.sh

step() { printf '\n==> %s\n' "$*"; }

step "typecheck"
npm run typecheck

step "lint"
npm run lint

step "tests (PGlite and PostgreSQL)"
mkdir -p test-results
set +e
npm test -- --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
status=$?
set -e
node -e '
  const r = require("./test-results/vitest.json");
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
[ "$status" -eq 0 ] || exit "$status"

step "production build"
npm run build

step "end-to-end tests (Playwright, Chromium, production server on embedded PGlite)"
npm run test:e2e

step "done"
