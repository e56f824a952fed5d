"""MulNoNan (tf.math.multiply_no_nan) against TF's kernel, bit for bit, in both runtimes and on two
threads, in every dtype TF registers it for (half, bfloat16, float, double, complex64,
complex128): one model with dynamic shapes over output sizes that leave every ragged tail of TF's
complex packets, same-shape, row and scalar operands, +0 where y is +0 or -0 even for an infinite
or NaN x, and the products' special values (signed zeros, infinities, NaN, overflow)."""

from __future__ import annotations

import numpy as np

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_complex_binary import complex_values, same_bits

REAL_EDGES = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 1e-30, 3e38, 6e4, 1e-45, 0.1]
REAL = ["float16", "bfloat16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]


def real_values(rng: np.random.Generator, shape: tuple[int, ...], edges: bool) -> np.ndarray:
    """float64 values of a few magnitudes; with edges, every pair of special values as (x, y)
    when the same-position elements of two such arrays are combined (row-major, x varies slowest)."""
    size = int(np.prod(shape))
    v = rng.standard_normal(size) * np.exp(rng.uniform(-4, 4, size))
    if edges:
        pairs = np.array(REAL_EDGES).repeat(len(REAL_EDGES))[:size]
        v[: pairs.size] = pairs
    return v.reshape(shape)


def test_every_registered_dtype_is_covered():
    assert registered_cpu_dtypes("MulNoNan") == set(REAL + COMPLEX)


def test_mul_no_nan_gives_tf_bits(tf, rng):
    dtypes = [tf.as_dtype(d) for d in REAL + COMPLEX]

    def fn(*args):
        out = {}
        for k, d in enumerate(dtypes):
            x, y, row = args[3 * k : 3 * k + 3]
            if d == tf.bfloat16:  # fed as float32 (exact), computed in bfloat16
                x, y, row = (tf.cast(v, tf.bfloat16) for v in (x, y, row))
            results = {
                "": tf.math.multiply_no_nan(x, y),
                "_row": tf.math.multiply_no_nan(x, row),
                "_scalar_y": tf.math.multiply_no_nan(x, row[1]),
                "_scalar_x": tf.math.multiply_no_nan(row[0], y),
            }
            for suffix, r in results.items():
                out[d.name + suffix] = tf.cast(r, tf.float32) if d == tf.bfloat16 else r
        return out

    fed = [tf.float32 if d == tf.bfloat16 else d for d in dtypes]
    specs = [s for d in fed for s in (([None, None], d), ([None, None], d), ([None], d))]
    model = convert_fn(fn, *specs)
    # float32 the converter lowers to EQUAL, MUL, SELECT_V2 (measured); the others stay custom.
    assert tflite_model.custom_op_counts(model).get("MulNoNan") == 4 * (len(dtypes) - 1)
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, d) for s, d in specs])
    for n, (rows, cols) in enumerate([(1, 2), (2, 5), (3, 7), (12, 12), (16, 25), (0, 3)]):
        inputs = []
        for d, f in zip(dtypes, fed, strict=True):
            np_dtype = f.as_numpy_dtype
            if d.is_complex:
                x = complex_values(rng, (rows, cols), np_dtype, edges=True)
                y = complex_values(rng, (rows, cols), np_dtype, edges=False)
                row = complex_values(rng, (max(cols, 2),), np_dtype, edges=False)[:cols]
                y.reshape(-1)[::3] = 0
                y.reshape(-1)[1::5] = complex(-0.0, 0.0)
            else:
                x = real_values(rng, (rows, cols), edges=True)
                y = np.tile(REAL_EDGES, x.size // len(REAL_EDGES) + 1)[: x.size].reshape(x.shape)
                y.reshape(-1)[len(REAL_EDGES) ** 2 :] = real_values(rng, (max(0, x.size - 144),), edges=False)
                row = real_values(rng, (cols,), edges=False)
                if cols > 1:
                    row[1] = -0.0
                if d == tf.bfloat16:  # bfloat16 values, fed as float32
                    x, y, row = (v.astype(tf.bfloat16.as_numpy_dtype).astype(np.float32) for v in (x, y, row))
                x, y, row = (v.astype(np_dtype) for v in (x, y, row))
            inputs += [x, y, row]
        if cols < 2:
            continue
        want = {k: v.numpy() for k, v in reference(*inputs).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if runtime == "litert" else (1,):
                got = run_tflite(model, inputs, runtime, num_threads=threads)
                for name, w in want.items():
                    if name.startswith("float32"):  # the builtins' (see above), not compared here
                        continue
                    context = f"[{runtime} {threads}T] case {n} {(rows, cols)} {name}"
                    if w.dtype.kind == "c":
                        same_bits(w, got[name], context)
                    else:
                        assert w.dtype == got[name].dtype and w.shape == got[name].shape, context
                        bits = f"u{w.dtype.itemsize}"
                        nan = np.isnan(w.astype(np.float64))
                        np.testing.assert_array_equal(nan, np.isnan(got[name].astype(np.float64)), context)
                        np.testing.assert_array_equal(w[~nan].view(bits), got[name][~nan].view(bits), context)


def test_real_no_nan_ops_on_the_baseline_path(tf, rng, tmp_path):
    """MulNoNan and DivNoNan in float64, half and bfloat16 run on explicit packets over widened
    blocks (ops/math/no_nan_run.h); the baseline build (OPBRIDGE_NO_AVX2=1: SSE packets, half
    without F16C) gives TF's bits too, with zeros in y at random over sizes past one 256-element
    block, same-shape, row and scalar operands."""
    from conftest import run_tflite_each_in_process
    from test_parity_xdivy_xlog1py import same_bits as same_real_bits

    def fn(x64, y64, x16, y16, xb, yb):
        out = {}
        xb, yb = tf.cast(xb, tf.bfloat16), tf.cast(yb, tf.bfloat16)
        for name, x, y in [("f64", x64, y64), ("f16", x16, y16), ("bf16", xb, yb)]:
            for op, f in [("mul", tf.math.multiply_no_nan), ("div", tf.math.divide_no_nan)]:
                results = {"": f(x, y), "_row": f(x, y[0]), "_scalar": f(x[0, 0], y)}
                for suffix, r in results.items():
                    out[f"{op}_{name}{suffix}"] = tf.cast(r, tf.float32) if name == "bf16" else r
        return out

    types = [tf.float64, tf.float64, tf.float16, tf.float16, tf.float32, tf.float32]
    specs = [([None, None], d) for d in types]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("MulNoNan") == 9 and counts.get("DivNoNan") == 9, counts
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, d) for s, d in specs])
    sets = []
    for rows, cols in [(1, 3), (3, 7), (5, 301), (16, 25)]:
        x = real_values(rng, (rows, cols), edges=True)
        y = real_values(rng, (rows, cols), edges=False)
        y[rng.uniform(size=y.shape) < 0.2] = 0.0
        y.reshape(-1)[1::7] = -0.0
        y.reshape(-1)[: len(REAL_EDGES)] = REAL_EDGES[: y.size]
        with np.errstate(over="ignore"):
            bf = [v.astype(tf.bfloat16.as_numpy_dtype).astype(np.float32) for v in (x, y)]
            sets.append([x, y, x.astype(np.float16), y.astype(np.float16), *bf])
    got = run_tflite_each_in_process(model, sets, tmp_path, baseline=True)
    for inputs, out in zip(sets, got, strict=True):
        for name, w in reference(*inputs).items():
            same_real_bits(w.numpy(), out[name], f"[baseline] {inputs[0].shape} {name}")
