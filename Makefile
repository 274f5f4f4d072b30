# Two commands a fresh machine needs: `make demo` (the local end-to-end import) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# pyproject.toml too: it declares the `byol-import` console script scripts/venv installs.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# jsii names Node majors past end-of-life whose banner it may skip (Node 20 here).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint unit reliability bench synth deploy clean

# scripts/venv installs .venv and writes this stamp; cdk.json's app runs through it too.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	PYTHON="$(PYTHON)" sh scripts/venv

node_modules/.bin/cdk: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## The main job: a whole BYOL import on the embedded local AWS (ARGS="--scenario import-error",
## ARGS=--all), through the CLI (`byol-import demo`; `byol-import --local ...` tries any input).
demo: $(STAMP)
	$(BIN)/byol-import demo $(ARGS)

## Every check: ruff, then, side by side, mypy, the fast tests that hold the coverage floor of
## functions/ and stacks/ on their own (unit, handlers, infra: traced, one process), and the
## whole-workflow rest untraced on $(PYTEST_WORKERS) workers (scenarios, reliability, and the
## tests of the tools: the embedded AWS, the IAM evaluator, the CLI): coverage tracing on Python
## 3.11 makes a scenario about 1.5 times slower, and the suite's two cores were saturated. The
## suite runs the quick timing profile and reduced reliability scenarios (tests/conftest.py);
## `make reliability` and `make bench` run the full ones. Slow tests go first and an idle worker
## steals queued tests from the busy one (worksteal), so both end together.
PYTEST_WORKERS ?= 2
COVERAGE_FLOOR := 95
COVERED_TESTS := tests/unit tests/handlers tests/infra
UNTRACED_TESTS := tests/scenarios tests/reliability tests/emulator tests/iam tests/cli
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@test "$$(ls tests/*/test_*.py | xargs -n1 dirname | sort -u | tr '\n' ' ')" = \
	    "$$(echo $(COVERED_TESTS) $(UNTRACED_TESTS) | tr ' ' '\n' | sort | tr '\n' ' ')" \
	    || { echo "make test: every tests/ folder must be in COVERED_TESTS or UNTRACED_TESTS" >&2; exit 1; }
	$(BIN)/mypy & mypy=$$!; untraced_log=$$(mktemp); \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(UNTRACED_TESTS) $(PYTEST_ARGS) \
	    > $$untraced_log 2>&1 & untraced=$$!; \
	$(BIN)/python -m pytest --cov=functions --cov=stacks \
	    --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR) \
	    $(COVERED_TESTS) $(PYTEST_ARGS); covered=$$?; \
	wait $$untraced; plain=$$?; echo "--- untraced tests:"; cat $$untraced_log; \
	rm -f $$untraced_log; wait $$mypy && [ $$covered -eq 0 ] && [ $$plain -eq 0 ]

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

## The reliability scenarios, with their table.
reliability: $(STAMP)
	$(BIN)/python -m local_aws.reliability $(ARGS)

## Speed figures next to their targets (ARGS="--suite" also times the whole pytest run, minutes;
## ARGS="--check" exits non-zero when a target is missed).
bench: $(STAMP)
	$(BIN)/python -m local_aws.bench $(ARGS)

## The CloudFormation template, offline (CDK CLI from npm), then cfn-lint on it.
synth: $(STAMP) node_modules/.bin/cdk
	PATH="$(abspath $(BIN)):$$PATH" node_modules/.bin/cdk synth --quiet --output cdk.out
	$(BIN)/cfn-lint cdk.out/*.template.json

deploy: $(STAMP) node_modules/.bin/cdk
	PATH="$(abspath $(BIN)):$$PATH" node_modules/.bin/cdk deploy

clean:
	rm -rf $(VENV) node_modules cdk.out .mypy_cache .ruff_cache .hypothesis
