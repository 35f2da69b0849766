# Both targets bootstrap a fresh machine: a .venv made with pip from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Nothing leaves the machine: no Prefect analytics or telemetry.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
POOL := zhcorpus-process

.PHONY: demo test lint clean-data help prefect-up prefect-server prefect-pool prefect-deploy prefect-worker

help:
	@echo "make demo   - crawl the bundled local sites through the nightly flow and print a summary"
	@echo "make test   - run the test suite (offline)"
	@echo "make lint   - ruff check"
	@echo "make prefect-up - local Prefect server + work pool + deployments + worker (Ctrl-C stops)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zhcorpus demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check .

clean-data:
	rm -rf data

# All of it in one command: server on 127.0.0.1:4200, pool, deployments, worker; Ctrl-C stops them.
prefect-up: $(STAMP)
	$(BIN)/python -m zhcorpus.prefect_local up --port 4200

# The same four steps by hand (each in its own terminal, PREFECT_API_URL=http://127.0.0.1:4200/api).
prefect-server: $(STAMP)
	$(BIN)/prefect server start --host 127.0.0.1

prefect-pool: $(STAMP)
	$(BIN)/prefect work-pool inspect $(POOL) >/dev/null 2>&1 || $(BIN)/prefect work-pool create $(POOL) --type process

# Plain Prefect commands: the deployments record this checkout's path (prefect.yaml, flows/deploy_steps.py).
prefect-deploy: prefect-pool
	$(BIN)/prefect deploy --all

prefect-worker: $(STAMP)
	$(BIN)/prefect worker start --pool $(POOL)
