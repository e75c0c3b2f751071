# make demo: set up .venv and show every step on the shipped models and bundled data.
# make test: run the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCRATCH := scratch

.PHONY: demo test clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(VENV)/installed
	$(BIN)/python generate.py --digit=0 --seed=0
	$(BIN)/python classification.py --data=bundled --report
	$(BIN)/python train_mnist.py --digit=0 --num_images=100 --epochs=5 --data=bundled \
		--models_dir=$(SCRATCH)/mnist_models

test: $(VENV)/installed
	$(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) $(SCRATCH)
