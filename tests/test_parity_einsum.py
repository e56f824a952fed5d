"""Einsum (tf.einsum / tf.raw_ops.Einsum): the TFLite kernel against TF's own in both runtimes.

One model per dtype holds many equations as outputs (the converter leaves Einsum custom when the
ranks are unknown, so every equation runs our kernel), fed cubes of sizes 0-21: repeated labels
(diagonals, traces), labels summed away (Eigen's tree split included), ellipsis with size-1 batch
broadcasting between the operands, repeated output labels, the implicit form (tf.einsum resolves
it), empty dims. Reductions and data movement are bitwise in every dtype and so are the integer
contractions; float contractions are compared within a bound (TF's oneDNN/Eigen GEMM adds in its
own blocked order: docs/ops/einsum.md). Also: equations the converter unfolds keep its builtins,
and TF's error texts for bad shapes."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from bitwise_parity import any_shape, assert_bits, assert_fails_as_tf, tf_outputs
from conftest import RUNTIMES, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

# (equation, operands, via tf.einsum): v [n], m [n, n], c [n, n, n], q [2, 1, n, n].
EQUATIONS = [
    ("ii->i", "m", False),
    ("ii->", "m", False),
    ("bii->bi", "c", False),
    ("iij->ij", "c", False),
    ("iji->j", "c", False),
    ("iii->i", "c", False),
    ("...ii->...i", "c", False),
    ("ij->", "m", False),
    ("ijk->", "c", False),
    ("ijk->j", "c", False),
    ("jik->kj", "c", False),
    ("i->i", "v", False),
    ("i->ii", "v", False),
    ("ij->jii", "m", False),
    ("ii", "m", True),  # implicit: the trace
    ("ij,jj->i", "mm", False),
    ("i,i->", "vv", False),
    ("iij,jk->ik", "cm", False),
    ("bij,bjk->bik", "cc", False),
    ("bij,bkj->", "cc", False),
    ("...ij,...jk->...ik", "qc", False),
    ("...i,...i->...", "qc", False),
    ("ij,jk", "mm", True),  # implicit: ik
    ("ab,ab->ba", "mm", False),
    ("i,j->ji", "vv", False),
]
ONE_OPERAND = {eq for eq, ops, _ in EQUATIONS if len(ops) == 1}
SIZES = (0, 1, 3, 8, 21)  # 21: 'ijk->' sums 9261 floats, past Eigen's 8192-value tree split

DTYPES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int32", "int64"]


def model_fn(tf, dtype):
    def fn(v, m, c, q):
        args = {"v": v, "m": m, "c": c, "q": q}
        out = {}
        for k, (eq, ops, implicit) in enumerate(EQUATIONS):
            operands = [args[o] for o in ops]
            out[f"o{k:02d}"] = (
                tf.einsum(eq, *operands) if implicit else tf.raw_ops.Einsum(inputs=operands, equation=eq)
            )
        return out

    # Unknown ranks: the converter then leaves every Einsum custom (with known ranks it unfolds
    # some, and fails on jik->kj: test_converter_keeps_its_builtins).
    specs = [tf.TensorSpec(None, dtype)] * 4
    return tf.function(fn, input_signature=specs)


def values(rng, dtype: str, shape) -> np.ndarray:
    if dtype.startswith("int"):
        return rng.integers(-9, 10, shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype
    return rng.standard_normal(shape).astype(np_dtype)


def inputs_for(rng, dtype: str, n: int) -> list[np.ndarray]:
    return [values(rng, dtype, s) for s in ((n,), (n, n), (n, n, n), (2, 1, n, n))]


# Float contractions: TF's GEMM (oneDNN for float/bfloat16, Eigen's blocked one for the others)
# adds the k products in its own order; we add them in order in T (16-bit floats in float,
# rounded once). Bound: a few roundings of sum |a||b| (k <= 21 here).
def close(key: str, want: np.ndarray, got: np.ndarray, dtype: str, bound: np.ndarray) -> None:
    eps = {"float32": 2**-23, "complex64": 2**-23, "float16": 2**-10, "bfloat16": 2**-7}.get(dtype, 2**-52)
    err = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
    # 16-bit floats: TF rounds each C element once as we do, but from its own float sum.
    limit = 4 * eps * bound + (
        np.abs(want.astype(np.complex128)) * eps if dtype in ("float16", "bfloat16") else 0
    )
    assert np.all(err <= limit), f"{key}: worst {err.max()} over bound {limit.ravel()[np.argmax(err)]}"


def magnitude_bound(tf, fn, inputs) -> dict[str, np.ndarray]:
    """Each output computed from |inputs| in float64: sum |a||b|, the scale of rounding errors."""
    mags = [np.abs(np.asarray(x).astype(np.complex128)).astype(np.float64) for x in inputs]
    f64 = model_fn(tf, tf.float64)
    return tf_outputs(lambda *a: f64(*a), mags)


def test_registered_dtypes_are_covered():
    assert registered_cpu_dtypes("Einsum") == set(DTYPES)


@pytest.mark.parametrize("dtype", DTYPES)
def test_equations(tf, rng, dtype):
    fn = model_fn(tf, getattr(tf, dtype))
    from opbridge import convert

    model = convert(fn.get_concrete_function())
    # Every node is ours (the converter merges tf.einsum('ii') with ii->, one node).
    assert set(tflite_model.parse(model).op_histogram()) == {"Einsum"}
    exact = dtype.startswith("int")
    for n in SIZES:
        inputs = inputs_for(rng, dtype, n)
        want = tf_outputs(fn, inputs)
        bound = None if exact else magnitude_bound(tf, fn, inputs)
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime, num_threads=2 if n == 21 else 1)
            context = f"[{runtime}] {dtype} n={n}"
            for k, (eq, ops, _) in enumerate(EQUATIONS):
                key = f"o{k:02d}"
                if exact or len(ops) == 1:
                    assert_bits({key: want[key]}, {key: got[key]}, f"{context} {eq}")
                else:
                    assert got[key].shape == want[key].shape, (context, eq, got[key].shape, want[key].shape)
                    close(f"{context} {eq}", want[key], got[key], dtype, bound[key])


def test_converter_keeps_its_builtins(tf, rng):
    """With static shapes the converter unfolds ij,jk->ik into BATCH_MATMUL (opbridge.convert
    leaves that to it) and leaves ii->i custom: only the second runs our kernel."""
    from opbridge import convert

    specs = [tf.TensorSpec([3, 4], tf.float32), tf.TensorSpec([4, 4], tf.float32)]
    fn = tf.function(
        lambda a, b: {"mm": tf.einsum("ij,jk->ik", a, b), "diag": tf.einsum("ii->i", b)},
        input_signature=specs,
    )
    model = convert(fn.get_concrete_function())
    view = tflite_model.parse(model)
    assert view.custom_op_counts() == {"Einsum": 1}
    assert "BATCH_MATMUL" in view.op_histogram()
    inputs = [values(rng, "float32", (3, 4)), values(rng, "float32", (4, 4))]
    want = tf_outputs(fn, inputs)
    for runtime in RUNTIMES:
        assert_bits({"diag": want["diag"]}, {"diag": run_tflite(model, inputs, runtime)["diag"]}, runtime)


# (equation, input shapes): TF's kernel refuses each; so does ours, with TF's text.
BAD_SHAPES = [
    ("ij,jk->ik", [(2, 3, 1), (3, 4)]),  # rank
    ("ij,jk->ik", [(2, 3), (4, 5)]),  # label sizes differ between operands
    ("ii->i", [(2, 3)]),  # a repeated label's sizes differ
    ("...ij->ij", [(2, 2, 3), (1,)]),  # broadcasting dims but no ellipsis in the output
    ("...ij->...", [(2,), (1,)]),  # rank below the named labels
    ("...a,...a->...a", [(2, 3), (4, 3)]),  # batch dims that do not broadcast
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bad_shapes_fail_as_tf(tf, rng, dtype):
    from opbridge import convert

    for eq, shapes in BAD_SHAPES:
        n = 2 if "," in eq else 1
        fn = any_shape(
            tf, lambda *a, eq=eq, n=n: tf.raw_ops.Einsum(inputs=list(a[:n]), equation=eq), *[dtype] * n
        )
        model = convert(fn.get_concrete_function())
        assert_fails_as_tf(tf, fn, model, "Einsum", [values(rng, dtype, s) for s in shapes[:n]])
