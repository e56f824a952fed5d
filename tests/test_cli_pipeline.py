"""`opbridge convert | inspect | check | run` end to end, on models with exotic ops built here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import ROOT

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT / "tests")}
# tf.py_function converts to CUSTOM "EagerPyFunc" (Python code), which no kernel
# library can implement.
UNCOVERED = "EagerPyFunc"

MODEL_MODULE = '''
import numpy as np
import tensorflow as tf
import keras
import opbridge


@keras.saving.register_keras_serializable(package="cli_test")
class ProbitGate(keras.layers.Layer):
    """A custom layer: the normal CDF (Erf). (x times it would be GELU, a builtin.)"""

    def call(self, x):
        return 0.5 * (1.0 + tf.math.erf(x / 1.4142135))


def block(image, theta):
    inverse = tf.linalg.inv(theta)                       # MatrixInverse
    grid = tf.tanh(tf.einsum("bij,bhwj->bhwi", inverse, image[..., :2]))
    warped = opbridge.ops.grid_sample(image, grid, padding_mode="reflection")
    return {"warped": warped, "gate": 0.5 * (1.0 + tf.math.erf(warped))}


SPEC = [
    tf.TensorSpec([1, 6, 6, 3], tf.float32, name="image"),
    tf.TensorSpec([1, 2, 2], tf.float32, name="theta"),
]
exotic = tf.function(block, input_signature=SPEC)
uncovered = tf.function(
    lambda x: tf.math.erf(x) + tf.py_function(np.sin, [x], tf.float32),
    input_signature=[SPEC[0]],
)
# In int8, MATRIX_DIAG fills off-diagonals with 0, not the zero point: a sample whose
# diagonal quantizes to 0 gives a matrix of equal entries, which MatrixInverse refuses.
diag_inverse = tf.function(
    lambda c: tf.linalg.inv(tf.linalg.diag(tf.tile(c, [1, 3]))),
    input_signature=[tf.TensorSpec([1, 1], tf.float32, name="c")],
)
'''


def opbridge(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "opbridge", *args], capture_output=True, text=True, env=ENV, cwd=cwd
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A SavedModel (with a variable), a .keras file with custom layers, sample data."""
    root = tmp_path_factory.mktemp("cli")
    (root / "cli_models.py").write_text(MODEL_MODULE)
    script = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf, keras, opbridge
        import cli_models as m

        module = tf.Module()
        module.scale = tf.Variable(1.5)
        def scaled(image, theta):
            return {k: v * module.scale for k, v in m.block(image, theta).items()}
        module.f = tf.function(scaled, input_signature=m.SPEC)
        tf.saved_model.save(module, "saved_model", signatures=module.f)

        keras.utils.set_random_seed(3)
        image = keras.Input((6, 6, 3), batch_size=1, name="image")
        x = keras.layers.Conv2D(4, 3, padding="same")(image)
        grid = keras.activations.tanh(keras.layers.Conv2D(2, 1)(x))
        y = opbridge.layers.GridSample(padding_mode="border")([m.ProbitGate()(x), grid])
        keras.Model(image, y).save("model.keras")

        rng = np.random.default_rng(0)
        np.savez("rep.npz", image=rng.standard_normal((12, 6, 6, 3)).astype(np.float32),
                 theta=(np.eye(2) + 0.2 * rng.standard_normal((12, 2, 2))).astype(np.float32))
        # 128 * scale for the calibrated range [0, 2]: quantizes to 0 with zero point -128.
        np.savez("diag_rep.npz", c=np.array([[128 * 2 / 255], [2.0], [1.5], [2.0]], np.float32))
        np.save("rep_image.npy", rng.standard_normal((12, 6, 6, 3)).astype(np.float32))
        np.save("bad_rep.npy", rng.standard_normal((12, 5, 5, 3)).astype(np.float32))
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=root, env=ENV, check=True, capture_output=True)
    return root


def report_of(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("quantize", ["none", "dynamic", "float16", "int8"])
def test_convert_saved_model_in_each_quantize_mode(workdir, quantize):
    out = f"sm_{quantize}.tflite"
    extra = ["--representative", "rep.npz", "--samples", "8"] if quantize == "int8" else []
    report = report_of(
        opbridge("convert", "saved_model", "-o", out, "--quantize", quantize, "--json", *extra, cwd=workdir)
    )
    assert (workdir / out).is_file()
    assert report["ops"]["opbridge"] == {"MatrixInverse": 1, "Opbridge>GridSample": 1, "Erf": 1}
    assert report["ops"]["other custom"] == {} and report["missing"] == {}
    assert report["quantize"] == quantize
    # Custom ops run in float whatever the quantization.
    assert set(report["quantization"]["custom_op_input_types"].values()) == {"float32"}
    errors = report["parity"]["max_abs_error"]
    assert set(errors) == {"warped", "gate"}
    if quantize == "none":
        assert max(errors.values()) < 1e-5
        assert report["verified_on"] == "random inputs"
    if quantize == "int8":
        assert report["quantization"]["tensor_types"].get("int8", 0) > 0
        assert report["verified_on"] == "representative samples"
        assert max(errors.values()) < 0.5  # int8 noise, not garbage: outputs are O(1)


def test_convert_keras_file_with_custom_layers(workdir):
    result = opbridge(
        "convert", "model.keras", "-o", "keras.tflite", "--import", "cli_models", "--json", cwd=workdir
    )
    report = report_of(result)
    assert report["ops"]["opbridge"] == {"Erf": 1, "Opbridge>GridSample": 1}
    assert max(report["parity"]["max_abs_error"].values()) < 1e-5


def test_keras_file_without_its_module_is_a_clear_error(workdir):
    result = opbridge("convert", "model.keras", "-o", "k2.tflite", cwd=workdir)
    assert result.returncode == 2
    assert "ProbitGate" in result.stderr and "Traceback" not in result.stderr
    assert not (workdir / "k2.tflite").exists()


def test_convert_module_function_and_table_output(workdir):
    result = opbridge("convert", "cli_models:exotic", "-o", "fn.tflite", cwd=workdir)
    assert result.returncode == 0, result.stderr
    for text in ("ops by kind", "Opbridge>GridSample", "MatrixInverse", "parity on random inputs", "warped"):
        assert text in result.stdout


def test_inspect_check_run(workdir, tf):
    report_of(opbridge("convert", "cli_models:exotic", "-o", "run.tflite", "--json", cwd=workdir))
    info = report_of(opbridge("inspect", "run.tflite", "--json", cwd=workdir))
    signature = info["signatures"]["serving_default"]
    assert signature["inputs"] == {
        "image": {"dtype": "float32", "shape": [1, 6, 6, 3]},
        "theta": {"dtype": "float32", "shape": [1, 2, 2]},
    }
    options = {c["op"]: c["options"] for c in info["custom_ops"]}
    assert options["Opbridge>GridSample"] == {
        "T": "float",
        "mode": "bilinear",
        "padding_mode": "reflection",
        "align_corners": False,
    }
    assert all(c["kernel"] == "opbridge" for c in info["custom_ops"])
    assert opbridge("check", "run.tflite", cwd=workdir).returncode == 0

    rng = np.random.default_rng(5)
    image = rng.standard_normal((1, 6, 6, 3)).astype(np.float32)
    theta = (np.eye(2) + 0.1 * rng.standard_normal((1, 2, 2))).astype(np.float32)
    np.savez(workdir / "in.npz", image=image, theta=theta)
    result = opbridge(
        "run", "run.tflite", "--input", "in.npz", "-o", "out.npz", "--runtime", "tf", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert "time per invoke" in result.stdout
    out = np.load(workdir / "out.npz")
    sys.path.insert(0, str(workdir))
    try:
        import cli_models

        want = cli_models.exotic(image, theta)
    finally:
        sys.path.remove(str(workdir))
    np.testing.assert_allclose(out["warped"], want["warped"].numpy(), atol=1e-5)


def test_uncovered_ops_exit_1_and_write_nothing(workdir):
    result = opbridge("convert", "cli_models:uncovered", "-o", "unc.tflite", cwd=workdir)
    assert result.returncode == 1
    assert f"{UNCOVERED} (x1)" in result.stderr and "nothing written" in result.stderr
    assert not (workdir / "unc.tflite").exists()

    result = opbridge(
        "convert", "cli_models:uncovered", "-o", "unc.tflite", "--allow-missing", "--json", cwd=workdir
    )
    report = report_of(result)
    assert report["missing"] == {UNCOVERED: 1} and "not run" in report["parity"]["error"]
    check = opbridge("check", "unc.tflite", cwd=workdir)
    assert check.returncode == 1 and f"{UNCOVERED} (x1)" in check.stderr
    info = report_of(opbridge("inspect", "unc.tflite", "--json", cwd=workdir))
    assert {c["op"]: c["kernel"] for c in info["custom_ops"]} == {UNCOVERED: None, "Erf": "opbridge"}


def test_a_model_that_fails_on_its_samples_is_an_error(workdir):
    args = ["convert", "cli_models:diag_inverse", "-o", "diag.tflite", "--quantize", "int8"]
    args += ["--representative", "diag_rep.npz"]
    result = opbridge(*args, cwd=workdir)
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("opbridge")]
    assert len(lines) == 1, result.stderr
    assert "fails on its representative samples" in lines[0] and "nothing written" in lines[0]
    assert "(MatrixInverse) failed to invoke in litert: MatrixInverse: Input is not invertible" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (workdir / "diag.tflite").exists()

    report = report_of(opbridge(*args, "--allow-run-errors", "--json", cwd=workdir))
    assert (workdir / "diag.tflite").is_file()
    assert "MatrixInverse: Input is not invertible" in report["parity"]["failure"]
    (warning,) = report["warnings"]
    assert "MATRIX_DIAG" in warning and "zero point -128" in warning


ERRORS = {
    "missing path": (["convert", "nowhere", "-o", "x.tflite"], "nowhere: no such file or directory"),
    "not a saved model": (["convert", ".", "-o", "x.tflite"], "without saved_model.pb"),
    "unknown module": (["convert", "no_such_module:f", "-o", "x.tflite"], "No module named 'no_such_module'"),
    "int8 without data": (
        ["convert", "saved_model", "-o", "x.tflite", "--quantize", "int8"],
        "needs --representative",
    ),
    "npy for two inputs": (
        [
            "convert",
            "saved_model",
            "-o",
            "x.tflite",
            "--quantize",
            "int8",
            "--representative",
            "rep_image.npy",
        ],
        "the model has 2 inputs",
    ),
    "wrong sample shape": (
        [
            "convert",
            "model.keras",
            "--import",
            "cli_models",
            "-o",
            "x.tflite",
            "--quantize",
            "int8",
            "--representative",
            "bad_rep.npy",
        ],
        "gets samples of shape (5, 5, 3)",
    ),
    "inspect a non-model": (["inspect", "rep.npz"], "not a TFLite model"),
    "run a missing model": (["run", "nothing.tflite", "--input", "rep.npz"], "nothing.tflite: no such file"),
    "bad output name": (["convert", "saved_model", "-o", "x.onnx"], "should end in .tflite"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_one_line_with_status_2(workdir, case):
    args, message = ERRORS[case]
    result = opbridge(*args, cwd=workdir)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("opbridge")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / "x.tflite").exists()


def test_unknown_quantize_mode_and_debug_traceback(workdir):
    result = opbridge("convert", "saved_model", "-o", "x.tflite", "--quantize", "int4", cwd=workdir)
    assert result.returncode == 2 and "invalid choice: 'int4'" in result.stderr
    result = opbridge("--debug", "convert", "nowhere", "-o", "x.tflite", cwd=workdir)
    assert result.returncode == 2 and "Traceback" in result.stderr
