"""opbridge.Interpreter and registerers: stock runtimes, stock behaviour, the ABI self-test."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import _abi_check


def test_list_ops_and_registerers():
    assert {"Erf", "MatrixInverse", "Opbridge>GridSample"} <= set(opbridge.list_ops())
    assert "Opbridge>GridSampleGrad" not in opbridge.list_ops()  # TF-only gradient op
    assert all(callable(r) for r in opbridge.registerers())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_registerers_work_with_the_stock_classes(tf, rng, runtime):
    """The list plugs straight into each runtime's own InterpreterWithCustomOps."""
    model = convert_fn(tf.math.erf, ((3, 4), tf.float32))
    cls = opbridge.interpreter.interpreter_class(runtime)
    interpreter = cls(model_content=model, custom_op_registerers=opbridge.registerers())
    interpreter.allocate_tensors()
    x = rng.standard_normal((3, 4)).astype(np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    y = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_array_equal(y, tf.math.erf(x).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_without_opbridge_the_runtime_refuses_the_model(tf, runtime):
    model = convert_fn(tf.math.erf, ((3,), tf.float32))
    cls = opbridge.interpreter.interpreter_class(runtime)
    with pytest.raises((RuntimeError, ValueError), match="Erf"):
        interpreter = cls(model_content=model)
        interpreter.allocate_tensors()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_stock_options_pass_through(tf, rng, tmp_path, runtime):
    model = convert_fn(lambda m: tf.linalg.inv(tf.linalg.inv(m)), ((4, 4), tf.float64))
    path = tmp_path / "inv.tflite"
    path.write_bytes(model)
    interpreter = opbridge.Interpreter(
        model_path=path, runtime=runtime, num_threads=2, experimental_preserve_all_tensors=True
    )
    interpreter.allocate_tensors()
    a = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], a)
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(out, a, rtol=1e-10)
    # preserve_all_tensors keeps the intermediate (the inverse itself) readable.
    intermediates = [
        interpreter.get_tensor(d["index"])
        for d in interpreter.get_tensor_details()
        if d["shape"].tolist() == [4, 4] and d["index"] != interpreter.get_output_details()[0]["index"]
    ]
    assert any(np.allclose(t, np.linalg.inv(a)) for t in intermediates)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_signature_runner_of_a_saved_model(tf, rng, tmp_path, runtime):
    module = tf.Module()
    module.f = tf.function(
        lambda x: {"y": tf.math.erf(x)}, input_signature=[tf.TensorSpec((2, 2), tf.float32, name="x")]
    )
    tf.saved_model.save(module, str(tmp_path), signatures=module.f)
    interpreter = opbridge.Interpreter(model_content=opbridge.convert(tmp_path), runtime=runtime)
    runner = interpreter.get_signature_runner()
    x = rng.standard_normal((2, 2)).astype(np.float32)
    np.testing.assert_array_equal(runner(x=x)["y"], tf.math.erf(x).numpy())


def test_unknown_runtime():
    with pytest.raises(ValueError, match="unknown runtime 'onnx'"):
        opbridge.Interpreter(model_content=b"", runtime="onnx")


@pytest.mark.parametrize("route", ["resolver", "delegate"])
def test_abi_self_test_passes_on_the_installed_runtimes(tf, route):
    for runtime in RUNTIMES:
        cls = opbridge.interpreter.interpreter_class(runtime)
        load = opbridge.interpreter._load_delegate(runtime)
        _abi_check._run_probe(runtime, cls, opbridge._library.builtin_library(), route, load)


def test_abi_mismatch_is_reported_field_by_field():
    """What the checker says when the probe read something else than the interpreter reports."""
    expected = {"input_index": 3, "input_dims": [2, 3, 4], "input_bytes": 96, "input_name": "in"}
    shifted = {
        "input_index": 3,
        "input_dims": [2, 3, 4],
        "input_bytes": 0,
        "input_name": "",
        "tensors_size": 9,
    }
    wrong = _abi_check.compare(expected, shifted)
    assert wrong == [
        "input_bytes: the interpreter says 96, the kernel read 0",
        "input_name: the interpreter says 'in', the kernel read ''",
    ]
    assert _abi_check.compare(expected, {**expected, "tensors_size": 9}) == []
    assert "tensors_size" in _abi_check.compare(expected, {**expected, "tensors_size": 1})[0]


def test_the_same_model_runs_in_many_threads(tf, rng):
    """invoke releases the GIL: kernels run concurrently and must be reentrant."""
    import concurrent.futures

    from opbridge.testing import run_tflite

    model = convert_fn(
        lambda i, g: opbridge.ops.grid_sample(i, g, padding_mode="reflection"),
        ((2, 16, 16, 4), tf.float32),
        ((2, 12, 12, 2), tf.float32),
    )
    cases = [
        (
            rng.standard_normal((2, 16, 16, 4)).astype(np.float32),
            rng.uniform(-1.2, 1.2, (2, 12, 12, 2)).astype(np.float32),
        )
        for _ in range(8)
    ]
    want = [opbridge.ops.grid_sample(i, g, padding_mode="reflection").numpy() for i, g in cases]

    def run(k):
        (out,) = run_tflite(model, list(cases[k % 8]), num_threads=1 + k % 3).values()
        return k, out

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for k, out in pool.map(run, range(48)):
            np.testing.assert_array_equal(out, want[k % 8])


def test_public_functions_are_not_shadowed_by_submodules():
    """opbridge.convert / opbridge.composite stay functions once their modules are imported."""
    import inspect

    import opbridge.composites
    import opbridge.conversion

    for name in ("convert", "composite", "Interpreter", "registerers", "list_ops"):
        assert not inspect.ismodule(getattr(opbridge, name)), name


def test_models_xnnpack_would_break_run_without_default_delegates(tmp_path):
    """XNNPACK claims every node named MaxUnpooling2D (MediaPipe's op, float mask) and fails
    to prepare the converter's addons:MaxUnpooling2D composite of that name (integer mask):
    opbridge.Interpreter leaves default delegates out for such models."""
    from opbridge import interpreter, tflite_model

    def unpool(mask_dtype):
        return tflite_model.single_custom_op_model(
            "MaxUnpooling2D",
            [("updates", [1, 2, 2, 1], np.float32), ("mask", [1, 2, 2, 1], mask_dtype)],
            [("output", [1, 4, 4, 1], np.float32)],
        )

    assert interpreter._default_delegates_break(unpool(np.int64))
    assert interpreter._default_delegates_break(unpool(np.int32))
    assert not interpreter._default_delegates_break(unpool(np.float32))
    path = tmp_path / "unpool.tflite"
    path.write_bytes(unpool(np.int64))
    # The choice is made from a file too, and an explicit resolver type is left alone.
    assert opbridge.Interpreter(model_path=path) is not None
    from ai_edge_litert.interpreter import OpResolverType

    opbridge.Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN)
