"""Shared fixtures. TensorFlow is real here: parity tests run TF's kernels against
real TFLite interpreters."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The reference TF is TF with its oneDNN kernels, as TF 2.21 runs by default on x86 CPUs with
# AVX-512 (VNNI and newer), where these tests were written: on older x86 CPUs (AVX2 only) TF turns
# them off by default and runs Eigen kernels whose pooling windows, rounding and layouts differ in
# places (docs/design.md, "The TF reference and oneDNN"). Pinned so the reference is the same on
# every CI machine; set before TensorFlow is first imported (subprocesses inherit it).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

ROOT = Path(__file__).resolve().parent.parent
RUNTIMES = ("litert", "tf")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(scope="session")
def tf():
    import tensorflow

    return tensorflow


def convert_fn(fn, *specs):
    """Converts fn with an input signature of (shape, dtype) pairs through opbridge.convert."""
    import tensorflow as tf

    import opbridge

    signature = [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]
    return opbridge.convert(tf.function(fn, input_signature=signature))


def python_without_tensorflow() -> list[str]:
    """A python command line in which `import tensorflow` fails, as in a LiteRT-only deployment."""
    blocker = (
        "import sys\n"
        "class _NoTF:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'tensorflow' or name.startswith('tensorflow.'):\n"
        "            raise ImportError('tensorflow is not available here')\n"
        "sys.meta_path.insert(0, _NoTF())\n"
    )
    return [sys.executable, "-c", blocker + "exec(open(sys.argv[1]).read())"]
