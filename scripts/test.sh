#!/usr/bin/env bash
# Every test: installs what is missing, runs the host tests (core, and the connector spec against
# the router), lints, lints the connector spec, builds the worker once, then runs the end-to-end
# suite against the built worker in workerd (Miniflare, real local KV and Durable Objects), which
# includes the official twilio Python library and schemathesis driving it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/install.sh --python

echo "== host tests (cargo test)"
cargo test --workspace --quiet

echo "== lints (cargo clippy, warnings denied)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== connector spec lint (redocly, spectral)"
npx --no-install redocly lint connector-spec/openapi.yaml
npx --no-install spectral lint connector-spec/openapi.yaml connector-spec/power-automate/apiDefinition.swagger.json --ruleset .spectral.yaml --fail-severity=warn

echo "== release build (worker-build)"
bash scripts/build.sh > .build.log 2>&1 || { cat .build.log; exit 1; }
rm -f .build.log
printf 'wasm: %s bytes raw, %s bytes gzip\n' "$(wc -c < build/index_bg.wasm)" "$(gzip -9c build/index_bg.wasm | wc -c)"

echo "== end-to-end tests (workerd via Miniflare)"
node --test --test-concurrency=2 tests/e2e/
