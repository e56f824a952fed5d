"""Your own ops as a wheel, the whole way: `opbridge new` -> pip wheel -> auditwheel ->
a fresh venv -> convert a model with the new op -> run it in LiteRT -> parity with TF.
Plus: the package's kernels in a venv without TensorFlow, and a package built
against another TensorFlow refused with both versions named."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "PIP_CACHE_DIR": str(ROOT / ".cache" / "pip"),
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PATH": f"{BIN}:{os.environ.get('PATH', '')}",  # auditwheel needs patchelf on PATH
}
TF_PIN = "tensorflow-cpu==2.21.0"
LITERT_PIN = "ai-edge-litert==2.3.0"
# The builds that only check a refusal (another TF, a skewed struct layout) compile without
# optimization (CMake build type None: no flags): the loader's and the ABI self-test's checks do
# not depend on it, and each build takes a third less time.
NO_OPTIMIZATION = "-Ccmake.build-type=None"


def run(*args, cwd=None, env=ENV):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def venv(path: Path, *packages: str) -> Path:
    run(sys.executable, "-m", "venv", path)
    run(path / "bin" / "python", "-m", "pip", "install", "--quiet", *packages)
    return path / "bin" / "python"


def opbridge_wheel() -> Path:
    wheels = sorted((ROOT / "dist").glob("opbridge-*.whl"))
    assert wheels, "no wheel in dist/: build with `make build`"
    return wheels[-1]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """heldout_ops scaffolded and built into a wheel in this (TF) environment, then repaired."""
    root = tmp_path_factory.mktemp("own_ops")
    run(BIN / "opbridge", "new", "heldout_ops", "--directory", root)
    source = root / "heldout_ops"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        "dist",
        ".",
        cwd=source,
    )
    (wheel,) = (source / "dist").glob("heldout_ops-*.whl")
    run(
        BIN / "auditwheel",
        "repair",
        "--exclude",
        "libtensorflow_framework.so.2",
        "-w",
        root / "repaired",
        wheel,
    )
    (repaired,) = (root / "repaired").glob("heldout_ops-*.whl")
    return {"root": root, "source": source, "wheel": repaired}


def test_scaffold_declares_the_op_its_wrapper_and_entry_point(package):
    source = package["source"]
    assert 'OpSpec("HeldoutOps>Affine")' in (source / "ops" / "affine.cc").read_text()
    assert (
        "def affine(x: Any, alpha: float = 1.0, beta: float = 0.0"
        in (source / "src/heldout_ops/ops.py").read_text()
    )
    assert 'heldout_ops = "heldout_ops._tflite"' in (source / "pyproject.toml").read_text()
    assert "manylinux" in package["wheel"].name


def test_repaired_wheels_keep_tensorflow_external(package, tmp_path):
    for wheel in (package["wheel"],):
        names = subprocess.run(["unzip", "-Z1", str(wheel)], capture_output=True, text=True).stdout.split()
        assert not any("libtensorflow_framework" in n for n in names), names
        assert not any(".libs/" in n for n in names), names  # nothing vendored


@pytest.fixture(scope="module")
def tf_venv(package, tmp_path_factory):
    python = venv(
        tmp_path_factory.mktemp("venv_tf") / "venv",
        TF_PIN,
        LITERT_PIN,
        "pytest",
        opbridge_wheel(),
        package["wheel"],
    )
    return python


def test_whole_way_in_a_fresh_venv(package, tf_venv, tmp_path):
    script = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf
        import opbridge, heldout_ops.ops
        from opbridge.testing import assert_parity

        assert "HeldoutOps>Affine" in opbridge.list_ops()
        def block(image, grid):
            warped = opbridge.ops.grid_sample(image, grid)
            return heldout_ops.ops.affine(warped, alpha=2.0, beta=-0.5)
        rng = np.random.default_rng(0)
        image = rng.standard_normal((1, 5, 5, 3)).astype(np.float32)
        grid = rng.uniform(-1, 1, (1, 4, 4, 2)).astype(np.float32)
        report = assert_parity(block, [image, grid], rtol=0, atol=1e-6)
        open("model.tflite", "wb").write(report.model)
        np.save("image.npy", image); np.save("grid.npy", grid)
        np.save("want.npy", block(image, grid).numpy())
        print("custom ops", sorted(opbridge.tflite_model.custom_op_counts(report.model)))
        """
    )
    out = run(tf_venv, "-c", script, cwd=tmp_path)
    assert "custom ops ['HeldoutOps>Affine', 'Opbridge>GridSample']" in out.stdout
    # The scaffold's own tests pass against the installed wheel.
    run(tf_venv, "-m", "pytest", "-q", package["source"] / "tests", cwd=tmp_path)
    package["model_dir"] = tmp_path


def test_package_kernels_run_without_tensorflow(package, tmp_path):
    model_dir = package.get("model_dir")
    assert model_dir is not None, "needs test_whole_way_in_a_fresh_venv"
    python = venv(tmp_path / "venv", LITERT_PIN, "numpy", opbridge_wheel(), package["wheel"])
    script = textwrap.dedent(
        """
        import sys, numpy as np, opbridge
        assert "HeldoutOps>Affine" in opbridge.list_ops(), opbridge.list_ops()
        runner = opbridge.Interpreter(model_path="model.tflite").get_signature_runner()
        out = runner(input_0=np.load("image.npy"), input_1=np.load("grid.npy"))["output_0"]
        np.testing.assert_allclose(out, np.load("want.npy"), rtol=0, atol=1e-6)
        # LiteRT's CompiledModel API runs the package's kernel too (its own accelerator).
        compiled = opbridge.CompiledModel.from_file("model.tflite")
        assert compiled.environment.libraries == ("opbridge", "heldout_ops"), compiled.environment.libraries
        signature = compiled.get_signature_by_index(0)
        ins = compiled.create_input_buffers(0)
        files = {"input_0": "image.npy", "input_1": "grid.npy"}
        for buffer, name in zip(ins, signature["inputs"]):
            buffer.write(np.load(files[name]))
        outs = compiled.create_output_buffers(0)
        compiled.run_by_index(0, ins, outs)
        np.testing.assert_array_equal(outs[0].read(out.size, np.float32).reshape(out.shape), out)
        print("tensorflow" in sys.modules)
        """
    )
    freeze = run(python, "-m", "pip", "freeze").stdout.lower()
    assert "tensorflow" not in freeze
    assert run(python, "-c", script, cwd=model_dir).stdout.strip().endswith("False")


def test_package_built_for_another_tensorflow_is_refused_by_name(package, tf_venv, tmp_path):
    """Build the same package against TF 2.20, load it under TF 2.21: a clear error, no symbol trace."""
    old = venv(
        tmp_path / "venv_old",
        "tensorflow-cpu==2.20.0",
        LITERT_PIN,
        "pybind11",
        "scikit-build-core",
        "ninja",
        "cmake",
        opbridge_wheel(),
    )
    run(
        old,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        tmp_path / "old",
        NO_OPTIMIZATION,
        package["source"],
    )
    (old_wheel,) = (tmp_path / "old").glob("heldout_ops-*.whl")
    run(tf_venv, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", old_wheel)
    try:
        script = "import heldout_ops.ops as o; o.affine([1.0])"
        result = subprocess.run([str(tf_venv), "-c", script], capture_output=True, text=True, env=ENV)
        assert result.returncode != 0
        assert "LibraryLoadError" in result.stderr
        assert "built against TensorFlow 2.20.0, but TensorFlow 2.21.0 is installed" in result.stderr
        assert "Rebuild it against this TensorFlow" in result.stderr
        assert "undefined symbol" not in result.stderr
    finally:
        run(tf_venv, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", package["wheel"])


def test_kernels_with_a_wrong_struct_layout_are_refused(package, tf_venv, tmp_path):
    """The same package built with an extra TfLiteTensor field (OPBRIDGE_TEST_ABI_SKEW):
    the ABI self-test must refuse its kernels with a clear message, and not crash."""
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        tmp_path / "skewed",
        "-Ccmake.define.CMAKE_CXX_FLAGS=-DOPBRIDGE_TEST_ABI_SKEW",
        NO_OPTIMIZATION,
        "-Cbuild-dir=" + str(tmp_path / "build"),
        package["source"],
    )
    (skewed,) = (tmp_path / "skewed").glob("heldout_ops-*.whl")
    run(tf_venv, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", skewed)
    try:
        script = textwrap.dedent(
            """
            import numpy as np, opbridge
            from opbridge import tflite_model
            spec = [("x", (2,), np.float32)]
            model = tflite_model.single_custom_op_model("Erf", spec, [("y", (2,), np.float32)])
            for route in ("resolver", "delegate"):
                try:
                    opbridge.Interpreter(model_content=model, route=route)
                except opbridge.AbiMismatchError as exc:
                    print("REFUSED", route, exc)
                else:
                    print("ACCEPTED", route)
            """
        )
        result = subprocess.run([str(tf_venv), "-c", script], capture_output=True, text=True, env=ENV)
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.count("REFUSED") == 2, result.stdout
        assert "from the heldout_ops kernels" in result.stdout
        assert "input_dims: the interpreter says [2, 3, 4]" in result.stdout
    finally:
        run(tf_venv, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", package["wheel"])
