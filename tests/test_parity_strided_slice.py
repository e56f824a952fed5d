"""StridedSlice: TFLite kernel vs TF's own kernel.

Python indexing on tensors of unknown shape (`x[:, None]`, `x[..., :n]`, `x[:, -1]`) is what the converter
cannot lower to the builtin STRIDED_SLICE; those stay CUSTOM "StridedSlice". Covered: every mask and their
combinations, negative strides, out-of-range clamping, empty results, ranks 0-8 (and TF's rank-9 limit),
every dtype, begin/end/strides computed at run time (int16/int32/int64), TF's errors. Slicing moves data:
outputs must be equal to TF's bit for bit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float16, np.float32, np.float64]
COMPLEX = [np.complex64, np.complex128]
MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def values(rng: np.random.Generator, dtype: Any, shape: Sequence[int]) -> np.ndarray:
    """Distinct values, so that any misplaced element shows."""
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    x = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    rng.shuffle(x.reshape(-1))
    if np.issubdtype(dtype, np.complexfloating):
        return (x + 1j * (x + 0.5)).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        return (x * 0.25 - 3).astype(dtype)
    return (x % min(int(np.iinfo(dtype).max), 2**31 - 1)).astype(dtype)


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Exact: shape, dtype and bytes (NaN payloads and signed zeros included)."""
    assert got.shape == want.shape and got.dtype == want.dtype, (
        f"{what}: {got.dtype}{got.shape}, TF gives {want.dtype}{want.shape}"
    )
    assert got.tobytes() == want.tobytes(), f"{what}: values differ\n{got}\nTF:\n{want}"


def convert(tf: Any, fn: Callable[..., Any], *specs: tuple[Sequence[int | None], Any]) -> tuple[Any, bytes]:
    """fn as a tf.function with inputs input_0, input_1, ... of the given (shape, dtype); its model."""
    signature = [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]
    function = tf.function(fn, input_signature=signature)
    return function, opbridge.convert(function)


def check_runs(tf: Any, function: Any, model: bytes, inputs: Sequence[np.ndarray]) -> str | None:
    """Runs TF and both runtimes on the inputs (fed by index): equal outputs, or both refuse with TF's
    message. Returns TF's message when it refuses."""
    try:
        result = function(*inputs)
    except tf.errors.InvalidArgumentError as e:
        message = tf_message(e)
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match="StridedSlice: ") as caught:
                run_tflite(model, list(inputs), runtime)
            assert message in str(caught.value), f"[{runtime}] TF says {message!r}, we say {caught.value}"
        return message
    want = {k: v.numpy() for k, v in result.items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, list(inputs), runtime)
        assert sorted(got) == sorted(want)
        for key in want:
            assert_same(got[key], want[key], f"[{runtime}] {key} for inputs {[a.shape for a in inputs]}")
    return None


def tf_message(e: Exception) -> str:
    """The kernel's text in TF's error (eager or graph), without TF's node prefix, op suffix and period."""
    lines = [ln.strip() for ln in str(getattr(e, "message", e)).splitlines() if ln.strip()]
    # Graph mode: "Graph execution error:", where the node was defined, the text, then "[[{{node ...}}]]".
    line = (
        [ln for ln in lines if not ln.startswith("[[")][-1]
        if lines[0].startswith("Graph execution")
        else lines[0]
    )
    line = re.sub(r"^\{\{function_node [^}]*\}\} ", "", line)
    return line.split(" [Op:", 1)[0].strip().rstrip(".")


# Index expressions as keras-hub models write them (rotary tables `x[..., None, :]`, masks
# `x[:, None, :, :]`, last positions `x[..., None, -1]`): new axes with an ellipsis or more entries than
# dims, on a rank-3 tensor of unknown dims, which the converter leaves custom (measured), with the less
# common corners (negative strides, clamping, empty ranges, indices).
CUSTOM_SLICES: dict[str, Callable[[Any], Any]] = {
    "new_axis_first": lambda x: x[None, ...],
    "new_axis_last": lambda x: x[..., None],
    "new_axis_1_of_4": lambda x: x[:, None, :, :],
    "new_axes_around": lambda x: x[None, :, None, ..., None],
    "ellipsis_new_axis_range": lambda x: x[..., None, :],
    "ellipsis_new_axis_index": lambda x: x[..., None, -1],
    "ellipsis_new_axis_slice": lambda x: x[..., None, 1:3],
    "range_ellipsis_new_axis": lambda x: x[1:, ..., None],
    "index_ellipsis_new_axis": lambda x: x[-1, ..., None],
    "new_axis_index_new_axis": lambda x: x[None, ..., 0, None],
    "mixed": lambda x: x[1:, None, ..., -2],
    "reverse": lambda x: x[None, ..., ::-1],
    "reverse_strided": lambda x: x[..., None, ::-2, 1:],
    "reverse_from": lambda x: x[..., None, 5:1:-1],
    "clamped": lambda x: x[-100:100, None, ..., :-100],
    "clamped_reverse": lambda x: x[100:-100:-3, ..., None],
    "empty": lambda x: x[:, ..., None, 100:],
    "empty_reverse": lambda x: x[..., None, 1:3:-1],
}
# Expressions the converter lowers to builtins even at unknown dims: opbridge changes nothing there.
LOWERED_SLICES: dict[str, Callable[[Any], Any]] = {
    "new_axis_1": lambda x: x[:, None],
    "ellipsis_range": lambda x: x[..., :2],
    "index_1": lambda x: x[:, -1],
    "index_new_axis": lambda x: x[:, -1, None],
    "reverse_strided": lambda x: x[::-1, :, ::-2],
}
SHAPES = [(4, 5, 6), (3, 4, 5), (7, 2, 3), (2, 6, 1), (5, 3, 0), (0, 4, 4), (1, 1, 1)]


def unknown_dims(tf: Any, expression: Callable[[Any], Any]) -> tuple[Any, bytes]:
    return convert(tf, lambda x: {"y": expression(x)}, ((None, None, None), tf.float32))


@pytest.mark.parametrize("name", CUSTOM_SLICES)
def test_indexing_on_unknown_dims_is_custom_and_matches_tf(tf, rng, name):
    """Every input shape fed to one model; shapes where TF refuses (an index past a dim) refuse too."""
    function, model = unknown_dims(tf, CUSTOM_SLICES[name])
    assert tflite_model.custom_op_counts(model) == {"StridedSlice": 1}
    for shape in SHAPES:
        check_runs(tf, function, model, [values(rng, np.float32, shape)])


@pytest.mark.parametrize("name", LOWERED_SLICES)
def test_builtin_keeps_what_it_can_take(tf, rng, name):
    function, model = unknown_dims(tf, LOWERED_SLICES[name])
    assert tflite_model.custom_op_counts(model) == {}
    check_runs(tf, function, model, [values(rng, np.float32, (4, 5, 6))])


@pytest.mark.parametrize("name", ["new_axis_last", "ellipsis_new_axis_range", "mixed", "reverse_strided"])
def test_known_shapes_keep_the_builtin(tf, rng, name):
    """With every dim known the converter lowers the same expressions to builtins: no custom op."""
    x = values(rng, np.float32, (4, 5, 6))
    function, model = convert(tf, lambda v: {"y": CUSTOM_SLICES[name](v)}, (x.shape, tf.float32))
    assert tflite_model.custom_op_counts(model) == {}
    check_runs(tf, function, model, [x])


def all_slices(x: Any) -> dict[str, Any]:
    return {name: expression(x) for name, expression in CUSTOM_SLICES.items()}


@pytest.mark.parametrize("dtype", [np.bool_, *INTS, *FLOATS, *COMPLEX], ids=lambda d: np.dtype(d).name)
def test_every_dtype(tf, rng, dtype):
    """Values are moved as bytes of their size: NaN payloads, -0.0, inf and complex parts come through."""
    function, model = convert(tf, all_slices, ((None, None, None), tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(model) == {"StridedSlice": len(CUSTOM_SLICES)}
    x = values(rng, dtype, (4, 5, 6))
    if np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating):
        x.reshape(-1)[:4] = [np.nan, -0.0, np.inf, -np.inf]
    check_runs(tf, function, model, [x])


def test_bfloat16_inside_a_model(tf, rng):
    """bfloat16 cannot be a model input, but a tensor cast to it inside the model is sliced by the kernel."""

    def fn(x):
        return {k: tf.cast(v, tf.float32) for k, v in all_slices(tf.cast(x, tf.bfloat16)).items()}

    function, model = convert(tf, fn, ((None, None, None), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"StridedSlice": len(CUSTOM_SLICES)}
    check_runs(tf, function, model, [values(rng, np.float32, (4, 5, 6))])


@pytest.mark.parametrize("rank", range(0, 9))
def test_ranks_up_to_8(tf, rng, rank):
    """New axes, indices and reversed ranges on every rank TF's kernel handles (ranks 0 and 1 the
    converter lowers to builtins)."""

    def fn(x):
        out = {"new_axes": x[None, ..., None]}
        if rank >= 1:
            out["reverse_last"] = x[..., None, ::-1]
            out["index_first"] = x[-1, ..., None]
        if rank >= 2:
            out["mixed"] = x[1:, ..., None, ::-2]
            out["index_last"] = x[::2, ..., 0, None]
        return out

    function, model = convert(tf, fn, ((None,) * rank, tf.int32))
    if rank >= 2:
        assert tflite_model.custom_op_counts(model) == {"StridedSlice": 5}
    shape = (3, 2, 4, 2, 3, 2, 1, 2)[:rank]
    check_runs(tf, function, model, [values(rng, np.int32, shape)])


INDEX_DTYPES = [np.int16, np.int32, np.int64]
# Masks over a 4-entry spec on a rank-3 input (one entry a new axis or an ellipsis): the converter
# leaves all of these custom when begin/end/strides are computed in the model.
RUNTIME_MASKS = {
    "ranges": {"begin_mask": 0b0010, "end_mask": 0b1000, "new_axis_mask": 0b0100},
    "index": {"new_axis_mask": 0b0001, "shrink_axis_mask": 0b0100},
    "ellipsis": {"ellipsis_mask": 0b0001, "new_axis_mask": 0b0010, "end_mask": 0b0100},
}


@pytest.mark.parametrize("masks", RUNTIME_MASKS)
@pytest.mark.parametrize("index_dtype", INDEX_DTYPES, ids=lambda d: np.dtype(d).name)
def test_begin_end_strides_computed_at_run_time(tf, rng, index_dtype, masks):
    """begin/end/strides as model inputs: the output shape is known only when the kernel runs. Random
    values: negative, past the ends, reversed; TF's refusals (an index out of range) refused alike."""
    index = tf.as_dtype(index_dtype)

    def fn(x, b, e, s):
        return {"y": tf.strided_slice(x, b, e, s, **RUNTIME_MASKS[masks])}

    function, model = convert(tf, fn, ((None, None, None), tf.float32), *[((4,), index)] * 3)
    assert tflite_model.custom_op_counts(model) == {"StridedSlice": 1}
    refused = 0
    for k in range(40):
        x = values(rng, np.float32, [(5, 6, 7), (2, 0, 3), (3, 8, 2)][k % 3])
        b = rng.integers(-8, 8, 4).astype(index_dtype)
        e = rng.integers(-9, 9, 4).astype(index_dtype)
        s = rng.choice([-3, -2, -1, 1, 1, 1, 2, 3], 4).astype(index_dtype)
        refused += check_runs(tf, function, model, [x, b, e, s]) is not None
    assert refused <= 34  # enough draws slice


def raw_model(
    options: dict[str, int], shape: Sequence[int], dtype: Any, n: int, index_dtype: Any, spec=None
) -> bytes:
    """One CUSTOM StridedSlice node as the converter writes it; `spec` = (begin, end, strides) makes
    those constant tensors (the shape rule then sizes the output at prepare)."""
    constants = None
    if spec is not None:
        constants = {
            k: np.asarray(v, index_dtype) for k, v in zip(("begin", "end", "strides"), spec, strict=True)
        }
    return tflite_model.single_custom_op_model(
        "StridedSlice",
        [
            ("input", shape, dtype),
            ("begin", [n], index_dtype),
            ("end", [n], index_dtype),
            ("strides", [n], index_dtype),
        ],
        [("output", [], dtype)],
        options=flexbuffers.Dumps(options),
        constants=constants,
    )


def raw_case(
    tf, x: np.ndarray, begin, end, strides, options: dict[str, int], index_dtype=np.int32
) -> str | None:
    """TF's raw op vs the kernel, with begin/end/strides as inputs and as constants: equal outputs, or
    both refuse with TF's message. Returns TF's message when it refuses."""
    spec = [np.asarray(v, index_dtype) for v in (begin, end, strides)]
    try:
        want = tf.raw_ops.StridedSlice(
            input=x, begin=spec[0], end=spec[1], strides=spec[2], **options
        ).numpy()
        message = None
    except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as e:
        want, message = None, tf_message(e)
    n = len(spec[2])
    for constant in (False, True):
        model = raw_model(options, x.shape, x.dtype, n, index_dtype, spec if constant else None)
        feeds = [x] if constant else [x, *spec]
        for runtime in RUNTIMES:
            what = f"[{runtime}] {x.shape} {[list(v) for v in spec]} {options} constant={constant}"
            if message is not None:
                with pytest.raises(RuntimeError) as caught:
                    run_tflite(model, feeds, runtime)
                assert "StridedSlice: " in str(caught.value) and message in str(caught.value), (
                    f"{what}: TF says {message!r}, we say {caught.value}"
                )
                continue
            (got,) = run_tflite(model, feeds, runtime).values()
            assert_same(got, want, what)
    return message


def random_case(rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray], dict[str, int]]:
    """A random shape (rank 0-8, a few empty) and spec (up to rank + 2 entries, so new axes fit), masks
    drawn over all five: mostly valid, TF's refusals included."""
    rank = int(rng.integers(0, 9))
    shape = tuple(0 if rng.random() < 0.03 else int(d) for d in rng.integers(1, 6, rank))
    n = int(rng.integers(0, rank + 3))
    begin = rng.integers(-6, 6, n)
    end = rng.integers(-6, 7, n)
    strides = rng.choice([-3, -2, -1, 1, 1, 1, 2, 3], n) if rng.random() < 0.97 else rng.integers(-1, 2, n)
    # Mostly ranges that run with their stride (non-negative indices), so that most outputs are not empty.
    ordered = (rng.random(n) < 0.7) & (begin >= 0) & (end >= 0)
    low, high = np.minimum(begin, end), np.maximum(begin, end) + 1
    begin = np.where(ordered, np.where(strides > 0, low, high), begin)
    end = np.where(ordered, np.where(strides > 0, high, low), end)
    options = {m: int(rng.integers(0, 1 << max(n, 1))) if rng.random() < 0.5 else 0 for m in MASKS}
    # More than one ellipsis is an error; keep that rare so that most cases slice.
    if rng.random() < 0.9 and options["ellipsis_mask"]:
        options["ellipsis_mask"] &= -options["ellipsis_mask"]
    return values(rng, np.float32, shape), [begin, end, strides], options


def test_random_specs_against_tf(tf, rng):
    """Random index specs on random shapes against TF's raw op: values, shapes and refusals equal."""
    sliced = 0
    for k in range(600):
        x, spec, options = random_case(rng)
        sliced += raw_case(tf, x, *spec, options, index_dtype=INDEX_DTYPES[k % 3]) is None
    assert sliced > 300


@pytest.mark.parametrize(
    "spec,options,message",
    [
        (([0, 0], [1, 1], [1, 0]), {}, "strides[1] must be non-zero"),
        (([5], [6], [1]), {"shrink_axis_mask": 1}, "slice index 5 of dimension 0 out of bounds"),
        (([-4], [0], [1]), {"shrink_axis_mask": 1}, "slice index -1 of dimension 0 out of bounds"),
        (([1], [2], [-1]), {"shrink_axis_mask": 1}, "only stride 1 allowed on non-range indexing"),
        (([0, 0], [1, 1], [1, 1]), {"ellipsis_mask": 3}, "Multiple ellipses in slice spec not allowed"),
        (
            ([0, 0, 0], [1, 1, 1], [1, 1, 1]),
            {},
            "Index out of range using input dim 2; input has only 2 dims",
        ),
    ],
    ids=[
        "stride_zero",
        "index_past_end",
        "index_before_start",
        "index_negative_stride",
        "two_ellipses",
        "too_many",
    ],
)
def test_errors_as_tf(tf, rng, spec, options, message):
    x = values(rng, np.float32, (3, 4))
    assert raw_case(tf, x, *spec, options) == message


def test_spec_shapes_as_tf(tf, rng):
    """begin, end and strides must be vectors of one length, under 32 entries (TF's masks have 32 bits)."""
    x = values(rng, np.float32, (3, 4))
    expected = "Expected begin, end, and strides to be 1D equal size tensors, but got shapes"
    for begin, end, strides in (
        ([0], [1, 1], [1, 1]),
        ([0, 0], [1, 1], [1]),
        ([[0, 0]], [[1, 1]], [[1, 1]]),
        (0, 1, 1),
        ([0] * 32, [1] * 32, [1] * 32),
    ):
        spec = [np.asarray(v, np.int32) for v in (begin, end, strides)]
        with pytest.raises(tf.errors.InvalidArgumentError, match=expected) as refused:
            tf.raw_ops.StridedSlice(input=x, begin=spec[0], end=spec[1], strides=spec[2])
        message = tf_message(refused.value)
        model = tflite_model.single_custom_op_model(
            "StridedSlice",
            [
                ("input", x.shape, np.float32),
                *[(k, v.shape, np.int32) for k, v in zip(("begin", "end", "strides"), spec, strict=True)],
            ],
            [("output", [], np.float32)],
        )
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"StridedSlice: {expected}") as caught:
                run_tflite(model, [x, *spec], runtime)
            assert message in str(caught.value)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_mask_out_of_int32_range_is_refused(runtime):
    """TF reads the masks as int32 and refuses wider values; so do we, naming the attr."""
    model = raw_model({"begin_mask": 1 << 33}, [3], np.float32, 1, np.int32)
    feeds = [np.zeros(3, np.float32), *[np.asarray([v], np.int32) for v in (0, 1, 1)]]
    with pytest.raises(RuntimeError, match=r"StridedSlice: .*begin_mask has value 8589934592 out of range"):
        run_tflite(model, feeds, runtime)


def test_rank_9_only_where_tf_has_a_shortcut(tf, rng):
    """TF's kernel slices at most 8 dims; a rank-9 input works only as an identity or a slice of whole
    rows of dim 0 whose size in bytes is a multiple of Eigen's alignment (64 in TF's x86 build)."""
    shape = (3, 2, 1, 2, 1, 2, 1, 2, 2)  # 32 elements per row of dim 0
    for dtype in (np.int8, np.int16, np.float32, np.float64):
        x = values(rng, dtype, shape)
        for begin, end, strides, options in (
            ([0], [3], [1], {}),  # identity
            ([1], [3], [1], {}),  # whole rows of dim 0: 32 elements, aligned but for 1-byte types
            ([1], [0], [1], {"shrink_axis_mask": 1}),
            ([0, 0], [3, 1], [1, 1], {}),  # a range in dim 1: no shortcut
            ([0], [3], [1], {"new_axis_mask": 1}),
            ([0], [3], [2], {}),
        ):
            message = raw_case(tf, x, begin, end, strides, options)
            assert message is None or message == "Unhandled input dimensions 9"


def test_threads_do_not_change_results(tf, rng):
    x = values(rng, np.float32, (64, 300, 70))
    function, model = convert(
        tf,
        # "d": one contiguous run (a new axis only), its copy split between the threads.
        lambda v: {"a": v[:, None, ::-3], "b": v[..., 5:60, None], "c": v[:, -1], "d": v[:, None]},
        ((None, None, None), tf.float32),
    )
    want = {k: t.numpy() for k, t in function(x).items()}
    for threads in (1, 4):
        got = run_tflite(model, [x], num_threads=threads)
        for key in want:
            assert_same(got[key], want[key], f"{key}, {threads} threads")
