"""examples/compiled_model_c: a C program that runs an opbridge model through LiteRT's
CompiledModel C API (the wheel's libLiteRt.so + libopbridge_tflite.so), built here with
CMake as a user would, run on a model with two custom ops and builtins; its outputs match
opbridge.Interpreter bit for bit and TF within the ops' tolerances, and a kernel's error
reaches the C caller."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import opbridge
from conftest import ROOT, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession

EXAMPLE = ROOT / "examples" / "compiled_model_c"
# LiteRT element type numbers (TfLiteType) of the model's outputs.
ELEMENT_TYPES = {np.dtype(np.float32): 1, np.dtype(np.float64): 11}


def _cmake() -> str:
    cmake = Path(sys.executable).parent / "cmake"
    found = str(cmake) if cmake.is_file() else shutil.which("cmake")
    assert found, "cmake is needed to build examples/compiled_model_c (pip install cmake)"
    return found


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("compiled_model_c")
    lib_dirs = subprocess.run(
        [sys.executable, str(EXAMPLE / "lib_dirs.py")], check=True, capture_output=True, text=True
    ).stdout.split()
    for step in (
        [_cmake(), "-S", str(EXAMPLE), "-B", str(build), "-DCMAKE_COMPILE_WARNING_AS_ERROR=ON", *lib_dirs],
        [_cmake(), "--build", str(build)],
    ):
        done = subprocess.run(step, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    return build / "compiled_model_run"


@pytest.fixture(scope="module")
def model(tf) -> bytes:
    def fn(x, m):
        # x * 0.5 (a builtin Mul, exact in both runtimes) feeds Erfinv; MatrixInverse in float64.
        return {"erfinv": tf.math.erfinv(x * 0.5), "inverse": tf.linalg.inv(m)}

    model = convert_fn(fn, ([64], tf.float32), ([4, 3, 3], tf.float64))
    assert tflite_model.custom_op_counts(model) == {"Erfinv": 1, "MatrixInverse": 1}
    return model


def _run_program(program: Path, model: bytes, inputs: list[np.ndarray], workdir: Path):
    """Runs the program in workdir with inputs in signature order."""
    (workdir / "model.tflite").write_bytes(model)
    paths = []
    for i, value in enumerate(inputs):
        value.tofile(workdir / f"in{i}.bin")
        paths.append(f"in{i}.bin")
    return subprocess.run(
        [str(program), "model.tflite", *paths], cwd=workdir, capture_output=True, text=True, timeout=60
    )


def _signature(model: bytes) -> dict:
    return opbridge.CompiledModel.from_buffer(model).get_signature_by_index(0)


def _inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = rng.uniform(-2.2, 2.2, 64).astype(np.float32)
    x[:5] = [2.0, -2.0, np.nan, 0.0, 3.0]  # erfinv's edges: +-1, NaN, 0, outside the domain
    m = rng.standard_normal((4, 3, 3)) + 3 * np.eye(3)
    return {"input_0": x, "input_1": m}


def test_program_matches_the_interpreter_and_tf(program, model, tf, rng, tmp_path) -> None:
    signature = _signature(model)
    named = _inputs(rng)
    inputs = [named[name] for name in signature["inputs"]]
    done = _run_program(program, model, inputs, tmp_path)
    assert done.returncode == 0, done.stderr

    # One line per output, in signature order: name, element type, shape, first float32 values.
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == signature["outputs"]
    got = {}
    for i, (name, line) in enumerate(zip(signature["outputs"], lines, strict=True)):
        dtype = np.dtype(np.float32) if name == "erfinv" else np.dtype(np.float64)
        got[name] = np.fromfile(tmp_path / f"out{i}.bin", dtype)
        shape = "[64]" if name == "erfinv" else "[4,3,3]"
        assert line.split()[1:3] == [f"dtype={ELEMENT_TYPES[dtype]}", f"shape={shape}"], line
        if dtype == np.float32:
            printed = np.array(line.split("values=")[1].split()[:6], np.float32)
            np.testing.assert_array_equal(printed, got[name][:6])

    # opbridge.Interpreter, fed by index: the same kernels, so the same bits.
    session = SignatureSession(model)
    assert session._index_order == signature["inputs"]
    session.set_inputs(inputs)
    session.invoke()
    want = session.outputs()
    for name in signature["outputs"]:
        np.testing.assert_array_equal(got[name], want[name].ravel())

    # TF: Erfinv within float32's 1e-5 relative, MatrixInverse within 1e-10 (tests/test_parity_*).
    tf_out = tf.function(lambda x, m: {"erfinv": tf.math.erfinv(x * 0.5), "inverse": tf.linalg.inv(m)})(
        named["input_0"], named["input_1"]
    )
    np.testing.assert_allclose(got["erfinv"], tf_out["erfinv"].numpy(), rtol=1e-5, atol=0)
    np.testing.assert_allclose(got["inverse"], tf_out["inverse"].numpy().ravel(), rtol=0, atol=1e-10)


def test_a_failing_kernel_reaches_the_c_caller(program, model, tf, rng, tmp_path) -> None:
    named = _inputs(rng)
    named["input_1"][2] = [[1, 2, 3], [2, 4, 6], [0, 0, 1]]  # singular
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(named["input_1"])
    done = _run_program(program, model, [named[name] for name in _signature(model)["inputs"]], tmp_path)
    assert done.returncode == 1
    assert "error: MatrixInverse: Input is not invertible. (matrix 2 of 4" in done.stderr, done.stderr
    assert done.stdout == "" and not list(tmp_path.glob("out*.bin"))


def test_wrong_input_sizes_are_refused(program, model, tmp_path) -> None:
    done = _run_program(program, model, [np.zeros(3, np.float32), np.zeros((4, 3, 3))], tmp_path)
    assert done.returncode == 1
    assert "in0.bin has 12 bytes, input 0 needs 256" in done.stderr, done.stderr
