#!/usr/bin/env bash
# Release build of the worker into build/: worker-build with the pinned wasm-bindgen CLI and
# binaryen's wasm-opt from node_modules (worker-build would otherwise download both).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
worker-build --release
# worker-build keeps the wasm name section (~130 KB of function names); drop it. (Cargo's
# `strip = true` would also drop target_features, which wasm-bindgen needs.)
"$WASM_OPT_BIN" build/index_bg.wasm --strip-debug --strip-producers -o build/index_bg.wasm
