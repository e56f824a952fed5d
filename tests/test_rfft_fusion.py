"""opbridge.convert's fusion of the converter's reshape -> RFFT2D [1, n] -> reshape into
TF's RFFT node (python/opbridge/rfft_fusion.py): the fused model gives the unfused
model's bits, and chains that are not exactly a one-dimensional rfft stay as they are."""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema

from conftest import RUNTIMES
from opbridge import fallbacks, rfft_fusion, tflite_model
from opbridge.conversion import convert_model
from opbridge.fallbacks import custom_name
from opbridge.testing import run_tflite


def unfused(tf, fn, signature):
    """The model as opbridge.convert made it before the fusion: the converter's model with
    the RFFT2D nodes the builtin cannot run switched to opbridge's."""
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model, _ = fallbacks.replace_unrunnable_builtins(convert_model(concrete, substitute=False).model)
    return concrete, model


def outputs(model, inputs, runtime):
    out = run_tflite(model, inputs, runtime)
    return [out[f"output_{i}"] for i in range(len(out))]


CASES = [
    # (name, input signature as (shape, dtype), fft_length, run shapes)
    ("static f32 400", ([512, 400], "float32"), 400, [(512, 400)]),
    ("one unknown dim (EXPAND_DIMS)", ([None, 400], "float32"), 400, [(3, 400), (1, 400)]),
    ("two unknown dims (EXPAND_DIMS, SQUEEZE)", ([None, None, 100], "float64"), 100, [(2, 3, 100)]),
    ("130 cropped to 97", ([4, 130], "float32"), 97, [(4, 130)]),
    ("rank 1", ([400], "float32"), 400, [(400,)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fused_rfft_gives_the_unfused_bits(tf, rng, case):
    _, (shape, dtype), n, run_shapes = case
    concrete, before = unfused(
        tf, lambda x: tf.signal.rfft(x, fft_length=[n]), [tf.TensorSpec(shape, getattr(tf, dtype))]
    )
    after, fused = rfft_fusion.fuse_rfft(before)
    assert fused == 1
    assert tflite_model.custom_op_counts(after) == {"RFFT": 1}
    assert "RESHAPE" not in tflite_model.op_histogram(after)
    assert convert_model(concrete).model == after  # what opbridge.convert gives
    for run_shape in run_shapes:
        x = rng.standard_normal(run_shape).astype(dtype)
        for runtime in RUNTIMES:
            (want,) = outputs(before, [x], runtime)
            (got,) = outputs(after, [x], runtime)
            assert got.shape == want.shape == (*run_shape[:-1], n // 2 + 1)
            np.testing.assert_array_equal(got, want, err_msg=f"{runtime} {run_shape}")


def test_stft_fuses_and_keeps_its_bits(tf, rng):
    _, before = unfused(
        tf,
        lambda v: tf.abs(tf.signal.stft(v, 400, 160, fft_length=400)),
        [tf.TensorSpec([None, None], tf.float32)],
    )
    after, fused = rfft_fusion.fuse_rfft(before)
    assert fused == 1 and tflite_model.custom_op_counts(after) == {"RFFT": 1}
    x = rng.standard_normal((2, 16000)).astype(np.float32)
    for runtime in RUNTIMES:
        np.testing.assert_array_equal(outputs(after, [x], runtime)[0], outputs(before, [x], runtime)[0])


def _mark_graph_output(model: bytes, tensor_of) -> bytes:
    """The model with one more graph output: tensor_of(op) of its RFFT2D node."""
    import flatbuffers

    m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    subgraph = m.subgraphs[0]
    (rfft2d,) = [op for op in subgraph.operators if custom_name(m.operatorCodes[op.opcodeIndex]) == "RFFT2D"]
    subgraph.outputs = np.append(subgraph.outputs, tensor_of(rfft2d)).astype(np.int32)
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("which", ["reshaped input", "unreshaped output"])
def test_a_reshape_whose_tensor_is_also_a_graph_output_stays(tf, which):
    """The intermediate tensors must be the chain's own: one read elsewhere keeps the chain."""
    _, before = unfused(tf, lambda x: tf.signal.rfft(x, [400]), [tf.TensorSpec([8, 400], tf.float32)])
    pick = (lambda op: op.inputs[0]) if which == "reshaped input" else (lambda op: op.outputs[0])
    model = _mark_graph_output(before, pick)
    after, fused = rfft_fusion.fuse_rfft(model)
    assert fused == 0 and after == model


def test_reshapes_that_are_not_the_inserted_one_stay(tf, rng):
    """rfft2d [1, n] between reshapes that regroup the batch is not a one-dimensional rfft
    of the reshape's input (the shapes differ); nor is rfft2d without the reshapes."""

    def regrouped(x):
        y = tf.signal.rfft2d(tf.reshape(x, [2, 2, 1, 100]), fft_length=[1, 100])
        return tf.reshape(y, [4, 51])

    for fn in (regrouped, lambda x: tf.signal.rfft2d(x[:, None, :], fft_length=[1, 100])):
        concrete, before = unfused(tf, fn, [tf.TensorSpec([4, 100], tf.float32)])
        after, fused = rfft_fusion.fuse_rfft(before)
        assert fused == 0 and after == before
        assert tflite_model.custom_op_counts(after) == {"RFFT2D": 1}
        x = rng.standard_normal((4, 100)).astype(np.float32)
        want = concrete(tf.constant(x)).numpy()
        np.testing.assert_allclose(outputs(after, [x], "litert")[0], want, rtol=0, atol=1e-4)
