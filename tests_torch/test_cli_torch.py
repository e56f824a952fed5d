"""`opbridge convert module:factory --framework torch --sample-inputs x.npz -o m.tflite`, run as users
run it: the CLI in a subprocess of this venv's Python (no TensorFlow)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from opbridge.running import run_tflite

MODELS = textwrap.dedent(
    """
    import torch
    import torch.nn.functional as F


    class Warp(torch.nn.Module):
        def forward(self, image, grid, m):
            return F.grid_sample(image, grid, align_corners=False) * 2, torch.linalg.inv(m)


    def warp():
        return Warp().eval()


    def training_mode():
        return Warp()


    @torch.library.custom_op("cli_models::scramble", mutates_args=())
    def scramble(x: torch.Tensor) -> torch.Tensor:
        return x.flip(0)


    @scramble.register_fake
    def _(x):
        return torch.empty_like(x)


    class Airy(torch.nn.Module):  # a user's own op that nothing lowers
        def forward(self, x):
            return scramble(x) + 1


    def airy():
        return Airy().eval()


    class DataDependent(torch.nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x


    def data_dependent():
        return DataDependent().eval()
    """
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli_torch")
    (root / "cli_models.py").write_text(MODELS)
    rng = np.random.default_rng(0)
    image = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    grid = rng.uniform(-1.1, 1.1, (2, 4, 3, 2)).astype(np.float32)
    m = rng.standard_normal((3, 4, 4)).astype(np.float32)
    np.savez(root / "positional.npz", image, grid, m)
    np.savez(root / "named.npz", m=m, grid=grid, image=image)  # any order in the file
    np.save(root / "one.npy", np.ones(3, np.float32))
    return root


def line_of(code: str) -> int:
    return next(k for k, line in enumerate(MODELS.splitlines(), 1) if code in line)


def cli(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opbridge", "convert", *args],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=300,
    )


def eager(workdir: Path, arrays: list[np.ndarray]) -> list[np.ndarray]:
    sys.path.insert(0, str(workdir))
    try:
        import cli_models  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(workdir))
    with torch.no_grad():
        return [t.numpy() for t in cli_models.warp()(*(torch.from_numpy(a) for a in arrays))]


def test_converts_reports_and_checks_parity_with_torch_eager(workdir: Path) -> None:
    result = cli(workdir, "cli_models:warp", "--framework", "torch", "--sample-inputs", "positional.npz")
    assert result.returncode == 2 and "-o/--output" in result.stderr  # argparse: -o is required
    result = cli(
        workdir,
        "cli_models:warp",
        "--framework",
        "torch",
        "--sample-inputs",
        "positional.npz",
        "-o",
        "warp.tflite",
        "--json",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["framework"] == "torch" and report["verified_on"] == "sample inputs"
    assert report["ops"]["opbridge"] == {"Opbridge>GridSample": 1, "MatrixInverse": 1}
    assert report["ops"]["other custom"] == {} and report["missing"] == {}
    # The aten ops opbridge's rewrites take over (with the generic ones they see, e.g. aten.mul).
    taken = {"aten.grid_sampler.default": 1, "aten.linalg_inv.default": 1}
    assert taken.items() <= report["substituted"].items(), report["substituted"]
    assert report["quantize"] == "none"
    parity = report["parity"]
    assert parity["runtime"] == "litert" and set(parity["max_abs_error"]) == {"output_0", "output_1"}
    assert max(parity["max_abs_error"].values()) < 1e-4, parity
    assert parity["torch_ms"] > 0 and parity["tflite_ms"] > 0
    # The file written is the model the report describes, and matches torch eager here too.
    arrays = [np.load(workdir / "positional.npz")[f"arr_{k}"] for k in range(3)]
    model = (workdir / "warp.tflite").read_bytes()
    assert report["size_bytes"] == len(model)
    out = run_tflite(model, arrays)
    for k, want in enumerate(eager(workdir, arrays)):
        np.testing.assert_allclose(out[f"output_{k}"], want, rtol=1e-5, atol=1e-5)


def test_inputs_by_parameter_name_and_the_text_report(workdir: Path) -> None:
    result = cli(
        workdir,
        "cli_models:warp",
        "--framework",
        "torch",
        "--sample-inputs",
        "named.npz",
        "-o",
        "named.tflite",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = " ".join(result.stdout.split())
    assert "MatrixInverse x1, Opbridge>GridSample x1" in text
    assert "aten.grid_sampler.default x1" in text and "aten.linalg_inv.default x1" in text
    assert "torch vs TFLite (litert)" in text and "max |torch - TFLite|" in text
    assert "time per inference: torch" in text
    assert result.stderr.strip() == "", result.stderr  # no import or conversion noise
    positional = np.load(workdir / "positional.npz")
    arrays = [positional[f"arr_{k}"] for k in range(3)]
    out = run_tflite((workdir / "named.tflite").read_bytes(), arrays)  # fed in forward's order
    for k, want in enumerate(eager(workdir, arrays)):
        np.testing.assert_allclose(out[f"output_{k}"], want, rtol=1e-5, atol=1e-5)


ERRORS = textwrap.dedent(
    """
    import sys
    from opbridge.cli import main

    cases = [
        ["cli_models:airy", "--sample-inputs", "one.npy"],
        ["cli_models:data_dependent", "--sample-inputs", "one.npy"],
        ["cli_models:training_mode", "--sample-inputs", "positional.npz"],
        ["cli_models:warp", "--sample-inputs", "one.npy"],
        ["cli_models:warp", "--sample-inputs", "wrong.npz"],
    ]
    for case in cases:
        status = main(["convert", *case, "--framework", "torch", "-o", "e.tflite"])
        print(status, flush=True)
        sys.stderr.write("@@\\n")
    """
)


def test_errors_name_the_op_or_input_in_one_line(workdir: Path) -> None:
    """The TF path's errors: exit 1 for an op no kernel implements, 2 for bad input, one line each,
    no traceback, nothing written. (One process: each case costs torch's import otherwise.)"""
    np.savez(
        workdir / "wrong.npz", image=np.ones((1, 3, 5, 6), np.float32), mesh=np.ones((1, 4, 3, 2), np.float32)
    )
    result = subprocess.run([sys.executable, "-c", ERRORS], capture_output=True, text=True, cwd=workdir)
    assert result.stdout.split() == ["1", "2", "2", "2", "2"], result.stderr[-3000:]
    airy, traced, training, count, names = [e.strip() for e in result.stderr.split("@@")[:5]]
    for error in (airy, traced, training, count, names):
        assert len(error.splitlines()) == 1 and "Traceback" not in error, error
    assert airy == (
        "opbridge convert: no kernel for custom ops cli_models.scramble.default (x1); nothing written "
        "(--allow-missing writes the model anyway)"
    )
    # torch's message, shortened, and where in the user's code (its graph dump is not shown).
    assert traced.startswith("opbridge convert: error: torch.export could not trace DataDependent:")
    assert "data-dependent" in traced and f"(at cli_models.py:{line_of('x.sum()')} in forward)" in traced
    assert len(traced) < 400
    assert training.endswith("the module is in training mode; the factory should return module.eval()")
    assert count.endswith("one.npy: 1 array(s), forward takes (image, grid, m)")
    assert names.endswith(
        "wrong.npz: holds arrays ['image', 'mesh']; name them arr_0, arr_1, ... (np.savez(f, a, b)) "
        "or after forward's parameters ['image', 'grid', 'm'], the first 2 of them"
    )
    assert not (workdir / "e.tflite").exists()


def test_usage_errors_come_before_torch_is_imported(workdir: Path) -> None:
    np.savez(workdir / "misnamed.npz", x=np.ones(2, np.float32))
    script = textwrap.dedent(
        """
        import sys
        from opbridge.cli import main

        for argv in (
            ["convert", "cli_models:warp", "--framework", "torch", "-o", "x.tflite"],
            ["convert", "cli_models:warp", "--framework", "torch", "--sample-inputs", "one.npy",
             "--quantize", "dynamic", "-o", "x.tflite"],
            ["convert", "cli_models:warp", "--framework", "torch", "--sample-inputs", "one.npy",
             "-o", "x.bin"],
            ["convert", "saved_model_dir", "--sample-inputs", "one.npy", "-o", "x.tflite"],
            ["convert", "no_such_dir", "-o", "x.tflite"],
            ["convert", "cli_models:warp", "--framework", "torch", "--sample-inputs", "one.npy",
             "--runtime", "tf", "-o", "x.tflite"],
        ):
            print(main(argv))
        print("torch imported:", "torch" in sys.modules, "tensorflow imported:", "tensorflow" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=workdir)
    statuses, imported = result.stdout.strip().splitlines()[:-1], result.stdout.strip().splitlines()[-1]
    assert statuses == ["2"] * 6, result.stderr
    assert imported == "torch imported: False tensorflow imported: False"
    errors = result.stderr.strip().splitlines()
    assert "--framework torch needs --sample-inputs FILE" in errors[0]
    assert "--quantize: the TF converter's quantization" in errors[1] and "quant_config" in errors[1]
    assert "should end in .tflite" in errors[2]
    assert "--sample-inputs is for --framework torch" in errors[3]
    assert "no_such_dir: no such file or directory" in errors[4]
    assert "--runtime tf checks parity in tf.lite, and TensorFlow is not installed here" in errors[5]
