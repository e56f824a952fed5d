"""Models converted the stock way with Select TF ops (SELECT_TF_OPS: "Flex<Op>" nodes whose options
hold the TF NodeDef) run with opbridge's kernels, without the Flex delegate, which neither Python
runtime has: stock interpreters refuse these models, opbridge's run them and match TF."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES
from opbridge import tflite_model


def select_tf_convert(tf: Any, fn: Any) -> bytes:
    """The converter as the Select TF ops guide sets it up."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    return converter.convert()


def gradients_fn(tf: Any) -> Any:
    """TF ops with int, float, string, list(int) and type attrs, each left as a Select TF node."""

    spec = tf.TensorSpec([None, 6, 4, 2], tf.float32)

    @tf.function(input_signature=[spec, spec])
    def fn(g: Any, x: Any) -> Any:
        pooled = tf.nn.max_pool2d(x, 2, 2, "SAME")
        return (
            tf.raw_ops.LeakyReluGrad(gradients=g, features=x, alpha=0.3),
            tf.raw_ops.ReluGrad(gradients=g, features=x),
            tf.raw_ops.MaxPoolGrad(
                orig_input=x,
                orig_output=pooled,
                grad=tf.nn.max_pool2d(g, 2, 2, "SAME"),
                ksize=[1, 2, 2, 1],
                strides=[1, 2, 2, 1],
                padding="SAME",
            ),
            tf.raw_ops.Conv2DBackpropFilter(
                input=x,
                filter_sizes=[3, 3, 2, 5],
                out_backprop=tf.concat([g, g, g[..., :1]], axis=-1),
                strides=[1, 1, 1, 1],
                padding="SAME",
            ),
        )

    return fn


@pytest.fixture(scope="module")
def model(tf: Any) -> tuple[bytes, Any]:
    fn = gradients_fn(tf)
    return select_tf_convert(tf, fn), fn


def test_the_converter_makes_select_tf_nodes(model: tuple[bytes, Any]) -> None:
    counts = tflite_model.custom_op_counts(model[0])
    assert {"FlexLeakyReluGrad", "FlexReluGrad", "FlexMaxPoolGrad", "FlexConv2DBackpropFilter"} <= set(counts)
    import opbridge.conversion

    assert opbridge.conversion.missing_ops(model[0]) == {}


def test_stock_interpreters_refuse_them(model: tuple[bytes, Any], tf: Any) -> None:
    from ai_edge_litert.interpreter import Interpreter

    with pytest.raises(RuntimeError, match="Select TensorFlow op"):
        Interpreter(model_content=model[0]).allocate_tensors()


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("batch", [1, 3])  # TF 2.21 aborts the process on batch 0 here
def test_opbridge_runs_them_as_tf_does(model: tuple[bytes, Any], runtime: str, batch: int) -> None:
    import opbridge

    data, fn = model
    rng = np.random.default_rng(batch)
    g = rng.normal(size=(batch, 6, 4, 2)).astype(np.float32)
    x = rng.normal(size=(batch, 6, 4, 2)).astype(np.float32)
    x[..., 0, :] = 0.0  # ReLU gradients at 0 take the "not > 0" side
    want = [t.numpy() for t in fn(g, x)]
    interp = opbridge.Interpreter(model_content=data, runtime=runtime)
    inputs = interp.get_input_details()
    for detail, value in zip(inputs, (g, x), strict=True):
        interp.resize_tensor_input(detail["index"], value.shape)
    interp.allocate_tensors()
    for detail, value in zip(inputs, (g, x), strict=True):
        interp.set_tensor(detail["index"], value)
    interp.invoke()
    outputs = interp.get_output_details()
    assert len(outputs) == len(want)
    for i, (detail, expected) in enumerate(zip(outputs, want, strict=True)):
        got = interp.get_tensor(detail["index"])
        assert got.shape == expected.shape, i
        if i < 3:  # elementwise gradients and max-pool routing: exact
            np.testing.assert_array_equal(got, expected, err_msg=f"[{runtime}] output {i}")
        else:  # a contraction: summation order differs from Eigen's
            scale = max(float(np.abs(expected).max(initial=0.0)), 1.0)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * scale, err_msg=f"[{runtime}] {i}")


def node_def_options(tf: Any, op: str, attrs: dict[str, Any]) -> bytes:
    """Select TF options as the converter writes them: a flexbuffer vector [op, NodeDef bytes]."""
    from tensorflow.core.framework import node_def_pb2

    node = node_def_pb2.NodeDef(name=op, op=op)
    for key, value in attrs.items():
        node.attr[key].CopyFrom(value)
    return bytes(flexbuffers.Dumps([op, node.SerializeToString()]))


def hostile_options(tf: Any) -> dict[str, tuple[bytes, str]]:
    from tensorflow.core.framework import attr_value_pb2

    good_t = attr_value_pb2.AttrValue(type=tf.float32.as_datatype_enum)
    good = node_def_options(tf, "LeakyReluGrad", {"T": good_t, "alpha": attr_value_pb2.AttrValue(f=0.3)})
    node_bytes = flexbuffers.Loads(good)[1]
    return {
        "not a flexbuffer": (b"\x01\x02\x03", "not a valid flexbuffer"),
        "a map, not [op, NodeDef]": (bytes(flexbuffers.Dumps({"alpha": 0.3})), "vector [op name, NodeDef]"),
        "another op's NodeDef": (bytes(flexbuffers.Dumps(["ReluGrad", node_bytes])), "name op 'ReluGrad'"),
        "truncated NodeDef": (bytes(flexbuffers.Dumps(["LeakyReluGrad", node_bytes[:-3]])), "LeakyReluGrad"),
        "alpha as a string": (
            node_def_options(tf, "LeakyReluGrad", {"T": good_t, "alpha": attr_value_pb2.AttrValue(s=b"x")}),
            "attr 'alpha' must be float but the NodeDef holds a string",
        ),
        "unknown DataType": (
            node_def_options(tf, "LeakyReluGrad", {"T": attr_value_pb2.AttrValue(type=77)}),
            "DataType 77",
        ),
        "runaway varint": (bytes(flexbuffers.Dumps(["LeakyReluGrad", b"\x2a" + b"\xff" * 12])), "varint"),
        "length past the end": (bytes(flexbuffers.Dumps(["LeakyReluGrad", b"\x2a\x7f\x0a"])), "past the end"),
    }


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hostile_node_defs_are_errors_naming_the_op(tf: Any, runtime: str) -> None:
    import opbridge

    fn = gradients_fn(tf)
    data = select_tf_convert(tf, fn)
    for case, (options, message) in hostile_options(tf).items():
        bad = tflite_model.replace_custom_options(data, "FlexLeakyReluGrad", options)
        interp = opbridge.Interpreter(model_content=bad, runtime=runtime)
        with pytest.raises(RuntimeError) as error:
            interp.allocate_tensors()
        assert "LeakyReluGrad" in str(error.value) and message in str(error.value), (case, str(error.value))


def test_decode_options_reads_node_defs(tf: Any) -> None:
    from tensorflow.core.framework import attr_value_pb2

    from opbridge._library import builtin_library

    options = node_def_options(
        tf,
        "MaxPoolGrad",
        {
            "T": attr_value_pb2.AttrValue(type=tf.float64.as_datatype_enum),
            "ksize": attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(i=[1, 3, 3, 1])),
            "strides": attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(i=[1, 2, 2, 1])),
            "padding": attr_value_pb2.AttrValue(s=b"VALID"),
        },
    )
    attrs = builtin_library().decode_options("FlexMaxPoolGrad", options)
    assert attrs["ksize"] == [1, 3, 3, 1] and attrs["strides"] == [1, 2, 2, 1]
    assert attrs["padding"] == "VALID" and attrs["data_format"] == "NHWC"  # the default
    assert attrs["T"] == "double"
