# The two commands of the README: `make run` and `make test`. Everything else is theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | sha256sum | cut -c1-12)
export ARCHIVE_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test bench lint format translations system-deps test-system-deps test-services venv clean

run: system-deps venv
	$(BIN)/archive init
	$(BIN)/archive serve

test: test-system-deps venv test-services
	CI=$${CI:-} $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: system-deps venv
	$(BIN)/python -m bench.run_all

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After changing a message in the code or the templates: refresh the English catalogue, then
# write the new translations into it (the .mo files are compiled when the app starts).
translations: venv
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d archive_app/translations --no-fuzzy-matching --width 100

system-deps:
	scripts/install-system-deps.sh

test-system-deps:
	scripts/install-system-deps.sh test

# Real MinIO, Elasticsearch 8, PostgreSQL and Redis for the tests (built once, then cached).
test-services:
	scripts/install-test-services.sh

venv: $(STAMP)

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-build-isolation --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
