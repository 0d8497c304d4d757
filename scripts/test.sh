#!/usr/bin/env bash
# Every test: installs what is missing, runs the host tests (core, and the connector spec against
# the router), lints (host and wasm32), lints the connector spec, builds the worker once, runs
# the wasm32 tests under node, checks that `wrangler deploy` bundles it, then runs the
# end-to-end suite against the built worker in workerd (Miniflare, real local KV and Durable
# Objects), which includes the official twilio Python library and schemathesis driving it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
bash scripts/install.sh --python --browser

echo "== host tests (cargo test)"
cargo test --workspace --quiet

echo "== lints (cargo clippy, warnings denied, host and wasm32)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p edge-verify --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

echo "== connector spec lint (redocly, spectral)"
npx --no-install redocly lint connector-spec/openapi.yaml
npx --no-install spectral lint connector-spec/openapi.yaml connector-spec/power-automate/apiDefinition.swagger.json --ruleset .spectral.yaml --fail-severity=warn

echo "== release build (worker-build)"
bash scripts/build.sh > .build.log 2>&1 || { cat .build.log; exit 1; }
rm -f .build.log
printf 'wasm: %s bytes raw, %s bytes gzip\n' "$(wc -c < build/index_bg.wasm)" "$(gzip -9c build/index_bg.wasm | wc -c)"

echo "== wasm32 tests (wasm-bindgen-test under node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p edge-verify --test wasm

echo "== deploy bundle (wrangler deploy --dry-run, offline)"
# The same configuration without its [build] step: the worker was just built.
mkdir -p .test-tmp
sed '/^\[build\]/,/^$/d' wrangler.toml > .test-tmp/wrangler.toml
sed -i 's|^main = "|main = "../|' .test-tmp/wrangler.toml
sed -i 's|^migrations_dir = "|migrations_dir = "../|' .test-tmp/wrangler.toml
npx --no-install wrangler deploy --dry-run --config .test-tmp/wrangler.toml --outdir "$PWD/.test-tmp/deploy" 2>&1 | grep -E "Total Upload|error|Error" || true
test -s .test-tmp/deploy/entry.js && ls .test-tmp/deploy/*.wasm > /dev/null

echo "== end-to-end tests (workerd via Miniflare)"
node --test --test-concurrency=2 tests/e2e/
