# make demo: set up .venv and show every step on the shipped models and bundled data.
# make test: run the test suite (about 8-9 minutes on 2 cores); make test-fast: a quick subset (about 2 minutes).
# make fashion-data: Fashion-MNIST's files from Debian's package, for --data=/usr/share/datasets/fashion-mnist.
# make serve: the page (serve.py) at http://127.0.0.1:7860; make screenshot: docs/page.png, made by its test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCRATCH := scratch

.PHONY: demo test test-fast fashion-data serve screenshot clean

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
	@echo "Running the whole suite: about 8-9 minutes on 2 cores (make test-fast: about 2)"
	$(BIN)/python -m pytest -q -n 2 tests

test-fast: $(VENV)/installed
	$(BIN)/python -m pytest -q -n 2 -m "not slow" tests

fashion-data:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y dataset-fashion-mnist
	@echo "Fashion-MNIST: --data=/usr/share/datasets/fashion-mnist"

serve: $(VENV)/installed
	$(BIN)/python serve.py

screenshot: $(VENV)/installed
	PIXEL_RNN_SCREENSHOT=docs/page.png $(BIN)/python -m pytest -q tests/test_serve.py \
		-k test_a_1_drawn_is_read_as_a_1

clean:
	rm -rf $(VENV) $(SCRATCH)
