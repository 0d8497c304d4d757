# The two commands a new machine needs: `make dev` runs the service, `make test` runs every test.
# Each installs what it needs first (see scripts/install.sh) and skips what is already there.
.PHONY: dev test build install clean

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

build: install
	bash scripts/build.sh

install:
	bash scripts/install.sh

clean:
	rm -rf build target .wrangler/state node_modules .venv
