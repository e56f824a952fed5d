"""The opbridge command."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import opbridge


def run(*args):
    return subprocess.run([sys.executable, "-m", "opbridge", *args], capture_output=True, text=True)


def test_ops_table_lists_every_op_with_origin_and_dtypes():
    result = run("ops")
    assert result.returncode == 0, result.stderr
    for name in opbridge.list_ops():
        assert name in result.stdout
    assert re.search(
        r"MatrixInverse .*TF op TFLite lacks .*float, double, half, complex64, complex128", result.stdout
    )
    assert re.search(r"Opbridge>GridSample .*opbridge op .*float, double", result.stdout)


def test_ops_json():
    rows = json.loads(run("ops", "--json").stdout)
    assert {r["op"] for r in rows} == set(opbridge.list_ops())
    assert {r["op"]: r["origin"] for r in rows}["Erf"] == "tensorflow"


def test_version_and_usage():
    assert run("--version").stdout.strip() == f"opbridge {opbridge.__version__}"
    bad = run("frobnicate")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_demo_prints_parity_and_timing():
    result = run("demo", "--runs", "3")
    assert result.returncode == 0, result.stderr
    assert "custom ops Erf x1, MatrixInverse x1, Opbridge>GridSample x1" in result.stdout
    errors = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"(mask|sampling|warped) .*?([0-9.]+e[-+]\d+)", result.stdout)
    }
    assert set(errors) == {"mask", "sampling", "warped"}
    assert errors["warped"] <= 1e-5 and errors["sampling"] <= 1e-5
    # mask = Phi((luminance - 0.5) / 0.15) of warped's channel mean: its slope is at most
    # 1 / (0.15 * sqrt(2 pi)) < 2.66, so it carries warped's difference (from the grid's einsum: TF's
    # oneDNN matmul, whose order depends on the CPU's ISA, vs TFLite's) times that, plus a rounding.
    assert errors["mask"] <= 2.66 * errors["warped"] + 1e-6
    assert "LiteRT + opbridge" in result.stdout


def test_bench_command_runs():
    """A smoke run of `opbridge bench` (op and model tables, the ratio summary, the substituted-op
    table) on a few op families: the harness must not rot. Timings are printed, never asserted.
    That every op has a bench case that converts and runs is test_reliability's (the fuzz seeds
    are the bench cases, converted)."""
    only = ["Lgamma", "RFFT", "spatial transformer"]
    result = subprocess.run(
        [sys.executable, "-m", "opbridge", "bench", "--quick", "--threads", "2", "--only", ",".join(only)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    chosen = [op for op in opbridge.list_ops() if "Lgamma" in op or "RFFT" in op]
    assert "Opbridge>Lgamma" in chosen and "IRFFT3D" in chosen
    table = out.split("substituted ops")[0]
    for op in chosen:
        assert re.search(rf"(?<![\w>]){re.escape(op)}(?!\w)", table), op
    for op in ("Svd", "Erfinv", "GridSample"):
        assert op not in table
    assert "worst ratio 1T: " in out and "worst ratio 2T: " in out and "above 1.0 at 1T or 2T" in out
    # Rows above 1.0 are timed twice more (--confirm's default) and the summary counts what is
    # left; with none above in the first pass there is nothing to re-time.
    retimed = re.search(r"re-timed (\d+) rows above 1.0 in 2 more rounds, [^:]*: (\d+) still", out)
    left = re.search(r"above 1.0 at 1T or 2T \((\d+) of", out)
    assert left is not None
    if retimed:
        assert int(retimed[2]) == int(left[1]) <= int(retimed[1])
    else:
        assert left[1] == "0"
    # Opbridge>Lgamma replaces TF's Lgamma at conversion: timed against the builtins too.
    assert "substituted ops" in out and "Opbridge>Lgamma" in out.split("substituted ops")[1]
    models = out.split("models: converted with opbridge")[1]
    assert "spatial transformer" in models and "inverse STFT" in models  # by name, by its ops (IRFFT)
    assert "ViT patch embedding" not in models


def test_make_bench_script_is_the_same_harness():
    from conftest import ROOT

    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_ops.py"),
            "--quick",
            "--only",
            "Erfinv",
            "--no-models",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Erfinv" in result.stdout and "GridSample" not in result.stdout
