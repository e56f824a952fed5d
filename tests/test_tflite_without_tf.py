"""The TFLite half runs where TensorFlow is not installed: a LiteRT-only deployment."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import ROOT, convert_fn, python_without_tensorflow


def test_import_opbridge_does_not_import_tensorflow():
    code = (
        "import sys, opbridge; opbridge.list_ops(); opbridge.registerers(); "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def run_script(command, script, tmp_path, env=None):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.run([*command, str(path)], capture_output=True, text=True, env=env, cwd=tmp_path)


def test_model_runs_with_tensorflow_unavailable(tf, rng, tmp_path):
    import opbridge

    model = convert_fn(
        lambda i, g, m: (opbridge.ops.grid_sample(i, g), tf.linalg.inv(m), tf.math.erf(m)),
        ((1, 5, 5, 2), tf.float32),
        ((1, 3, 3, 2), tf.float32),
        ((3, 3), tf.float32),
    )
    image = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    grid = rng.uniform(-1, 1, (1, 3, 3, 2)).astype(np.float32)
    m = (rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    (tmp_path / "model.tflite").write_bytes(model)
    np.savez(tmp_path / "inputs.npz", image=image, grid=grid, m=m)
    expected = [
        opbridge.ops.grid_sample(image, grid).numpy(),
        tf.linalg.inv(m).numpy(),
        tf.math.erf(m).numpy(),
    ]

    script = """
        import sys
        import numpy as np
        import opbridge
        try:
            import tensorflow
        except ImportError:
            pass
        else:
            raise SystemExit("tensorflow is importable here")
        data = np.load("inputs.npz")
        runner = opbridge.Interpreter(model_path="model.tflite").get_signature_runner()
        outputs = runner(input_0=data["image"], input_1=data["grid"], input_2=data["m"])
        np.savez("outputs.npz", **outputs)
        print(sorted(opbridge.list_ops()), "tensorflow" in sys.modules)
    """
    result = run_script(python_without_tensorflow(), script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "False" in result.stdout
    outputs = np.load(tmp_path / "outputs.npz")
    for k, e in enumerate(expected):
        np.testing.assert_allclose(outputs[f"output_{k}"], e, rtol=0, atol=1e-5)


@pytest.mark.slow
def test_fresh_venv_with_only_litert_numpy_and_opbridge(tf, rng, tmp_path):
    """A model converted here runs in a new venv holding only ai-edge-litert, numpy and opbridge's wheel."""
    import opbridge

    wheels = sorted((ROOT / "dist").glob("opbridge-*.whl"))
    assert wheels, "no wheel in dist/: build with `make build`"
    model = convert_fn(lambda m: tf.linalg.inv(tf.math.erf(m)), ((4, 4), tf.float32))
    (tmp_path / "model.tflite").write_bytes(model)
    m = (rng.standard_normal((4, 4)) + 4 * np.eye(4)).astype(np.float32)
    np.save(tmp_path / "m.npy", m)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    env = {**os.environ, "PIP_CACHE_DIR": str(ROOT / ".cache" / "pip")}
    subprocess.run([*pip, "ai-edge-litert==2.3.0", "numpy"], check=True, env=env)
    subprocess.run([*pip, "--no-deps", str(wheels[-1])], check=True, env=env)
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True
    )
    assert "tensorflow" not in freeze.stdout.lower()

    script = """
        import numpy as np
        import opbridge
        interpreter = opbridge.Interpreter(model_path="model.tflite")
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.load("m.npy"))
        interpreter.invoke()
        np.save("out.npy", interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    """
    result = run_script([str(venv / "bin" / "python")], script, tmp_path)
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(
        np.load(tmp_path / "out.npy"), tf.linalg.inv(tf.math.erf(m)).numpy(), atol=1e-4
    )
    assert opbridge  # the converting side is this process
