# Developer commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
ARGS ?=

.PHONY: run test bench lint format schema messages lock install clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/devserver.py run

test: $(STAMP)
	$(BIN)/python scripts/devserver.py test -- $(ARGS)

bench: $(STAMP)
	$(BIN)/python scripts/devserver.py bench -- $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the committed OpenAPI documents (tests fail when they are stale).
schema: $(STAMP)
	$(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --urlconf config.urls_province --file openapi/province.yaml
	$(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --urlconf config.urls_hq --file openapi/hq.yaml

# Extract messages (needs GNU gettext) and compile both catalogues (pure Python).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-location --ignore '.venv/*' --ignore 'frontend/*' --ignore '.data/*' --ignore 'tests/*' --ignore 'bench/*'
	$(BIN)/python scripts/compile_messages.py --fill-english

# Re-lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .data
