"""The PyTorch census: each candidate (tools/census_torch_candidates.py) converted by
litert-torch alone and by opbridge.convert, run in LiteRT and compared with torch eager.

    .venv-torch/bin/python tools/census_torch.py --markdown docs/ops-torch.md

Runs where torch, litert-torch and opbridge are installed (no TensorFlow).
error = max |LiteRT - torch| / max |torch| over the outputs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from census_torch_candidates import CANDIDATES

import opbridge
from opbridge import tflite_model
from opbridge.parity_cases import _ordered
from opbridge.running import run_tflite
from opbridge.torch.testing import reference_outputs


class _Fn(torch.nn.Module):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: torch.Tensor) -> Any:
        return self.fn(*args)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for marker in ("Lowering not found: ", "failed to legalize operation "):
        if marker in text:
            return marker + text.split(marker, 1)[1].split(" ")[0].rstrip(":;,")
    return (type(exc).__name__ + ": " + text)[:140]


def _relative_error(expected: list[np.ndarray], actual: list[np.ndarray]) -> float:
    worst = 0.0
    for e, a in zip(expected, actual, strict=True):
        if e.shape != a.shape:
            return float("inf")
        if e.size == 0:
            continue
        e64 = e.astype(np.complex128 if np.iscomplexobj(e) else np.float64)
        scale = float(np.max(np.abs(e64))) or 1.0
        worst = max(worst, float(np.max(np.abs(a.astype(e64.dtype) - e64))) / scale)
    return worst


def _run(model: bytes, inputs: list[np.ndarray], stock: bool) -> list[np.ndarray]:
    if stock:
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_content=model)
        runner = interpreter.get_signature_runner()
        names = list(interpreter.get_signature_list()["serving_default"]["inputs"])
        details = runner.get_input_details()
        # litert-torch makes int64 inputs int32: a user feeds the dtype the model asks for
        fed = [
            x.astype(details[n]["dtype"])
            if x.dtype.kind in "iu" and np.dtype(details[n]["dtype"]).kind in "iu"
            else x
            for n, x in zip(names, inputs, strict=True)
        ]
        return _ordered(runner(**dict(zip(names, fed, strict=True))))
    return _ordered(run_tflite(model, inputs))


def _attempt(
    module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], expected: list[np.ndarray], stock: bool
) -> dict[str, Any]:
    arrays = [t.numpy() for t in inputs]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            if stock:
                import litert_torch

                model = bytes(litert_torch.convert(module, inputs).model_content())
            else:
                model = opbridge.convert(module, sample_inputs=inputs)
    except Exception as exc:  # the census records every kind of failure
        return {"converts": False, "message": _short(exc)}
    result: dict[str, Any] = {"converts": True, "custom": tflite_model.custom_op_counts(model)}
    try:
        result["error"] = _relative_error(expected, _run(model, arrays, stock))
    except Exception as exc:
        result["runs"] = False
        result["message"] = _short(exc)
    return result


def census() -> list[dict[str, Any]]:
    logging.getLogger().setLevel(logging.ERROR)
    rows = []
    for name, build in CANDIDATES.items():
        fn, inputs = build(torch.Generator().manual_seed(0))
        module = _Fn(fn).eval()
        expected = reference_outputs(module, inputs)
        rows.append(
            {
                "candidate": name,
                "litert_torch": _attempt(module, inputs, expected, stock=True),
                "opbridge": _attempt(module, inputs, expected, stock=False),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def _describe(result: dict[str, Any]) -> str:
    if not result["converts"]:
        return f"fails: {result['message']}"
    if result.get("runs") is False:
        return f"converts, fails to run: {result['message']}"
    error = result["error"]
    return f"runs, **wrong** (error {error:.1e})" if error > 1e-3 else f"runs (error {error:.1e})"


WRONG = 1e-3  # a relative error beyond float32 rounding by orders: a wrong lowering


def matches(result: dict[str, Any]) -> bool:
    """An _attempt that converted, ran and matched torch (the model censuses' count)."""
    return result["converts"] and result.get("runs") is not False and result["error"] <= WRONG


def table_line(row: dict[str, Any]) -> str:
    """One model census row as a markdown table line: architecture, both attempts, custom nodes."""
    custom = ", ".join(
        f"{k}" + (f" x{v}" if v > 1 else "") for k, v in sorted(row["opbridge"].get("custom", {}).items())
    )
    stock, ours = _describe(row["litert_torch"]), _describe(row["opbridge"])
    return f"| {row['architecture']} | {stock} | {ours} | {custom} |"


def model_row(name: str, module: Any, inputs: tuple[Any, ...], expected: Any, start: float) -> dict[str, Any]:
    """One architecture's row of the model censuses: litert-torch alone, then opbridge (printed as
    JSON on stderr as it lands, so a long run shows its progress)."""
    row = {
        "architecture": name,
        "litert_torch": _attempt(module, inputs, expected, stock=True),
        "opbridge": _attempt(module, inputs, expected, stock=False),
        "seconds": round(time.monotonic() - start, 1),
    }
    print(json.dumps(row), file=sys.stderr, flush=True)
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    fails = [
        r
        for r in rows
        if not r["litert_torch"]["converts"]
        or r["litert_torch"].get("runs") is False
        or r["litert_torch"]["error"] > WRONG
    ]
    covered = [
        r
        for r in fails
        if r["opbridge"]["converts"]
        and r["opbridge"].get("runs") is not False
        and r["opbridge"]["error"] <= WRONG
    ]
    lines = [
        "# PyTorch op coverage (generated)",
        "",
        f"Generated by `python tools/census_torch.py --markdown docs/ops-torch.md` with torch "
        f"{torch.__version__}, litert-torch {importlib.metadata.version('litert-torch')} and ai-edge-litert "
        f"{importlib.metadata.version('ai-edge-litert')}, no TensorFlow; do not edit by hand. Each candidate "
        "(tools/census_torch_candidates.py) is converted by litert-torch alone and run in the stock "
        "interpreter, then by `opbridge.convert` and run with opbridge's kernels; error = max |LiteRT - "
        "torch| / max |torch| over the outputs, float32.",
        "",
        f"- litert-torch alone fails on, or computes wrongly (error > {WRONG:g}), {len(fails)} of the "
        f"{len(rows)} candidates; opbridge converts and matches torch on {len(covered)} of them, "
        f"{len(fails) - len(covered)} remain.",
        "",
        "| candidate | litert-torch alone | with opbridge | custom nodes |",
        "|---|---|---|---|",
    ]
    for r in rows:
        custom = ", ".join(
            f"{k}" + (f" x{v}" if v > 1 else "") for k, v in sorted(r["opbridge"].get("custom", {}).items())
        )
        lines.append(
            f"| {r['candidate']} | {_describe(r['litert_torch'])} | {_describe(r['opbridge'])} | {custom} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="write the table here")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    rows = census()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    text = markdown(rows)
    if args.markdown:
        Path(args.markdown).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
