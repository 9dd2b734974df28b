#!/usr/bin/env bash
# Runs Siar's whole test suite on a fresh Debian machine: installs what the tests
# need (Debian's chromium; playwright-core from the lockfile), then format and lint
# checks, every Rust test on SQLite and PostgreSQL, and the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1; then
  step "Installing Debian's chromium for the browser test"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

step "Installing playwright-core from the lockfile"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

step "Checking PostgreSQL on 127.0.0.1:5432"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "PostgreSQL is reachable: storage tests run on SQLite and PostgreSQL."
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL is unreachable at 127.0.0.1:5432 and CI is set: failing." >&2
  exit 1
else
  echo "NOTICE: PostgreSQL is unreachable at 127.0.0.1:5432; PostgreSQL tests will be skipped."
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

step "Browser test (Chromium)"
cargo build --locked -p siar --bin siar
(cd tests/browser && node --test --test-reporter=spec)
echo "Screenshots: target/screenshots/"
