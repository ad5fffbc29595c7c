# The two commands a new station needs: `make demo` runs the demo station, `make test` type-checks and runs the tests.
STATION ?= demo-station

.PHONY: demo test setup translations

demo:
	scripts/setup.sh
	scripts/demo.sh "$(STATION)"

test:
	scripts/setup.sh --test
	.venv/bin/mypy
	.venv/bin/python -m pytest $(PYTEST_ARGS)

setup:
	scripts/setup.sh

# After adding or changing panel text: extract, merge into every catalogue, compile, list what to translate.
translations:
	scripts/setup.sh
	.venv/bin/python scripts/translations.py update
