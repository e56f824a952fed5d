"""Reductions, scans, BiasAdd, AddN and the data-moving ops in the integer dtypes, and the other
dtypes TF's CPU kernels take (float32, complex, bool, string): opbridge's kernels vs TF's own.

TFLite's builtins take few of these (REDUCE_MAX, SUM, CUMSUM, ...: int32 and int64; ARG_MAX:
int8 and uint8 too; SCATTER_ND, MIRROR_PAD, ONE_HOT: the 8-bit types), so the converter leaves
the TF op custom for the others. Integers wrap modulo 2^bits as TF's do (inputs over each type's
full range); integer Mean is TF's (reduction_ops.h: 8- to 32-bit types summed in 64 bits, int64
and uint64 in their own type, wrapping; then divided by the count, truncating). Whatever the
converter picks for a dtype (a builtin or the custom op), the results must be TF's, bit for bit;
float32's Mean and Prod, and the float32 and complex products, within rounding (their order of
additions is not TF's: docs/ops/float64_ops.md). float32 kernels the converter never reaches (it
takes the builtins) run from single-node models.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]

# The ops the converter makes builtins of, by dtype (measured, TF 2.21); the others in these tests
# stay custom. (uint8 Mean becomes the builtin MEAN, which runs only quantized uint8: opbridge.convert
# switches such nodes to the custom Mean, python/opbridge/fallbacks.py.)
BUILTIN = {
    "int8": {"ArgMax", "ArgMin"},
    "uint8": {"ArgMax", "ArgMin"},
    "int32": {"Max", "Min", "Prod", "Mean", "Sum", "Cumsum", "ArgMax", "ArgMin"},
    "int64": {"Max", "Min", "Prod", "Mean", "Sum", "Cumsum"},
}


def full_range(rng, dtype, shape) -> np.ndarray:
    """Random values over the whole type, with its extremes, 0, 1 and -1 placed first."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True).ravel()
    special = [info.max, info.min, 0, 1, info.max - 1, 2] + ([-1, info.min + 1] if info.min < 0 else [])
    x[: len(special)] = np.array(special, dtype)[: x.size]
    return x.reshape(shape)


def mismatch(got, want, rtol=None) -> str | None:
    """Why `got` is not TF's `want` (dtype, shape, values: equal, NaN where TF's is, or within
    rtol relative), or None."""
    if (got.dtype, got.shape) != (want.dtype, want.shape):
        return f"{got.dtype} {got.shape}, TF {want.dtype} {want.shape}"
    try:
        if rtol is not None:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0)
        elif want.dtype.kind == "f" or want.dtype == ml_dtypes.bfloat16:
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            ok = ~np.isnan(want.astype(np.float64))
            np.testing.assert_array_equal(got[ok], want[ok])
        else:
            np.testing.assert_array_equal(got, want)
    except AssertionError as error:
        return str(error)
    return None


def check(tf, fn, inputs, rtol=None) -> bytes:
    """Converts fn (a dict of outputs), runs it in both runtimes and compares every output with
    TF's (mismatch; rtol: {name: relative tolerance}); fails naming every output that differs."""
    rtol = rtol or {}
    specs = [(a.shape, tf.string if a.dtype == object else tf.as_dtype(a.dtype)) for a in inputs]
    model = convert_fn(fn, *specs)
    want = {k: v.numpy() for k, v in tf.function(fn)(*[tf.constant(a) for a in inputs]).items()}
    failures = []
    for runtime in RUNTIMES:
        got = run_tflite(model, inputs, runtime)
        for name, w in want.items():
            problem = mismatch(got[name], w, rtol.get(name))
            if problem:
                failures.append(f"[{runtime}] {name}: {problem}")
    assert not failures, "\n".join(failures)
    return model


@pytest.mark.parametrize("dtype", INTS, ids=lambda d: np.dtype(d).name)
def test_reductions_scans_and_bias_add(tf, rng, dtype):
    """Max, Min, Prod, Mean, Sum over every layout the kernels fold (innermost axes, a leading axis,
    split axes, a middle axis with keep_dims, axes at run time, all axes, none), of an empty tensor
    (TF's identities), Cumsum and Cumprod with exclusive and reverse, ArgMax and ArgMin with ties
    (the first index wins) and both output types, BiasAdd in both layouts: full-range values, so
    sums, products and means wrap where TF's do (the products of odd values never reach 0)."""
    info = np.iinfo(dtype)
    x = full_range(rng, dtype, (4, 5, 6))
    odd = full_range(rng, dtype, (4, 5, 6)) | np.array(1, dtype)
    ties = rng.integers(0, 3, (4, 5, 6)).astype(dtype) + np.array(info.max - 2, dtype)
    ties[1] = np.array(info.min, dtype) + rng.integers(0, 3, (5, 6)).astype(dtype)
    empty = np.zeros((2, 0, 3), dtype)
    axes = np.array([2, 0], np.int32)
    nchw = full_range(rng, dtype, (2, 6, 3, 2))
    bias = full_range(rng, dtype, (6,))

    def fn(x, odd, ties, empty, axes, nchw, bias):
        out = {}
        for name, reduce in (
            ("max", tf.reduce_max),
            ("min", tf.reduce_min),
            ("prod", tf.reduce_prod),
            ("mean", tf.reduce_mean),
            ("sum", tf.reduce_sum),
        ):
            v = odd if name == "prod" else x
            out |= {
                f"{name}_last": reduce(v, 2),
                f"{name}_first": reduce(v, 0),
                f"{name}_split": reduce(v, [0, 2]),
                f"{name}_middle_kept": reduce(v, 1, keepdims=True),
                f"{name}_runtime_axes": reduce(v, axes),
                f"{name}_all": reduce(v),
                f"{name}_none": reduce(v, tf.zeros([0], tf.int32)),
                f"{name}_empty": reduce(empty, 1),
            }
        out |= {
            "cumsum": tf.math.cumsum(x, 1),
            "cumsum_exclusive": tf.math.cumsum(x, 2, exclusive=True),
            "cumsum_reverse": tf.math.cumsum(x, 0, reverse=True),
            "cumsum_both": tf.math.cumsum(x, -1, exclusive=True, reverse=True),
            "cumprod_exclusive": tf.math.cumprod(odd, 1, exclusive=True),
            "cumprod_reverse": tf.math.cumprod(odd, 2, reverse=True),
            "argmax": tf.math.argmax(ties, 1),
            "argmax_int32": tf.math.argmax(ties, 2, output_type=tf.int32),
            "argmin": tf.math.argmin(ties, 0),
            "argmin_int32": tf.math.argmin(ties, 2, output_type=tf.int32),
            "bias_add": tf.nn.bias_add(x[..., :6], bias),
            "bias_add_nchw": tf.nn.bias_add(nchw, bias, data_format="NCHW"),
        }
        return out

    model = check(tf, fn, [x, odd, ties, empty, axes, nchw, bias])
    ops = {"Max", "Min", "Prod", "Mean", "Sum", "Cumsum", "Cumprod", "ArgMax", "ArgMin", "BiasAdd"}
    custom = tflite_model.custom_op_counts(model)
    assert ops - BUILTIN.get(np.dtype(dtype).name, set()) <= set(custom), custom


def single_node(op, inputs, output_dtype, options=None) -> bytes:
    """A model of one CUSTOM `op` node (as the converter writes it: type attrs bound by the
    tensors, the others in flexbuffer options), for the dtypes the converter gives builtins."""
    specs = [(f"input_{i}", a.shape, a.dtype) for i, a in enumerate(inputs)]
    return tflite_model.single_custom_op_model(
        op,
        specs,
        [("output", [], output_dtype)],
        options=bytes(flexbuffers.Dumps(options or {})),
    )


def float32_cases(tf, rng):
    """(label, op, inputs, options, TF's result, rtol or None for equality) for float32 kernels."""
    f32 = np.float32
    x = rng.standard_normal((6, 300)).astype(f32)
    x[0, 7], x[1, :3], x[2, 5:7] = np.nan, [0.0, -0.0, 0.0], [-0.0, 0.0]
    p = rng.uniform(0.5, 1.5, (6, 300)).astype(f32)
    axis1, axis0, one = np.array([1], np.int32), np.array(0, np.int32), np.array(1, np.int32)
    ties = np.round(rng.standard_normal((5, 40)) * 2).astype(f32) / 2
    ties[0, 0], ties[1, :] = np.nan, -np.inf
    a, b = rng.standard_normal((7, 33)).astype(f32), rng.standard_normal((33, 9)).astype(f32)
    terms = list((rng.standard_normal((10, 4, 5)) * 10.0 ** rng.integers(-3, 4, (10, 4, 5))).astype(f32))
    indices = np.array([[1], [3], [1]], np.int32)
    hot, lengths = np.array([0, 2, -1, 4], np.int64), np.array([3, 0, 33, 1, 2, 5, 9], np.int64)
    raw = tf.raw_ops
    return [
        ("Max", "Max", [x, axis1], {}, raw.Max(input=x, axis=axis1), None),
        ("Min axis 0", "Min", [x, axis0], {"keep_dims": True},
         raw.Min(input=x, axis=0, keep_dims=True), None),
        ("Mean", "Mean", [p, axis1], {}, raw.Mean(input=p, axis=axis1), 1e-6),
        ("Mean axis 0", "Mean", [p, axis0], {}, raw.Mean(input=p, axis=axis0), 1e-6),
        ("Prod", "Prod", [p[:, :40], axis1], {}, raw.Prod(input=p[:, :40], axis=axis1), 1e-5),
        ("Cumsum", "Cumsum", [x, axis0], {"exclusive": True}, raw.Cumsum(x=x, axis=0, exclusive=True), None),
        ("Cumsum rows", "Cumsum", [p, one], {"reverse": True}, raw.Cumsum(x=p, axis=1, reverse=True), None),
        ("Cumprod", "Cumprod", [p[:, :50], one], {}, raw.Cumprod(x=p[:, :50], axis=1), None),
        ("ArgMax", "ArgMax", [ties, one], {}, raw.ArgMax(input=ties, dimension=1), None),
        ("ArgMin", "ArgMin", [ties, axis0], {}, raw.ArgMin(input=ties, dimension=0), None),
        ("BiasAdd", "BiasAdd", [x, x[0]], {}, raw.BiasAdd(value=x, bias=x[0]), None),
        ("MatMul", "MatMul", [a, b], {}, raw.MatMul(a=a, b=b), 2e-5),
        ("MatMul transposed", "MatMul", [a.T.copy(), b.T.copy()], {"transpose_a": True, "transpose_b": True},
         raw.MatMul(a=a.T.copy(), b=b.T.copy(), transpose_a=True, transpose_b=True), 2e-5),
        ("BatchMatMulV2", "BatchMatMulV2", [a[None], b], {}, raw.BatchMatMulV2(x=a[None], y=b), 2e-5),
        ("AddN of 10", "AddN", terms, {}, raw.AddN(inputs=terms), None),
        ("AddN of 1", "AddN", terms[:1], {}, terms[0], None),
        ("ScatterNd", "ScatterNd", [indices, x[:3, :4], np.array([5, 4], np.int32)], {},
         raw.ScatterNd(indices=indices, updates=x[:3, :4], shape=[5, 4]), None),
        ("MirrorPad", "MirrorPad", [a, np.array([[2, 1], [0, 3]], np.int32)], {"mode": "SYMMETRIC"},
         raw.MirrorPad(input=a, paddings=[[2, 1], [0, 3]], mode="SYMMETRIC"), None),
        ("Fill", "Fill", [np.array([2, 3], np.int32), x[0, 8]], {}, raw.Fill(dims=[2, 3], value=x[0, 8]),
         None),
        ("OneHot", "OneHot", [hot, np.array(3, np.int32), x[0, 8], x[0, 9]], {"axis": 0},
         raw.OneHot(indices=hot, depth=3, on_value=x[0, 8], off_value=x[0, 9], axis=0), None),
        ("ReverseSequence", "ReverseSequence", [a, lengths], {"seq_dim": 1},
         raw.ReverseSequence(input=a, seq_lengths=lengths, seq_dim=1), None),
    ]  # fmt: skip


def integer_cases(tf, rng, dtype):
    """The reductions, scans and ArgMax in int32 / int64 (which the converter gives builtins)."""
    x = full_range(rng, dtype, (5, 300))
    odd = x | np.array(1, dtype)
    axis1, axis0 = np.array([1], np.int32), np.array([0], np.int32)
    raw = tf.raw_ops
    return [
        ("Max", "Max", [x, axis1], {}, raw.Max(input=x, axis=axis1), None),
        ("Min", "Min", [x, axis0], {}, raw.Min(input=x, axis=axis0), None),
        ("Prod", "Prod", [odd, axis1], {}, raw.Prod(input=odd, axis=axis1), None),
        ("Mean", "Mean", [x, axis1], {}, raw.Mean(input=x, axis=axis1), None),
        ("Mean axis 0", "Mean", [x, axis0], {}, raw.Mean(input=x, axis=axis0), None),
        ("Cumsum", "Cumsum", [x, np.array(1, np.int32)], {"exclusive": True},
         raw.Cumsum(x=x, axis=1, exclusive=True), None),
        ("ArgMax", "ArgMax", [x // 2**20 if dtype == np.int64 else x // 2**10, np.array(1, np.int32)], {},
         raw.ArgMax(input=x // 2**20 if dtype == np.int64 else x // 2**10, dimension=1), None),
    ]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_kernels_the_converter_gives_builtins(tf, rng, dtype):
    """float32 (and int32/int64 reductions) stay custom only in models converted otherwise (Select TF
    ops, another converter): each kernel from a one-node model, against TF's op. Max, Min, Cumsum,
    Cumprod, ArgMax/ArgMin (ties, NaN, -inf lines), BiasAdd, AddN (TF's order of additions) and the
    data-moving ops give TF's bits; Mean and Prod add in double and round once (TF: a float packet
    tree), MatMul sums in float in its own order (TF: oneDNN's sgemm): within rounding."""
    cases = float32_cases(tf, rng) if dtype == np.float32 else integer_cases(tf, rng, dtype)
    failures = []
    for label, op, inputs, options, want, rtol in cases:
        want = np.asarray(want)
        model = single_node(op, inputs, want.dtype, options)
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)["output"]
            problem = mismatch(got, want, rtol)
            if problem is None and rtol is None and want.dtype == np.float32:  # signed zeros too
                ok = ~np.isnan(want)
                if not np.array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32)):
                    problem = "other bits (signed zeros)"
            if problem:
                failures.append(f"[{runtime}] {label}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_complex_reductions_scans_and_sums(tf, rng, dtype):
    """Mean and Prod (within rounding: complex128 accumulators in row-major order, TF's packets in
    its own), Cumsum, BiasAdd, AddN and ScatterNd's duplicates (TF's bits), all left custom; Mean of
    nothing is 0 (TF's identity for complex), Prod of nothing 1."""
    x = (rng.standard_normal((3, 4, 50)) + 1j * rng.standard_normal((3, 4, 50))).astype(dtype)
    near_one = np.exp(1j * rng.uniform(-1, 1, (3, 4, 50)) + rng.uniform(-0.1, 0.1, (3, 4, 50))).astype(dtype)
    empty = np.zeros((2, 0), dtype)
    indices = np.array([[0], [2], [0]], np.int32)
    tol = 1e-5 if dtype == np.complex64 else 1e-13

    def fn(x, p, empty):
        return {
            "mean_last": tf.reduce_mean(x, 2),
            "mean_first": tf.reduce_mean(x, 0),
            "mean_split": tf.reduce_mean(x, [0, 2]),
            "mean_empty": tf.reduce_mean(empty, 1),
            "prod_last": tf.reduce_prod(p, 2),
            "prod_first": tf.reduce_prod(p, 0),
            "prod_empty": tf.reduce_prod(empty, 1),
            "cumsum": tf.math.cumsum(x, 2, exclusive=True),
            "cumsum_reverse": tf.math.cumsum(x, 0, reverse=True),
            "bias_add": tf.nn.bias_add(x, x[0, 0]),
            "add_n": tf.math.add_n([x, p, x]),
            "scatter_nd": tf.scatter_nd(indices, x[0, :3], [4, 50]),
        }

    rtol = {k: tol for k in ("mean_last", "mean_first", "mean_split", "prod_last", "prod_first")}
    model = check(tf, fn, [x, near_one, empty], rtol=rtol)
    ops = {"Mean", "Prod", "Cumsum", "BiasAdd", "AddN", "ScatterNd"}
    assert ops <= set(tflite_model.custom_op_counts(model)), tflite_model.custom_op_counts(model)


# Which data-moving ops stay custom, by dtype (measured); the others become builtins (int16:
# MATRIX_DIAG, MATRIX_SET_DIAG, BROADCAST_TO for Fill; bool: SCATTER_ND, FILL, ONE_HOT; ...).
_ALL_DATA = {
    "ScatterNd",
    "MirrorPad",
    "MatrixDiagV3",
    "MatrixSetDiagV3",
    "Fill",
    "OneHot",
    "ReverseSequence",
    "Roll",
}
DATA_CUSTOM = {
    "int8": {"ReverseSequence", "Roll"},
    "int16": {"ScatterNd", "MirrorPad", "OneHot", "ReverseSequence", "Roll"},
    "uint16": _ALL_DATA,
    "uint32": _ALL_DATA - {"Fill"},
    "uint64": _ALL_DATA,
    "bool": {"MirrorPad", "MatrixDiagV3", "MatrixSetDiagV3", "ReverseSequence", "Roll"},
    "object": {"ScatterNd", "MirrorPad", "OneHot", "ReverseSequence", "Roll"},
}


@pytest.mark.parametrize("dtype", list(DATA_CUSTOM), ids=lambda d: "string" if d == "object" else d)
def test_data_moving_ops(tf, rng, dtype):
    """ScatterNd (duplicate indices add: wrapping for integers, or for bools, concatenation for
    strings, in the updates' order), MirrorPad (both modes), MatrixDiagV3 (a band with padding),
    MatrixSetDiagV3, Fill, OneHot (indices outside [0, depth) too), ReverseSequence and Roll; TF
    has no string kernel for the two diagonal ops."""
    if dtype == "object":
        words = np.array([b"", b"a", b"bc", b"longer than a view's inline bytes", b"\xff\x00z"], object)
        x = words[rng.integers(0, len(words), (4, 5))]
    elif dtype == "bool":
        x = rng.random((4, 5)) > 0.5
    else:
        x = full_range(rng, np.dtype(dtype), (4, 5))
    strings = dtype == "object"
    indices = np.array([[1], [3], [1], [1]], np.int32)
    lengths = np.array([2, 0, 5, 4], np.int64)

    def fn(x, indices, lengths, k, shifts):
        out = {
            "scatter_nd": tf.scatter_nd(indices, x, [5, 5]),
            "reflect": tf.pad(x, [[1, 3], [2, 0]], mode="REFLECT"),
            "symmetric": tf.pad(x, [[0, 4], [5, 1]], mode="SYMMETRIC"),
            "fill": tf.fill([2, 3], x[1, 2]),
            "one_hot": tf.one_hot([[0, 4], [-1, 2]], 3, x[0, 0], x[0, 1], axis=1),
            "reverse_sequence": tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0),
            "roll": tf.roll(x, shifts, [0, 1]),  # shifts at run time: a constant one becomes slices
        }
        if not strings:
            band = tf.reshape(x, [2, 2, 5])  # diagonals 0 and -1 of two [5, 6] matrices
            # (k at run time: a constant band crashes TF's converter in MATRIX_DIAG's dtypes)
            # (the raw op: tf.linalg.diag tests a bool padding value in Python)
            out["diag"] = tf.raw_ops.MatrixDiagV3(
                diagonal=band, k=k, num_rows=5, num_cols=6, padding_value=x[2, 2], align="RIGHT_LEFT"
            )
            # (not a stack of equal tensors: TF's optimizer makes a Tile of it, which TF lacks for uint16)
            out["set_diag"] = tf.linalg.set_diag(tf.stack([x, tf.reverse(x, [0])]), band[:, 0, :4])
        return out

    model = check(tf, fn, [x, indices, lengths, np.array([-1, 0], np.int32), np.array([1, -7], np.int64)])
    custom = tflite_model.custom_op_counts(model)
    assert DATA_CUSTOM[dtype] <= set(custom), custom


# (dtype, N): N around TF's groups of 8 (the first N % 8 inputs, or 8 or 9, then groups of 8 added to
# the total), for the dtypes the converter leaves custom; values of wide-ranging magnitudes, so that a
# float sum in another order would show.
ADD_N = [("float64", 17), ("float16", 10), ("bfloat16", 9), ("int8", 3), ("uint64", 10), ("uint32", 2)]


def add_n_model(tf, terms, names):
    """AddN of separate graph inputs named `names`: the model and TF's graph result."""
    import opbridge

    signature = [
        tf.TensorSpec(t.shape, tf.as_dtype(t.dtype), name=n) for t, n in zip(terms, names, strict=True)
    ]
    function = tf.function(lambda *xs: {"sum": tf.math.add_n(list(xs))}, input_signature=signature)
    want = function(*[tf.constant(t) for t in terms])["sum"].numpy()
    return opbridge.convert(function), want


@pytest.mark.parametrize(("dtype", "n"), ADD_N, ids=[f"{d}-{n}" for d, n in ADD_N])
def test_add_n(tf, rng, dtype, n):
    """AddN had no kernel: the converter leaves it custom for these dtypes. TF's graph optimizer sorts
    a commutative op's inputs by name (grappler's CanonicalizeNode) before its kernel adds them in
    groups: the inputs here are named in that order (x00, x01, ...), so the float sums are TF's bits.
    Separate graph inputs, which TF's kernel cannot reuse as its output (that would move one first)."""
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    if dtype.startswith(("int", "uint")):
        terms = [full_range(rng, np_dtype, (3, 7)) for _ in range(n)]
    else:
        scale = 10.0 ** rng.integers(-3, 4, (n, 3, 7))
        terms = list((rng.standard_normal((n, 3, 7)) * scale).astype(np_dtype))
    model, want = add_n_model(tf, terms, [f"x{i:02d}" for i in range(n)])
    assert tflite_model.custom_op_counts(model) == {"AddN": 1}
    for runtime in RUNTIMES:
        got = run_tflite(model, terms, runtime)["sum"]
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=runtime)


def test_float32_add_n_is_the_builtin_within_rounding(tf, rng):
    """float32 AddN becomes the builtin ADD_N, which adds in order: from 10 inputs on it differs
    from TF's groups of 8 in the last bits (what a float32 model gets, not opbridge's kernel)."""
    terms = list((rng.standard_normal((10, 30, 40)) * 10.0 ** rng.integers(-3, 4, (10, 30, 40))).astype("f4"))
    model, want = add_n_model(tf, terms, [f"x{i:02d}" for i in range(10)])
    assert tflite_model.op_histogram(model) == {"ADD_N": 1}
    bound = 1e-6 * np.sum(np.abs(np.array(terms, np.float64)), axis=0)  # a few float roundings of the terms
    for runtime in RUNTIMES:
        got = run_tflite(model, terms, runtime)["sum"]
        assert np.all(np.abs(got.astype(np.float64) - want) <= bound), runtime


def test_reverse_sequence_layouts(tf, rng):
    """Each place of seq_axis and batch_axis (the sequence dim last, the batch dim last, neither),
    ranks 2 to 5, int32 and int64 lengths including 0 and the full length; int8 (custom) and float32
    and int32 (the builtin REVERSE_SEQUENCE: what those models get)."""
    x = full_range(rng, np.int8, (3, 4, 5, 2))
    y = rng.standard_normal((4, 3, 2, 2, 3)).astype(np.float32)
    z = full_range(rng, np.int32, (6, 3))
    by_batch3 = np.array([0, 4, 2], np.int32)

    def fn(x, y, z, l3, l4, l2):
        return {
            "seq1_batch0": tf.reverse_sequence(x, l3, seq_axis=1, batch_axis=0),
            "seq3_batch0": tf.reverse_sequence(x, tf.cast(l3 // 2, tf.int64), seq_axis=3, batch_axis=0),
            "seq0_batch3": tf.reverse_sequence(x, l2, seq_axis=0, batch_axis=3),
            "seq2_batch1": tf.reverse_sequence(x, l4, seq_axis=2, batch_axis=1),
            "rank2": tf.reverse_sequence(x[:, :, 0, 0], l3, seq_axis=1, batch_axis=0),
            "rank5_float32": tf.reverse_sequence(y, l4[:4] % 4, seq_axis=1, batch_axis=0),
            "int32_builtin": tf.reverse_sequence(z, l3, seq_axis=0, batch_axis=1),
        }

    model = check(tf, fn, [x, y, z, by_batch3, np.array([5, 1, 0, 3], np.int32), np.array([3, 1], np.int32)])
    assert tflite_model.custom_op_counts(model) == {"ReverseSequence": 5}  # the int8 ones
    assert tflite_model.op_histogram(model).get("REVERSE_SEQUENCE") == 2


def _ints(dtype, values):
    return np.array(values, dtype)


# name: (function of tf, inputs, the op that refuses them); TF's kernel refuses each at run time.
BAD_INPUTS = {
    "mean-axis-out-of-range": (
        lambda tf: lambda x, a: tf.reduce_mean(x, a),
        [np.ones((2, 3), np.int16), _ints(np.int32, 2)],
        "Mean",
    ),
    "argmax-empty-axis": (
        lambda tf: lambda x, a: tf.math.argmax(x, a),
        [np.ones((2, 0), np.uint16), _ints(np.int32, 1)],
        "ArgMax",
    ),
    "cumsum-axis-out-of-range": (
        lambda tf: lambda x, a: tf.math.cumsum(x, a),
        [np.ones((2, 3), np.uint32), _ints(np.int32, -3)],
        "Cumsum",
    ),
    "scatter-nd-index-outside": (
        lambda tf: lambda i, u: tf.scatter_nd(i, u, [3]),
        [_ints(np.int32, [[1], [3]]), np.ones(2, np.uint16)],
        "ScatterNd",
    ),
    "reverse-sequence-too-long": (
        lambda tf: lambda x, n: tf.reverse_sequence(x, n, 1, 0),
        [np.ones((2, 3), np.int8), _ints(np.int64, [1, 4])],
        "ReverseSequence",
    ),
    "reverse-sequence-rank-6": (
        lambda tf: lambda x, n: tf.reverse_sequence(x, n, 1, 0),
        [np.ones((2, 3, 1, 1, 1, 1), np.int8), _ints(np.int64, [1, 3])],
        "ReverseSequence",
    ),
    "add-n-shapes-differ": (
        lambda tf: lambda x, y: tf.math.add_n([x, y]),
        [np.ones(3, np.uint8), np.ones(2, np.uint8)],
        "AddN",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_inputs_are_errors(tf, case):
    """Where TF's kernel refuses the inputs, the kernels refuse them too: an error naming the op."""
    build, inputs, op = BAD_INPUTS[case]
    fn = build(tf)
    specs = [([None] * a.ndim, tf.as_dtype(a.dtype)) for a in inputs]  # nothing known before run time
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError)):
        tf.function(fn, input_signature=[tf.TensorSpec(*s) for s in specs])(*[tf.constant(a) for a in inputs])
    model = convert_fn(fn, *specs)
    assert op in tflite_model.custom_op_counts(model)
    for runtime in RUNTIMES:
        with pytest.raises(Exception, match=op):
            run_tflite(model, inputs, runtime)
