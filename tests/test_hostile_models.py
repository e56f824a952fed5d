"""Bad models, bad attrs and bad inputs give an error naming the op and the problem, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

F32, F64, I32 = np.float32, np.float64, np.int32


def grid_sample_model(
    image=((1, 4, 4, 2), F32), grid=((1, 3, 3, 2), F32), out=((1, 3, 3, 2), F32), options=None
):
    inputs = [("image", *image)] + ([("grid", *grid)] if grid else [])
    return tflite_model.single_custom_op_model(
        "Opbridge>GridSample", inputs, [("out", *out)], options=flexbuffers.Dumps(options or {})
    )


def inputs_for(model):
    interpreter = opbridge.Interpreter(model_content=model)
    return [np.ones(d["shape"], d["dtype"]) for d in interpreter.get_input_details()]


CASES = {
    "image rank 3": (
        grid_sample_model(image=((4, 4, 2), F32)),
        r"input 'image' must have rank 4, got shape \[4, 4, 2\]",
    ),
    "grid last dim 3": (grid_sample_model(grid=((1, 3, 3, 3), F32)), r"dim 3 of input 'grid' must be 2"),
    "batch mismatch": (
        grid_sample_model(grid=((2, 3, 3, 2), F32)),
        r"dim 0 of input 'image' \[1, 4, 4, 2\] must equal",
    ),
    "empty image": (
        grid_sample_model(image=((1, 0, 4, 2), F32)),
        r"input 'image' must have non-empty spatial dims",
    ),
    "mixed dtypes": (
        grid_sample_model(grid=((1, 3, 3, 2), F64)),
        r"input 'grid' is double but attr T is float",
    ),
    "int32 inputs": (
        grid_sample_model(image=((1, 4, 4, 2), I32), grid=((1, 3, 3, 2), I32), out=((1, 3, 3, 2), I32)),
        r"input 'image' has unsupported dtype int32",
    ),
    "T attr disagrees": (
        grid_sample_model(options={"T": 10}),
        r"input 'image' is float but attr T is double",
    ),
    "output dtype": (
        grid_sample_model(out=((1, 3, 3, 2), F64)),
        r"output 'output' is double, expected float",
    ),
    "one input": (grid_sample_model(grid=None), r"expects 2 inputs, the node has 1"),
    "unknown mode": (
        grid_sample_model(options={"mode": "trilinear"}),
        r"attr 'mode' is 'trilinear', expected one of",
    ),
    # Python decodes the runtime's error text as UTF-8: a byte that is not UTF-8 is shown escaped.
    "mode not UTF-8": (
        grid_sample_model(options={"mode": "\u00e9trilinear\x00"}).replace(
            "\u00e9trilinear\x00".encode(), b"\x95\xc3trilinear\x00"
        ),
        r"attr 'mode' is '\\x95\\xc3trilinear\\x00', expected one of",
    ),
    "bool attr as string": (
        grid_sample_model(options={"align_corners": "yes"}),
        r"attr 'align_corners' must be bool but the options hold a string",
    ),
    "mode as int": (
        grid_sample_model(options={"mode": 3}),
        r"attr 'mode' must be string but the options hold a int",
    ),
    "unknown type number": (grid_sample_model(options={"T": 99}), r"attr 'T' holds TFLite type number 99"),
    "options not a map": (
        tflite_model.replace_custom_options(
            grid_sample_model(), "Opbridge>GridSample", flexbuffers.Dumps([1, 2])
        ),
        r"custom options must be a flexbuffer map, got a vector",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_node_is_a_clear_error(case, runtime):
    model, message = CASES[case]
    with pytest.raises(RuntimeError, match="Opbridge>GridSample: " + message):
        run_tflite(model, inputs_for(model), runtime)


def corruptions(valid: bytes, rng: np.random.Generator):
    yield b"\x00"
    yield b"\x01\x02"
    yield valid[: len(valid) // 2]
    yield valid[:-1]
    yield valid[1:]
    yield bytes(255 for _ in valid)
    for _ in range(20):
        yield rng.bytes(int(rng.integers(3, 64)))
    for _ in range(20):
        flipped = bytearray(valid)
        flipped[int(rng.integers(len(flipped)))] ^= 1 << int(rng.integers(8))
        yield bytes(flipped)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_corrupted_options_in_a_converted_model(tf, rng, runtime):
    """A real converted model whose custom_options were damaged by hand: errors, never a crash."""
    model = convert_fn(lambda m: tf.linalg.inv(m, adjoint=True), ((3, 3), tf.float32))
    (use,) = tflite_model.custom_ops(model)
    assert flexbuffers.Loads(use.options) == {"T": 0, "adjoint": True}
    a = rng.standard_normal((3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32)
    outcomes = {"error": 0, "ran": 0}
    for options in corruptions(use.options, rng):
        damaged = tflite_model.replace_custom_options(model, "MatrixInverse", options)
        try:
            (out,) = run_tflite(damaged, [a], runtime).values()
        except RuntimeError as exc:
            assert "MatrixInverse: " in str(exc)
            outcomes["error"] += 1
        else:
            # Damage that still decodes to valid attrs must compute what those attrs say.
            attrs = opbridge._library.builtin_library().decode_options("MatrixInverse", options)
            adjoint = attrs["adjoint"]
            np.testing.assert_allclose(out, np.linalg.inv(a.T if adjoint else a), rtol=1e-4, atol=1e-4)
            outcomes["ran"] += 1
    assert outcomes["error"] > 20


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_missing_options_mean_defaults(tf, rng, runtime):
    """Options may be absent (older or hand-made models): every attr takes its default."""
    model = grid_sample_model()
    model = tflite_model.replace_custom_options(model, "Opbridge>GridSample", b"")
    image = rng.standard_normal((1, 4, 4, 2)).astype(np.float32)
    grid = rng.uniform(-1, 1, (1, 3, 3, 2)).astype(np.float32)
    (out,) = run_tflite(model, [image, grid], runtime).values()
    np.testing.assert_allclose(out, opbridge.ops.grid_sample(image, grid).numpy(), atol=1e-6)


def test_tf_side_errors_name_the_op(tf, rng):
    image = rng.standard_normal((4, 4, 2)).astype(np.float32)
    grid = rng.uniform(-1, 1, (1, 3, 3, 2)).astype(np.float32)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Opbridge>GridSample: input 'image' must have rank 4"
    ):
        opbridge.ops.grid_sample(image, grid)
    with pytest.raises(ValueError, match=r"Opbridge>GridSample: input 'image' must have rank 4"):
        tf.function(opbridge.ops.grid_sample).get_concrete_function(
            tf.TensorSpec((4, 4, 2), tf.float32), tf.TensorSpec((1, 3, 3, 2), tf.float32)
        )
    with pytest.raises(
        ValueError, match=r"mode must be one of \('bilinear', 'nearest', 'bicubic'\), got 'trilinear'"
    ):
        opbridge.ops.grid_sample(image[None], grid, mode="trilinear")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"mode.*trilinear"):
        opbridge._tf_library.load().opbridge_grid_sample(image[None], grid, mode="trilinear")
    with pytest.raises(
        (TypeError, tf.errors.InvalidArgumentError), match=r"int32 is not in the list of allowed"
    ):
        opbridge.ops.grid_sample(image[None].astype(np.int32), grid.astype(np.int32))
