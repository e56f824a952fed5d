"""RaggedTensorToTensor (RaggedTensor.to_tensor): TFLite kernel vs TF's own kernel, both runtimes.

One model per partition layout, every input of the raw op a model input (shape, values, default
value and the row partitions), so that one conversion runs many cases: ROW_SPLITS and
FIRST_DIM_SIZE + VALUE_ROWIDS, ragged_rank 1 and 2 (mixed partition types too), int32 and int64
indices and shapes, padding and truncation by the requested shape, -1 dims, an unknown-rank
shape (-1 scalar), empty rows, empty values, zero rows, unsorted value_rowids (TF's run-based
copy, not a scatter), default values broadcast over inner dims, every fixed-size dtype, a
constant shape (the shape rule's static path), and TF's errors for bad partitions and shapes.
Results are compared exactly (the op only moves values)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

I32, I64 = np.int32, np.int64


def model_of(tf: Any, types: list[str], specs: list[tuple[list[int | None], Any]]) -> tuple[Any, bytes]:
    """The raw op over model inputs (shape, values, default_value, partitions...), converted once."""

    def fn(shape, values, default, *partitions):
        return tf.raw_ops.RaggedTensorToTensor(
            shape=shape,
            values=values,
            default_value=default,
            row_partition_tensors=list(partitions),
            row_partition_types=types,
        )

    signature = [tf.TensorSpec(s, tf.as_dtype(d), name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    model = opbridge.convert(tf.function(fn, input_signature=signature).get_concrete_function())
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": 1}
    return fn, model  # fn runs eagerly as TF's reference: its errors carry TF's bare text


def check(tf: Any, reference: Any, model: bytes, arrays: list[np.ndarray]) -> None:
    """Same result in both runtimes as TF (exact, same shape and dtype), or both refuse with TF's text."""
    try:
        want = np.asarray(reference(*[tf.constant(a) for a in arrays]))
    except tf.errors.InvalidArgumentError as e:
        message = e.message.split(" [Op:")[0].split("}} ")[-1]
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match="RaggedTensorToTensor") as caught:
                run_tflite(model, arrays, runtime)
            assert message in str(caught.value), (runtime, message, str(caught.value))
        return
    for runtime in RUNTIMES:
        got = run_tflite(model, arrays, runtime)["output_0"]
        assert got.shape == want.shape and got.dtype == want.dtype, (runtime, got.shape, want.shape)
        np.testing.assert_array_equal(got, want, err_msg=f"{runtime}: {[a.tolist() for a in arrays]}")


def refuses(model: bytes, arrays: list[np.ndarray], pattern: str) -> None:
    """Inputs on which TF reads or writes out of bounds: opbridge names the inconsistency."""
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=pattern):
            run_tflite(model, arrays, runtime)


F = np.float32
VALUES = np.arange(1, 8, dtype=F)  # 7 distinct values

SPLITS_CASES = [  # (shape, splits): padding, truncation, -1 dims, empty rows, zero rows
    ([-1, -1], [0, 2, 2, 5, 7]),
    ([-1, -1], [0, 0, 0]),
    ([-1, -1], [0]),
    ([2, 1], [0, 2, 2, 5, 7]),
    ([6, 5], [0, 2, 2, 5, 7]),
    ([-1, 2], [0, 3, 3, 7]),
    ([3, -1], [0, 1, 7]),
    ([0, -1], [0, 2, 2, 5, 7]),
    ([-1, 0], [0, 2, 2, 5, 7]),
    ([-1, -1], [0, 7]),
    ([-1, -1], [0, 2, 2, 5]),  # the last split below the number of values: the rest unused
    ([0, -1], [0, 3, 2, 7]),  # an empty output: TF never looks at the (bad) splits
    ([-1, 0], [0, 3, 2, 7]),
    # TF's errors:
    ([-1, -1], [0, 3, 2, 7]),  # decreasing
    ([-1, -1], [1, 2, 2, 7]),  # not starting at 0
    ([-1, -1], []),  # no splits at all
    ([-1, -1, 1], [0, 7]),  # shape rank differs from the ragged tensor's
    ([-2, -1], [0, 7]),
]


@pytest.mark.parametrize("index", [I64, I32], ids=["int64", "int32"])
def test_row_splits(tf, index):
    concrete, model = model_of(tf, ["ROW_SPLITS"], [([None], index), ([None], F), ([], F), ([None], index)])
    for shape, splits in SPLITS_CASES:
        check(tf, concrete, model, [np.array(shape, index), VALUES, F(-3.5), np.array(splits, index)])
    # Empty values: only rows with no values, or a shape filled with the default.
    for shape, splits in [([-1, -1], [0, 0, 0]), ([3, 2], [0]), ([-1, 4], [0, 0])]:
        check(tf, concrete, model, [np.array(shape, index), VALUES[:0], F(9), np.array(splits, index)])
    # Splits ending past the values: TF reads past the values buffer; opbridge refuses.
    refuses(
        model, [np.array([-1, -1], index), VALUES, F(0), np.array([0, 2, 9], index)], "values has only 7 rows"
    )
    # A row claiming 2**30 elements: refused before anything is allocated.
    huge = np.array([0, 1, 2**30], index)
    refuses(model, [np.array([-1, -1], index), VALUES, F(0), huge], "ends at 1073741824")
    # ...unless truncation keeps those elements out, as in TF.
    check(tf, concrete, model, [np.array([2, 2], index), VALUES, F(0), np.array([0, 2, 9], index)])


def test_unknown_rank_shape_and_inner_dims(tf):
    """shape = -1 (a constant scalar: unknown rank, what to_tensor() without a shape passes);
    values [n, 3, 2]; default_value scalar."""

    def fn(values, default, splits):
        return tf.raw_ops.RaggedTensorToTensor(
            shape=tf.constant(-1, tf.int64),
            values=values,
            default_value=default,
            row_partition_tensors=[splits],
            row_partition_types=["ROW_SPLITS"],
        )

    specs = [([None, 3, 2], F), ([], F), ([None], I64)]
    signature = [tf.TensorSpec(s, tf.as_dtype(d), name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    model = opbridge.convert(tf.function(fn, input_signature=signature).get_concrete_function())
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": 1}
    values = np.arange(24, dtype=F).reshape(4, 3, 2)
    for splits in ([0, 1, 1, 4], [0, 4], [0, 0, 0, 4], [0]):
        check(tf, fn, model, [values[: splits[-1]], F(-1), np.array(splits, I64)])


@pytest.mark.parametrize("default_rank", [1, 2])
def test_default_value_broadcast(tf, default_rank):
    """default_value broadcast over values.shape[1:] = [3, 2]; TF's left-aligned shape check and
    its broadcasting (a [3] default is rejected, a [3, 1] one fills columns)."""
    spec = [None] * default_rank
    concrete, model = model_of(
        tf, ["ROW_SPLITS"], [([None], I64), ([None, 3, 2], F), (spec, F), ([None], I64)]
    )
    values = np.arange(24, dtype=F).reshape(4, 3, 2)
    defaults = {
        1: [np.array([7], F), np.array([7, 8, 9], F), np.array([7, 8], F)],
        2: [
            np.array([[7], [8], [9]], F),
            np.array([[7, 8]], F),
            np.array([[1, 2], [3, 4], [5, 6]], F),
            np.array([[7]], F),
            np.array([[7, 8, 9]], F),
        ],
    }[default_rank]
    for default in defaults:
        for shape in ([-1, -1, 3, 2], [4, 3, 3, 2]):
            check(tf, concrete, model, [np.array(shape, I64), values, default, np.array([0, 1, 1, 4], I64)])


ROWIDS_CASES = [  # (shape, nrows, value_rowids)
    ([-1, -1], 4, [0, 0, 2, 2, 2, 3, 3]),
    ([-1, -1], 6, [1, 1, 1, 1, 1, 1, 1]),
    ([2, 2], 4, [0, 0, 2, 2, 2, 3, 3]),
    ([5, 1], 4, [0, 0, 2, 2, 2, 3, 3]),
    ([-1, -1], 0, []),
    # Unsorted: TF's run-based copy, not a scatter (rows 0 and 2 swap places).
    ([-1, -1], 4, [2, 0, 0, 2]),
    ([-1, -1], 4, [0, 0, 2]),  # fewer rowids than values: the rest unused
    # TF's errors:
    ([-1, -1], 2, [0, 0, 2, 2, 2, 3, 3]),  # a rowid >= nrows
    ([-1, -1], 4, [-1, 0, 2, 2, 2, 3, 3]),  # a negative rowid
    ([-1, -1], -3, [0]),  # negative nrows
]


@pytest.mark.parametrize("index", [I32, I64], ids=["int32", "int64"])
def test_first_dim_size_and_value_rowids(tf, index):
    concrete, model = model_of(
        tf,
        ["FIRST_DIM_SIZE", "VALUE_ROWIDS"],
        [([None], index), ([None], F), ([], F), ([], index), ([None], index)],
    )
    for shape, nrows, rowids in ROWIDS_CASES:
        values = VALUES[: len(rowids)] if len(rowids) <= 7 else VALUES
        check(
            tf,
            concrete,
            model,
            [np.array(shape, index), values, F(0.5), np.array(nrows, index), np.array(rowids, index)],
        )
    # More rowids than values: TF reads past the values buffer; opbridge refuses.
    refuses(
        model,
        [np.array([-1, -1], index), VALUES[:3], F(0), np.array(3, index), np.array([0, 1, 1, 2], index)],
        "values has only 3 rows",
    )
    # Unsorted rowids whose runs overrun the output: TF writes past its end; opbridge refuses.
    refuses(
        model,
        [np.array([-1, -1], index), VALUES, F(0), np.array(4, index), np.array([2, 0, 0, 2, 3, 3, 3], index)],
        "would be written past the end of the output",
    )


RANK2 = {  # layout -> cases of (shape, partitions); values are VALUES (7)
    ("ROW_SPLITS", "ROW_SPLITS"): [
        ([-1, -1, -1], [[0, 2, 3, 3], [0, 1, 1, 4, 7]]),
        ([2, 1, 2], [[0, 2, 3, 3], [0, 1, 1, 4, 7]]),
        ([4, 3, 5], [[0, 2, 3, 3], [0, 1, 1, 4, 7]]),
        ([-1, -1, -1], [[0, 0], [0]]),
        ([-1, -1, -1], [[0, 2, 3, 3], [0, 1, 1, 4, 5, 6, 7]]),  # more inner rows than outer elements
        ([-1, -1, -1], [[0, 2, 3], [0, 1, 3, 4, 3]]),  # decreasing inner splits
    ],
    ("FIRST_DIM_SIZE", "VALUE_ROWIDS", "VALUE_ROWIDS"): [
        ([-1, -1, -1], [4, [0, 0, 2, 3], [0, 1, 1, 1, 2, 3, 3]]),
        ([3, 1, 2], [4, [0, 0, 2, 3], [0, 1, 1, 1, 2, 3, 3]]),
        ([-1, -1, -1], [4, [0, 0, 2, 3], [0, 1, 1, 1, 2, 4, 4]]),  # an inner rowid past the middle level
    ],
    ("ROW_SPLITS", "VALUE_ROWIDS"): [
        ([-1, -1, -1], [[0, 2, 2, 4], [0, 0, 1, 2, 2, 3, 3]]),
        ([2, 2, 1], [[0, 2, 2, 4], [0, 0, 1, 2, 2, 3, 3]]),
    ],
}


@pytest.mark.parametrize("layout", list(RANK2), ids=lambda t: "+".join(t))
def test_ragged_rank_2(tf, layout):
    types = list(layout)
    partition_specs = [([], I64) if t == "FIRST_DIM_SIZE" else ([None], I64) for t in types]
    concrete, model = model_of(tf, types, [([None], I64), ([None], F), ([], F), *partition_specs])
    for shape, partitions in RANK2[layout]:
        parts = [np.array(p, I64) for p in partitions]
        check(tf, concrete, model, [np.array(shape, I64), VALUES, F(-2), *parts])


DTYPES = [
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.bool_,
    np.complex64,
    np.complex128,
]


def test_every_dtype(tf):
    """Every fixed-size dtype, one node each (values [n, 2] with a [2] default), one model."""
    specs = [([None], I64), ([None], I32)] + [([None, 2], d) for d in DTYPES] + [([2], d) for d in DTYPES]
    n = len(DTYPES)

    def fn(splits, shape, *tensors):
        return {
            f"out_{i}": tf.RaggedTensor.from_row_splits(tensors[i], splits).to_tensor(
                tensors[n + i], shape=[None, 3, 2]
            )
            for i in range(n)
        }

    signature = [tf.TensorSpec(s, tf.as_dtype(d), name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": n}
    splits = np.array([0, 2, 2, 5, 6], I64)
    values = [(np.arange(12).reshape(6, 2) % (2 if d == np.bool_ else 100)).astype(d) for d in DTYPES]
    defaults = [np.array([1, 0], d) for d in DTYPES]
    arrays = [splits, np.array([0], I32), *values, *defaults]
    want = {k: np.asarray(v) for k, v in concrete(*[tf.constant(a) for a in arrays]).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, arrays, runtime)
        for key, w in want.items():
            assert got[key].dtype == w.dtype and got[key].shape == w.shape, (runtime, key)
            np.testing.assert_array_equal(got[key], w, err_msg=f"{runtime} {key}")


def test_constant_shape_and_python_api(tf, rng):
    """to_tensor(shape=[None, 4]) of a RaggedTensor built from row lengths, as Keras code writes it:
    a constant shape input, so the shape rule fixes the output at prepare (first dim from the
    splits' length); batches that pad and truncate."""

    def fn(values, lengths):
        return tf.RaggedTensor.from_row_lengths(values, lengths).to_tensor(
            default_value=-1.0, shape=[None, 4]
        )

    signature = [
        tf.TensorSpec([None], tf.float32, name="input_0"),
        tf.TensorSpec([None], tf.int64, name="input_1"),
    ]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": 1}
    for lengths in ([3, 0, 6, 1], [0], [2, 2], []):
        lengths = np.array(lengths, I64)
        values = rng.standard_normal(int(lengths.sum())).astype(F)
        check(tf, concrete, model, [values, lengths])


def test_bad_attrs_are_refused(tf):
    """row_partition_types TF rejects: the node fails at prepare with TF's text, never crashes."""
    _, model = model_of(tf, ["ROW_SPLITS"], [([None], I64), ([None], F), ([], F), ([None], I64)])
    arrays = [np.array([-1, -1], I64), VALUES, F(0), np.array([0, 7], I64)]
    for types, message in [
        (["ROW_SPLITS_X"], "Unknown string for partition info type: ROW_SPLITS_X"),
        (["VALUE_ROWIDS"], "Cannot handle VALUE_ROWIDS in first dimension"),
        ([], "Partition info types should not be empty"),
    ]:
        options = tflite_model.custom_ops(model)[0].options
        from flatbuffers import flexbuffers

        attrs = flexbuffers.Loads(options)
        attrs["row_partition_types"] = types
        bad = tflite_model.replace_custom_options(model, "RaggedTensorToTensor", flexbuffers.Dumps(attrs))
        refuses(bad, arrays, message)


def test_select_tf_nodes(tf, rng):
    """Converted the stock way with SELECT_TF_OPS: FlexRaggedTensorToTensor nodes whose NodeDef
    holds row_partition_types as a list of strings; opbridge reads it and runs them as TF does."""

    def fn(values, splits, rowids, nrows):
        padded = tf.RaggedTensor.from_row_splits(values, splits, validate=False).to_tensor(shape=[None, 4])
        rows = tf.RaggedTensor.from_value_rowids(values, rowids, nrows, validate=False).to_tensor(7.0)
        return padded, rows

    specs = [([None], F), ([None], I64), ([None], I64), ([], I64)]
    signature = [tf.TensorSpec(s, tf.as_dtype(d), name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    function = tf.function(fn, input_signature=signature)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    model = converter.convert()
    assert tflite_model.custom_op_counts(model) == {"FlexRaggedTensorToTensor": 2}
    values = rng.standard_normal(7).astype(F)
    arrays = [values, np.array([0, 2, 2, 7], I64), np.array([0, 0, 2, 2, 2, 4, 4], I64), np.array(6, I64)]
    want = [np.asarray(t) for t in function(*[tf.constant(a) for a in arrays])]
    for runtime in RUNTIMES:
        interp = opbridge.Interpreter(model_content=model, runtime=runtime)
        inputs = interp.get_input_details()
        for detail, value in zip(inputs, arrays, strict=True):
            interp.resize_tensor_input(detail["index"], value.shape)
        interp.allocate_tensors()
        for detail, value in zip(inputs, arrays, strict=True):
            interp.set_tensor(detail["index"], value)
        interp.invoke()
        got = sorted(
            (interp.get_tensor(d["index"]) for d in interp.get_output_details()), key=lambda a: a.shape
        )
        for g, w in zip(got, sorted(want, key=lambda a: a.shape), strict=True):
            np.testing.assert_array_equal(g, w, err_msg=runtime)
