# The two commands a new machine needs: `make dev` runs the service, `make test` runs every test.
# Each installs what it needs first (see scripts/install.sh) and skips what is already there.
.PHONY: dev test bench build install clean

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

# Figures, not assertions: start+check pairs per second for an empty route, the hand-written
# JavaScript worker and edge-verify in one workerd (bench/run.mjs), the wasm size, and the native
# micro-benchmark of deriving and checking codes (core/benches/codes.rs).
bench: build
	BENCH_NATIVE_CMD="cargo bench -q -p edge-verify-core --bench codes" node bench/run.mjs

build: install
	bash scripts/build.sh

install:
	bash scripts/install.sh

clean:
	rm -rf build target .wrangler/state node_modules .venv
