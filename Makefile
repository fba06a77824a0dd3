# The two commands a user needs: `make chat` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when pyproject.toml changes (the stamp carries its hash).
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install index chat test check lint eval bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: pip takes the CPU build; unpinned it would pull a multi-GB CUDA one.
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

index: install
	$(BIN)/corguide ingest

chat: install
	$(BIN)/corguide ingest
	$(BIN)/corguide chat

# The browser test drives Debian's Chromium; install it when missing and we are allowed to.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || \
		echo "chromium is not installed: the browser test will be skipped"

lint: install
	$(BIN)/ruff check .

# The project's index is built first: `corguide eval` reads it, and the tests' own index
# reuses its embedding cache (tests/conftest.py) instead of embedding the corpus again.
test: install browser
	$(BIN)/ruff check .
	$(BIN)/corguide ingest
	$(BIN)/python -m pytest
	$(BIN)/corguide eval

# The developer's loop: lint and every test that needs neither the real model, nor the real
# index, nor a browser (tests/conftest.py marks them `model`); tests of the wiring embed with
# the fake embedder (tests/fake_embedder.py), and every docstring example in assistant/ and
# ui/ runs (pytest's --doctest-modules, set in pyproject.toml). `make test` runs everything.
check: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not model and not browser and not slow"

eval: install
	$(BIN)/corguide eval

bench: install
	$(BIN)/corguide bench

clean:
	rm -rf data evals/out .pytest_cache .ruff_cache
