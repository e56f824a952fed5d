"""One C++ kernel, three frameworks: a package made by `opbridge new`, built into a wheel, gives
torch.ops.<package>.<Op> in this venv (no TensorFlow): eager runs the op's TFLite kernel, torch.export
takes shapes from its shape rule, and opbridge.convert lowers it to the CUSTOM node LiteRT runs.

The wheel is built by the TensorFlow venv (OPBRIDGE_BUILD_PYTHON, default .venv/bin/python: the
build makes the package's TF op library too, which needs TensorFlow's headers); the TFLite kernels in
it need no TensorFlow. It is installed into a directory of its own (pip --target) on the
PYTHONPATH of subprocesses, so this venv stays as it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "torch_demo_ops"


def run(
    *args: Any, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    build_python = Path(os.environ.get("OPBRIDGE_BUILD_PYTHON", ROOT / ".venv" / "bin" / "python"))
    assert build_python.exists(), (
        f"{build_python}: the venv with TensorFlow that builds op packages (make build)"
    )
    root = tmp_path_factory.mktemp("scaffold")
    run(sys.executable, "-m", "opbridge", "new", PACKAGE, "--directory", root)  # this venv's template
    source = root / PACKAGE
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    run(
        build_python,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        root / "dist",
        source,
        env=env,
    )
    (wheel,) = (root / "dist").glob(f"{PACKAGE}-*.whl")
    site = root / "site"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, wheel, env=env)
    paths = [str(site), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"source": source, "env": {**env, "PYTHONPATH": os.pathsep.join(paths)}, "root": root}


def test_generated_torch_tests_pass_without_tensorflow(package: dict[str, Any]) -> None:
    """The scaffold's own tests/test_affine_torch.py: eager and the converted model against torch."""
    tests = package["source"] / "tests" / "test_affine_torch.py"
    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        tests,
        cwd=package["root"],
        env=package["env"],
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, result.stdout


SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import torch_demo_ops
    import opbridge

    # The package's kernels are found without torch or TensorFlow; its torch ops are a module away.
    assert "TorchDemoOps>Affine" in opbridge.list_ops()
    assert "torch" not in sys.modules and "tensorflow" not in sys.modules

    import torch
    from torch_demo_ops import torch as demo_torch
    from opbridge import tflite_model, testing
    from opbridge.torch import op

    affine = torch.ops.torch_demo_ops.Affine
    assert op("TorchDemoOps>Affine") is affine  # opbridge.torch.ops finds it too: one operator

    # eager: the TFLite kernel, both dtypes, a strided input, the attrs' defaults
    x = torch.randn(3, 4, dtype=torch.float64).t()
    np.testing.assert_allclose(affine(x, alpha=-3.0, beta=0.25).numpy(), -3.0 * x.numpy() + 0.25, rtol=1e-15)
    y = torch.randn(2, 5)
    np.testing.assert_array_equal(demo_torch.affine(y).numpy(), y.numpy())
    try:
        affine(torch.ones(3, dtype=torch.int32))
    except ValueError as exc:
        print("int32:", exc)

    # fake: torch.export runs the shape rule
    class Block(torch.nn.Module):
        def forward(self, image, grid, m):
            warped = torch.nn.functional.grid_sample(image, grid, align_corners=True)
            return demo_torch.affine(warped, 2.0, -0.5), demo_torch.affine(torch.linalg.inv(m), beta=1.0)

    inputs = (torch.randn(2, 3, 5, 5), torch.rand(2, 4, 4, 2) * 2 - 1, torch.randn(3, 3, 3))
    program = torch.export.export(Block().eval(), inputs)
    shapes = [
        tuple(n.meta["val"].shape)
        for n in program.graph.nodes
        if n.op == "call_function" and "torch_demo_ops" in str(n.target)
    ]
    assert shapes == [(2, 3, 4, 4), (3, 3, 3)], shapes

    # conversion: opbridge's ops and the package's, each one CUSTOM node, equal to torch eager in LiteRT
    model = testing.assert_parity(Block().eval(), inputs, rtol=1e-5, atol=1e-5)
    print("custom:", sorted(tflite_model.custom_op_counts(model).items()))
    from flatbuffers import flexbuffers

    for use in tflite_model.parse(model).custom_ops:
        if use.name == "TorchDemoOps>Affine":  # the attrs as TF's converter writes them
            print("options:", sorted(flexbuffers.Loads(use.options).items()))
    print("tensorflow:", "tensorflow" in sys.modules)
    """
)


def test_package_op_in_eager_export_and_litert(package: dict[str, Any], tmp_path: Path) -> None:
    result = run(sys.executable, "-c", SCRIPT, cwd=tmp_path, env=package["env"])
    out = result.stdout
    assert (
        "int32: TorchDemoOps>Affine: dtype int32 for T is not supported (supported: ['float', 'double'])"
        in out
    ), out
    assert "custom: [('MatrixInverse', 1), ('Opbridge>GridSample', 1), ('TorchDemoOps>Affine', 2)]" in out, (
        out
    )
    assert "options: [('T', 0), ('alpha', 2.0), ('beta', -0.5)]" in out, out  # T: TFLite's FLOAT32
    assert "options: [('T', 0), ('alpha', 1.0), ('beta', 1.0)]" in out, out
    assert "tensorflow: False" in out
