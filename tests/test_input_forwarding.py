"""An op whose output is its input's bytes (OpSpec::MayForwardInput, docs/design.md): TFLite's
planner gives a StridedSlice that only adds axes (`mask[:, None, :, :]`) the buffer of its input,
as it does for its own RESHAPE, and the node copies nothing. The planner never shares a graph input
or output (the kernel copies there), and the adapter keeps it from sharing where the output is not
the input's bytes though it has their size (a reversal). Every case is compared with TF."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES

SPEC = [None, None, 8]


def _model(tf: Any, fn: Any) -> tuple[Any, bytes]:
    function = tf.function(fn, input_signature=[tf.TensorSpec(SPEC, tf.float32, name="x")])
    return function, opbridge.convert(function)


def expand(x: Any) -> Any:
    return (x * 2.0)[:, None, :, :] + 1.0


def reverse_and_expand(x: Any) -> Any:
    # The reversal keeps the size of its input; the expansion is a second reader of it.
    y = x * 2.0
    return y[..., None, ::-1] * 3.0 + y[..., None, :]


def graph_input_to_output(x: Any) -> Any:
    return x[:, None, :, :]


def _slices(interpreter: Any) -> list[tuple[int, int, bool]]:
    """(input, output, reverses) of the model's StridedSlice nodes, in execution order;
    `reverses`: a negative stride (its strides input is a constant)."""
    ops = [op for op in interpreter._get_ops_details() if op["op_name"] == "StridedSlice"]
    return [
        (
            int(op["inputs"][0]),
            int(op["outputs"][0]),
            bool((interpreter.get_tensor(op["inputs"][3]) < 0).any()),
        )
        for op in ops
    ]


def _address(interpreter: Any, index: int) -> int:
    view = interpreter.tensor(index)()
    address = int(view.__array_interface__["data"][0])
    del view
    return address


def _invoke(interpreter: Any, x: np.ndarray) -> np.ndarray:
    """x into input 0 (by index, resized to x's shape), one invoke; output 0."""
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def _run(
    model: bytes, x: np.ndarray, runtime: str, route: str = "auto"
) -> tuple[np.ndarray, list[tuple[bool, bool]]]:
    """The model's output for x, and per StridedSlice node (whether it reverses, whether its
    output took its input's buffer)."""
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime, route=route)
    out = _invoke(interpreter, x)
    shared = [
        (rev, _address(interpreter, i) == _address(interpreter, o)) for i, o, rev in _slices(interpreter)
    ]
    return out, shared


# (model, input shape, per StridedSlice node (reverses, shares its input's buffer), sorted):
# an expansion of an intermediate shares; a same-size reversal never does, while the
# expansion reading the same input still shares (its data is unchanged); a graph input
# copied to a graph output never shares.
SHARING = {
    "expansion": (expand, (3, 5, 8), [(False, True)]),
    "reversal": (reverse_and_expand, (4, 6, 8), [(False, True), (True, False)]),
    "graph_io": (graph_input_to_output, (2, 3, 8), [(False, False)]),
}


@pytest.mark.parametrize("case", SHARING)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_output_shares_its_input_only_where_it_is_its_bytes(tf, runtime, case):
    fn, shape, sharing = SHARING[case]
    function, model = _model(tf, fn)
    x = np.random.default_rng(len(case)).standard_normal(shape).astype(np.float32)
    got, shared = _run(model, x, runtime)
    np.testing.assert_array_equal(got, function(x).numpy())
    assert sorted(shared) == sharing


def expand_then_add_in_place(x: Any) -> Any:
    # The expansion shares y's buffer; ADD could run in place on its input, but y is read
    # again afterwards (by the reversal), so the planner must give ADD a buffer of its own.
    y = x * 2.0
    return (y[:, None, :, :] + 1.0) - y[:, None, :, ::-1]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_in_place_builtin_after_a_forward_keeps_the_shared_input(tf, runtime):
    # Without the default delegate the builtins run on the arena's buffers, where TFLite's
    # own in-place ops (ADD, MUL) may reuse their input's buffer.
    function, model = _model(tf, expand_then_add_in_place)
    x = np.random.default_rng(5).standard_normal((3, 5, 8)).astype(np.float32)
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime, default_delegates=False)
    got = _invoke(interpreter, x)
    np.testing.assert_array_equal(got, function(x).numpy())
    ops = interpreter._get_ops_details()
    assert [op["op_name"] for op in ops] == ["MUL", "StridedSlice", "ADD", "StridedSlice", "SUB"]
    y = _address(interpreter, int(ops[0]["outputs"][0]))
    assert _address(interpreter, int(ops[1]["outputs"][0])) == y  # the expansion shares y
    assert _address(interpreter, int(ops[2]["outputs"][0])) != y  # ADD does not write into it


def test_resizing_keeps_the_results(tf):
    # A second allocation re-plans the buffers; each shape matches TF.
    function, model = _model(tf, reverse_and_expand)
    interpreter = opbridge.Interpreter(model_content=model)
    for shape in [(2, 3, 8), (5, 7, 8), (1, 1, 8)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        np.testing.assert_array_equal(_invoke(interpreter, x), function(x).numpy())


@pytest.mark.parametrize("fn", [expand, reverse_and_expand])
def test_the_delegate_route_computes_the_same(tf, fn):
    # Through opbridge's delegate the node is a delegate kernel: nothing is shared, and
    # the slices copy.
    function, model = _model(tf, fn)
    x = np.random.default_rng(3).standard_normal((3, 4, 8)).astype(np.float32)
    got, _ = _run(model, x, "litert", route="delegate")
    np.testing.assert_array_equal(got, function(x).numpy())


def _node_sharing(interpreter: Any, op_name: str) -> list[bool]:
    """Per node named op_name: whether output 0 took input 0's buffer."""
    return [
        _address(interpreter, int(op["inputs"][0])) == _address(interpreter, int(op["outputs"][0]))
        for op in interpreter._get_ops_details()
        if op["op_name"] == op_name
    ]


# Ops whose output is input 0's bytes when it has as many elements (TF's kernels hand out
# the input there): (op, input spec, the op applied to an intermediate, whether it shares).
# The converter leaves them custom in float64, as in half and bfloat16 models
# (docs/ops-float64.md). Tile by ones never reaches a model: the converter folds it.
SAME_SIZE = {
    "slice_whole": ("Slice", [None, None, 8], lambda tf, y: tf.slice(y, [0, 0, 0], [-1, -1, -1]), True),
    "slice_part": ("Slice", [None, None, 8], lambda tf, y: tf.slice(y, [0, 1, 0], [-1, -1, -1]), False),
    "broadcast_same": ("BroadcastTo", [None, None, 8], lambda tf, y: tf.broadcast_to(y, tf.shape(y)), True),
    "broadcast_wider": ("BroadcastTo", [None, 1, 8], lambda tf, y: tf.broadcast_to(y, [3, 4, 8]), False),
    "pad_zero": ("Pad", [None, None, 8], lambda tf, y: tf.pad(y, [[0, 0], [0, 0], [0, 0]]), True),
    "pad_some": ("Pad", [None, None, 8], lambda tf, y: tf.pad(y, [[0, 0], [1, 0], [0, 2]]), False),
    "padv2_zero": (
        "PadV2",
        [None, None, 8],
        lambda tf, y: tf.pad(y, [[0, 0], [0, 0], [0, 0]], constant_values=1.5),
        True,
    ),
    "mirror_pad_zero": (
        "MirrorPad",
        [None, None, 8],
        lambda tf, y: tf.pad(y, [[0, 0], [0, 0], [0, 0]], mode="REFLECT"),
        True,
    ),
    "mirror_pad_some": (
        "MirrorPad",
        [None, None, 8],
        lambda tf, y: tf.pad(y, [[0, 0], [0, 0], [1, 1]], mode="REFLECT"),
        False,
    ),
    "pack_one": ("Pack", [None, None, 8], lambda tf, y: tf.stack([y], axis=1), True),
    "pack_two": ("Pack", [None, None, 8], lambda tf, y: tf.stack([y, y + 1.0], axis=1), False),
    "unpack_one": ("Unpack", [None, 1, 8], lambda tf, y: tf.unstack(y, axis=1)[0], True),
    "unpack_two": ("Unpack", [None, 2, 8], lambda tf, y: tf.unstack(y, axis=1)[1], False),
    "concat_empty": ("ConcatV2", [None, None, 8], lambda tf, y: tf.concat([y, y[:, :0]], axis=1), True),
}


@pytest.mark.parametrize("case", SAME_SIZE)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_data_moving_ops_share_where_the_output_is_the_input(tf, runtime, case):
    op_name, spec, op, shares = SAME_SIZE[case]
    function = tf.function(
        lambda x: op(tf, x * 2.0) * 3.0, input_signature=[tf.TensorSpec(spec, tf.float64, name="x")]
    )
    model = opbridge.convert(function)
    shape = [d if d is not None else 3 + i for i, d in enumerate(spec)]
    x = np.random.default_rng(len(case)).standard_normal(shape)
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    got = _invoke(interpreter, x)
    np.testing.assert_array_equal(got, function(x).numpy())
    assert _node_sharing(interpreter, op_name) == [shares]
