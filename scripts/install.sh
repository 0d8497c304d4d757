#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there at the right
# version: the wasm32 target, worker-build, the wasm-bindgen CLI matching Cargo.lock, the npm
# packages (wrangler, miniflare, binaryen's wasm-opt, playwright-core), with --python a virtualenv
# holding the official twilio helper library for the compatibility test and, with --browser,
# Debian's chromium for the real-browser tests. Nothing is fetched from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
  say "installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: its lockfile wants a webpki-roots version the registry here lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm ci wipes node_modules; a stamp of the lockfile it installed lets later runs skip it.
if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.installed-lock.json
fi

PYTHON=false BROWSER=false
for arg in "$@"; do
  case "$arg" in
    --python) PYTHON=true ;;
    --browser) BROWSER=true ;;
  esac
done

# The real-browser tests drive Debian's chromium through playwright-core (never a downloaded
# browser). Run as root, as CI and these machines do.
if $BROWSER && [[ ! -x /usr/bin/chromium ]]; then
  say "installing Debian's chromium for the browser tests (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi

if $PYTHON; then
  if ! cmp -s tests/compat/requirements.txt .venv/installed-requirements.txt 2>/dev/null; then
    say "creating .venv with $(tr '\n' ' ' < tests/compat/requirements.txt)"
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/compat/requirements.txt
    cp tests/compat/requirements.txt .venv/installed-requirements.txt
  fi
fi
