"""The elementwise kernels' last n % width elements: TF's scalar path, bit for bit.

TF's x86-64 wheel evaluates an elementwise Eigen expression on packets of 32 bytes and
its last n % width elements (8 floats, 4 doubles, 4 complex64, 2 complex128) with Eigen's
scalar functors, which call the C library. ops/math/elementwise_range.h does the same;
before, Eigen's array assignment finished with a partial packet, 1 ulp from TF in about
a third of those elements (Atan, Asin, Acos, Softplus, Log, Tanh, Sigmoid). Every size
from 1 to 17 and two larger ones, fed by index, in both runtimes. Complex Log and Exp are
not here: their tails are 1 ulp from TF's in places with either path (elementwise_range.h)."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES

SIZES = [*range(1, 18), 203, 1003]


def cases(tf):
    c64 = np.complex64
    return {
        "atan f32": (tf.math.atan, np.float32, 3.0),
        "asin f32": (tf.math.asin, np.float32, 0.999),
        "acos f32": (tf.math.acos, np.float32, 0.999),
        "erf f32": (tf.math.erf, np.float32, 3.0),
        "softplus f32": (tf.math.softplus, np.float32, 30.0),
        "log f64": (tf.math.log, np.float64, 10.0),
        "tanh f64": (tf.math.tanh, np.float64, 3.0),
        "sigmoid f64": (tf.math.sigmoid, np.float64, 10.0),
        "softplus f64": (tf.math.softplus, np.float64, 30.0),
        "exp f64": (tf.math.exp, np.float64, 10.0),
        "elu f64": (tf.nn.elu, np.float64, 5.0),
        "selu f64": (tf.nn.selu, np.float64, 5.0),
        "tanh c64": (tf.math.tanh, c64, 3.0),
        "sqrt c64": (tf.math.sqrt, c64, 3.0),
    }


NAMES = [
    "atan f32", "asin f32", "acos f32", "erf f32", "softplus f32", "log f64", "tanh f64", "sigmoid f64",
    "softplus f64", "exp f64", "elu f64", "selu f64", "tanh c64", "sqrt c64",
]  # fmt: skip


def values(rng: np.random.Generator, n: int, dtype: type, scale: float) -> np.ndarray:
    x = rng.uniform(-scale, scale, n)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.uniform(-scale, scale, n)
    elif dtype == np.float64 and scale == 10.0:
        x = np.abs(x)  # log's domain (exp and sigmoid do not mind)
    return x.astype(dtype)


@pytest.mark.parametrize("name", NAMES)
def test_every_tail_length_is_tf_bits(tf, rng, name):
    fn, dtype, scale = cases(tf)[name]
    f = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.as_dtype(dtype))])
    model = opbridge.convert(f)
    for runtime in RUNTIMES:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
        index = interpreter.get_input_details()[0]["index"]
        for n in SIZES:
            x = values(rng, n, dtype, scale)
            interpreter.resize_tensor_input(index, [n])
            interpreter.allocate_tensors()
            interpreter.set_tensor(index, x)
            interpreter.invoke()
            got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
            np.testing.assert_array_equal(got, f(x).numpy(), err_msg=f"{name} n={n} {runtime}")
