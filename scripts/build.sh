#!/usr/bin/env bash
# Release build of the worker into build/: worker-build with the pinned wasm-bindgen CLI and
# binaryen's wasm-opt from node_modules (worker-build would otherwise download both).
#
# Skipped when nothing changed since the last successful build (wrangler dev runs this script
# on every start, and the release build's wasm-opt pass alone takes most of a minute): the stamp
# build/.stamp holds a hash of the inputs (Cargo.lock, the Cargo.toml files, src/, core/src/,
# web/, this script, the toolchain's versions) and of the outputs. It is removed before a build
# and written only after a build succeeded, so a failed or interrupted build never leaves one.
# FORCE_BUILD=1 builds anyway; `build.sh --check` only says whether a build is needed (exit 0:
# up to date, 1: it would build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
stamp=build/.stamp
outputs=(build/index.js build/index_bg.wasm build/worker/shim.mjs)

# Every file the wasm is built from, sorted, and the tools that build it.
inputs_hash() {
  local paths=() p
  for p in Cargo.lock Cargo.toml core/Cargo.toml connector/Cargo.toml src core/src web scripts/build.sh; do
    [[ -e $p ]] && paths+=("$p")
  done
  {
    find "${paths[@]}" -type f ! -name '*~' ! -name '.*.sw?' -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
    rustc -V; cargo -V; worker-build --version; "$WASM_BINDGEN_BIN" --version
    # binaryen's npm wasm-opt takes half a second to say its version; its package says it at once.
    if [[ $WASM_OPT_BIN == "$PWD/node_modules/.bin/wasm-opt" && -f node_modules/binaryen/package.json ]]; then
      echo "wasm-opt $WASM_OPT_BIN"; grep '"version"' node_modules/binaryen/package.json
    else
      "$WASM_OPT_BIN" --version
    fi
    printf 'RUSTFLAGS=%s\n' "${RUSTFLAGS:-}"
  } | sha256sum | cut -d' ' -f1
}

outputs_hash() {
  sha256sum "${outputs[@]}" 2>/dev/null | sha256sum | cut -d' ' -f1
}

inputs=$(inputs_hash)
if [[ "${FORCE_BUILD:-}" != 1 && -f $stamp ]] && ls "${outputs[@]}" > /dev/null 2>&1 \
  && [[ "$(cat "$stamp")" == "$inputs $(outputs_hash)" ]]; then
  echo "build/ is up to date (no input changed since the last build; FORCE_BUILD=1 rebuilds)"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  echo "build/ needs a build"
  exit 1
fi
rm -f "$stamp"

worker-build --release
# worker-build keeps the wasm name section (~130 KB of function names); drop it. (Cargo's
# `strip = true` would also drop target_features, which wasm-bindgen needs.)
"$WASM_OPT_BIN" build/index_bg.wasm --strip-debug --strip-producers -o build/index_bg.wasm
# The inputs as they were when the build started: an edit made during the build makes the next
# run build again.
echo "$inputs $(outputs_hash)" > "$stamp"
