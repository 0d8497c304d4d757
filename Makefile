# The two commands a new machine needs: `make dev` runs the service, `make test` runs every test.
# Each installs what it needs first (see scripts/install.sh) and skips what is already there.
.PHONY: dev test bench build install clean

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

# Figures, not assertions: start+check pairs per second through the local worker, and wasm size.
bench: build
	@printf 'wasm: %s bytes raw, %s bytes gzip\n' "$$(wc -c < build/index_bg.wasm)" "$$(gzip -9c build/index_bg.wasm | wc -c)"
	node bench/verify_pairs.mjs

build: install
	bash scripts/build.sh

install:
	bash scripts/install.sh

clean:
	rm -rf build target .wrangler/state node_modules .venv
