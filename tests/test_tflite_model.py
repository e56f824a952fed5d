"""opbridge.tflite_model's hand-made models: opcode versions, constant inputs, complex tensors."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite


def unique_model(version: int = 1, constants=None) -> bytes:
    return tflite_model.single_custom_op_model(
        "UniqueWithCounts",
        [("x", [4], np.int32)],
        [("y", [4], np.int32), ("idx", [4], np.int32), ("count", [4], np.int32)],
        version=version,
        constants=constants,
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_custom_ops_resolve_by_name_and_version(runtime):
    """A resolver finds a custom op only under the exact version it was registered with."""
    (info,) = [op for op in opbridge.catalog.op_infos() if op.name == "UniqueWithCounts"]
    assert info.tflite_version == 1
    out = run_tflite(unique_model(), [np.array([3, 1, 3, 3], np.int32)], runtime)
    np.testing.assert_array_equal(out["y"], [3, 1])
    with pytest.raises(RuntimeError, match="unresolved custom op: UniqueWithCounts"):
        run_tflite(unique_model(version=2), [np.array([3, 1, 3, 3], np.int32)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_constant_inputs(runtime):
    model = unique_model(constants={"x": np.array([5, 5, 2, 5], np.int32)})
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    assert interpreter.get_input_details() == []
    interpreter.allocate_tensors()
    interpreter.invoke()
    outputs = {d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()}
    np.testing.assert_array_equal(outputs["y"], [5, 2])
    np.testing.assert_array_equal(outputs["count"], [3, 1])
    with pytest.raises(ValueError, match="data shape"):
        unique_model(constants={"x": np.zeros(3, np.int32)})
    with pytest.raises(ValueError, match=r"constants \['z'\] name no input"):
        unique_model(constants={"z": np.zeros(4, np.int32)})


def test_complex_tensors_round_trip():
    model = tflite_model.single_custom_op_model(
        "Complex", [("real", [2], np.float32), ("imag", [2], np.float32)], [("out", [2], np.complex64)]
    )
    interpreter = opbridge.Interpreter(model_content=model)
    (out,) = interpreter.get_output_details()
    assert out["dtype"] == np.complex64
