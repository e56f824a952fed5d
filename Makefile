# Two commands do all set-up on a fresh machine:
#   make demo   builds opbridge into .venv and runs the demo
#   make test   builds opbridge into .venv and runs lint + the test suite
# Caches (pip's downloads, CMake's build tree) stay inside this directory.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := PIP_CACHE_DIR=$(CURDIR)/.cache/pip PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV)/bin/pip
DEPS_STAMP := $(VENV)/.deps-stamp
BUILD_STAMP := $(VENV)/.build-stamp
# The aarch64 cross toolchain and emulation (tools/aarch64/setup.sh; rule below).
AARCH64_CACHE := .cache/aarch64
AARCH64_STAMP := $(AARCH64_CACHE)/.setup-stamp
SOURCES := $(shell find cpp ops python cmake -type f -not -path '*/__pycache__/*') CMakeLists.txt pyproject.toml

.PHONY: all build demo test test-torch lint bench wheels wheel-aarch64 test-aarch64 test-aarch64-ci sanitize census census-torch clean system-deps

all: test

# Compilers, and the image codecs the image decoding ops link statically
# (cmake/ImageCodecs.cmake; giflib for DecodeGif and DecodeImage): present on the target machines; installed from
# Debian if not (CI runs as root), with one apt-get update.
CODEC_DEBS := libjpeg62-turbo-dev libpng-dev zlib1g-dev libgif-dev
system-deps:
	@missing=""; command -v g++ >/dev/null 2>&1 || missing="g++ make"; \
	for p in $(CODEC_DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

$(DEPS_STAMP): requirements-dev.txt | system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements-dev.txt
	# keras-hub (the census of real architectures) and tf-keras (Keras 2 models, which
	# opbridge.convert takes) without their dependency on the `tensorflow` distribution,
	# which would install a second TF over tensorflow-cpu.
	$(PIP) install --no-deps keras-hub==0.32.0 tensorflow-text==2.21.1 tf-keras==2.21.0
	touch $@

# --no-build-isolation: the build needs the installed TensorFlow (its headers
# and libtensorflow_framework); an isolated build would reinstall it every time.
# The wheel lands in dist/ (tests install it into a venv without TensorFlow).
# The old build is uninstalled first: scikit-build-core imports installed
# packages' cmake.prefix entry points, opbridge's included.
$(BUILD_STAMP): $(DEPS_STAMP) $(SOURCES)
	rm -f dist/opbridge-*.whl
	$(PIP) uninstall -y -q opbridge || true
	$(PIP) wheel --no-build-isolation --no-deps -w dist .
	$(PIP) install --no-deps --force-reinstall dist/opbridge-*.whl
	touch $@

build: $(BUILD_STAMP)

demo: build
	$(VENV)/bin/opbridge demo

lint: $(DEPS_STAMP)
	$(VENV)/bin/ruff check python tests tests_torch benchmarks tools examples
	$(VENV)/bin/ruff format --check python tests tests_torch benchmarks tools examples

# The fuzz seeds (every bench case converted, with the normal build's outputs)
# are made once per wheel: tests/test_fuzz.py writes them here, make sanitize
# and test-aarch64-ci reuse them while the key (wheel and generator) holds.
SEEDS_DIR := build/fuzz-seeds
SEEDS_KEY = $$(cat dist/opbridge-*.whl tests/make_fuzz_seeds.py | sha256sum | cut -c1-64)

# The aarch64 set-up too: tests/test_selective_build.py cross-builds a selective
# library for aarch64 and runs it under qemu-user.
test: build lint $(AARCH64_STAMP)
	OPBRIDGE_FUZZ_SEEDS=$(CURDIR)/$(SEEDS_DIR) OPBRIDGE_FUZZ_SEEDS_KEY=$(SEEDS_KEY) \
		$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=30 tests
	$(MAKE) test-torch

# The PyTorch suite in its own venv without TensorFlow (torch + litert-torch +
# the wheel), then its saved cases replayed in both runtimes here (tf.lite too).
TORCH_VENV := .venv-torch
TORCH_PIP := PIP_CACHE_DIR=$(CURDIR)/.cache/pip PIP_DISABLE_PIP_VERSION_CHECK=1 $(TORCH_VENV)/bin/pip
TORCH_STAMP := $(TORCH_VENV)/.deps-stamp
$(TORCH_STAMP): requirements-torch.txt
	test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_PIP) install -q -r requirements-torch.txt
	touch $@

test-torch: build $(TORCH_STAMP)
	$(TORCH_PIP) install -q --no-deps --force-reinstall dist/opbridge-*.whl
	rm -rf build/torch-parity
	OPBRIDGE_PARITY_ARTIFACTS=build/torch-parity $(TORCH_VENV)/bin/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder tests_torch
	$(PY) tools/replay_parity.py build/torch-parity

bench: build
	$(PY) benchmarks/bench_ops.py

# manylinux wheels in dist/manylinux; libtensorflow_framework stays external
# (the TFLite half never needs it). The aarch64 wheel too (below).
# auditwheel reads the aarch64 wheel's ELF files from here and tags it
# manylinux_2_35_aarch64 (GCC 12's libstdc++, glibc 2.34 symbols).
wheels: build wheel-aarch64
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/auditwheel repair --exclude libtensorflow_framework.so.2 \
		-w dist/manylinux dist/opbridge-*.whl
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/auditwheel repair -w dist/manylinux dist/aarch64/opbridge-*.whl

# aarch64 Linux (Raspberry Pi 4/5, Jetson, ARM servers): cross-compiled with
# Debian's g++-aarch64-linux-gnu against the arm64 python3.11 that
# tools/aarch64/setup.sh unpacks into .cache/aarch64 (with qemu-user, LiteRT's
# and numpy's aarch64 wheels). The TFLite half only: TensorFlow has no aarch64
# wheel of the version the TF op library is built against (docs/aarch64.md).
# _PYTHON_HOST_PLATFORM and SETUPTOOLS_EXT_SUFFIX are scikit-build-core's
# cross-compiling inputs (wheel tag, SKBUILD_SOABI); pybind11 asks the host
# Python for the module suffix unless PYTHON_MODULE_EXTENSION is given.
AARCH64_ENV := _PYTHON_HOST_PLATFORM=linux-aarch64 SETUPTOOLS_EXT_SUFFIX=.cpython-311-aarch64-linux-gnu.so \
	CMAKE_BUILD_PARALLEL_LEVEL=2
AARCH64_CMAKE := -Ccmake.define.CMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/toolchains/aarch64-linux-gnu.cmake \
	-Ccmake.define.Python_INCLUDE_DIR=$(CURDIR)/$(AARCH64_CACHE)/sysroot/usr/include/python3.11 \
	-Ccmake.define.PYTHON_MODULE_EXTENSION=.cpython-311-aarch64-linux-gnu.so
$(AARCH64_STAMP): tools/aarch64/setup.sh | $(DEPS_STAMP)
	sh tools/aarch64/setup.sh
	touch $@

wheel-aarch64: $(DEPS_STAMP) $(AARCH64_STAMP)
	rm -f dist/aarch64/opbridge-*.whl
	$(AARCH64_ENV) $(PIP) wheel --no-build-isolation --no-deps -w dist/aarch64 -Cbuild-dir=build/aarch64 \
		$(AARCH64_CMAKE) .

# The aarch64 wheel's kernels on emulated aarch64 (qemu-user): every seed model
# (both routes, 1 and 3 threads) against x86-64's bits and TF's outputs, and
# the seed-mutation fuzzer; a table per op family (docs/aarch64.md).
test-aarch64: wheels
	rm -f build/aarch64-seeds/.complete  # seeds of today's bench cases
	$(PY) tools/aarch64/run_seeds.py

# A subset for CI (docs/aarch64.md, "CI"): a selective cross build (OPBRIDGE_OPS)
# of ops that cover the aarch64-specific code: Erfc (its x86-only packet path
# gated), Cross (FMA contraction), MatrixInverse (Eigen's NEON GEMM), Roll,
# StringLower; then their seeds as above (make sanitize's seeds when there: the same
# generator, a minute of TF conversion saved).
AARCH64_CI_OPS := Erfc,Cross,MatrixInverse,Roll,StringLower
test-aarch64-ci: build $(AARCH64_STAMP)
	rm -rf dist/aarch64-ci
	$(AARCH64_ENV) $(PIP) wheel --no-build-isolation --no-deps -w dist/aarch64-ci -Cbuild-dir=build/aarch64-ci \
		$(AARCH64_CMAKE) -Ccmake.define.OPBRIDGE_OPS=$(AARCH64_CI_OPS) .
	$(PY) tools/aarch64/run_seeds.py --wheel-dir dist/aarch64-ci --ops $(AARCH64_CI_OPS) \
		$(if $(wildcard $(SEEDS_DIR)/.key),--all-seeds $(SEEDS_DIR))

# The kernels under ASan + UBSan: a sanitized wheel in its own venv (no
# TensorFlow), fed every op's seed model and the fuzzers (tools/sanitize.py).
# The Eigen decomposition files are not instrumented: their objects come from
# the normal build's tree (build/<wheel tag>, named by the wheel; CMakeLists.txt).
ASAN_VENV := .venv-asan
NORMAL_OBJECTS = $(CURDIR)/build/$$(basename dist/opbridge-*.whl .whl | cut -d- -f3-)/CMakeFiles/opbridge_objects.dir
sanitize: build
	rm -rf dist/asan
	$(PIP) wheel --no-build-isolation --no-deps -w dist/asan -Cbuild-dir=build/asan \
		-Ccmake.define.OPBRIDGE_SANITIZE=ON -Ccmake.define.OPBRIDGE_TF_LIBRARY=OFF \
		-Ccmake.define.OPBRIDGE_REUSE_OBJECTS=$(NORMAL_OBJECTS) .
	test -x $(ASAN_VENV)/bin/python || $(PYTHON) -m venv $(ASAN_VENV)
	PIP_CACHE_DIR=$(CURDIR)/.cache/pip $(ASAN_VENV)/bin/pip install -q --disable-pip-version-check \
		ai-edge-litert==2.3.0 numpy hypothesis pytest
	$(ASAN_VENV)/bin/pip install -q --no-deps --force-reinstall dist/asan/opbridge-*.whl
	$(PY) tests/make_fuzz_seeds.py $(SEEDS_DIR) --key $(SEEDS_KEY)
	$(PY) tools/sanitize.py $(ASAN_VENV)/bin/python $(SEEDS_DIR)

# The censuses of real architectures: keras-hub (docs/models.md), one small model at
# a time, each in its own process, and Keras applications and layers (docs/models-keras.md;
# the same rows in tf_keras, Keras 2: docs/models-tf-keras.md), at the lowest priority (they
# take a while).
census: build
	nice -n 19 $(PY) tools/census_models.py
	nice -n 19 $(PY) tools/census_keras.py
	nice -n 19 $(PY) tools/census_keras.py --legacy

# The PyTorch censuses: op candidates (docs/ops-torch.md), Hugging Face transformers
# architectures (docs/models-torch.md) and diffusers models (docs/models-diffusers.md) from tiny
# configs, in the torch venv.
census-torch: build $(TORCH_STAMP)
	$(TORCH_PIP) install -q --no-deps --force-reinstall dist/opbridge-*.whl
	nice -n 19 $(TORCH_VENV)/bin/python tools/census_torch.py --markdown docs/ops-torch.md
	nice -n 19 $(TORCH_VENV)/bin/python tools/census_torch_models.py --markdown docs/models-torch.md
	nice -n 19 $(TORCH_VENV)/bin/python tools/census_diffusers_models.py --markdown docs/models-diffusers.md

clean:
	rm -rf build dist $(BUILD_STAMP)
