"""`opbridge inspect MODEL.tflite` and `opbridge check MODEL.tflite`."""

from __future__ import annotations

import argparse
import collections
import json
import sys
from typing import Any

import numpy as np

from .. import tflite_model
from .._library import decode_flexbuffer, libraries
from .._table import print_table
from ._common import read_model


def _kernels() -> dict[str, Any]:
    """custom op name -> the kernel library that implements it."""
    return {op.name: lib for lib in libraries() for op in lib.ops if op.tflite}


def decoded_options(name: str, options: bytes, kernels: dict[str, Any]) -> Any:
    """Options as the kernel reads them; else as a generic flexbuffer; else hex."""
    if name in kernels:
        try:
            return kernels[name].decode_options(name, options)
        except ValueError as exc:
            return {"error": str(exc)}
    if not options:
        return {}
    try:
        return decode_flexbuffer(options)
    except ValueError:
        return {"raw": options.hex()}


def _signatures(model: bytes) -> dict[str, Any]:
    """Signature inputs and outputs with dtype and shape (reads the model with the interpreter)."""
    from ..interpreter import Interpreter

    try:
        interpreter = Interpreter(model_content=model)
    except (RuntimeError, ValueError) as exc:
        return {"error": str(exc).strip().splitlines()[0]}
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    out = {}
    for key, signature in interpreter._get_full_signature_list().items():
        out[key] = {
            side: {
                name: {
                    "dtype": np.dtype(details[i]["dtype"]).name,
                    "shape": details[i]["shape_signature"].tolist(),
                }
                for name, i in signature[side].items()
            }
            for side in ("inputs", "outputs")
        }
    return out


def describe(view: tflite_model.ModelView) -> dict[str, Any]:
    kernels = _kernels()
    uses = view.custom_ops
    custom = []
    for name, count in collections.Counter(u.name for u in uses).items():
        first = next(u for u in uses if u.name == name)
        custom.append(
            {
                "op": name,
                "count": count,
                "kernel": kernels[name].name if name in kernels else None,
                "options": decoded_options(name, first.options, kernels),
            }
        )
    return {
        "size_bytes": len(view.data),
        "signatures": _signatures(view.data),
        "ops": view.op_histogram(),
        "tensor_types": view.tensor_type_counts(),
        "custom_ops": custom,
    }


def _inspect(args: argparse.Namespace) -> int:
    info = describe(read_model(args.model))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{args.model}: {info['size_bytes'] / 1024:.1f} KiB")
    rows = []
    for key, signature in info["signatures"].items():
        if key == "error":
            rows.append(("?", "", "", signature))
            continue
        for side in ("inputs", "outputs"):
            for name, t in signature[side].items():
                rows.append((key, side[:-1], name, f"{t['dtype']} {t['shape']}"))
    print_table("signatures", ["signature", "", "name", "tensor"], rows)
    print_table("ops", ["op", "count"], sorted(info["ops"].items(), key=lambda kv: -kv[1]))
    print_table("tensor types", ["type", "count"], sorted(info["tensor_types"].items()))
    if info["custom_ops"]:
        print_table(
            "custom ops",
            ["op", "count", "kernel", "options"],
            [
                (c["op"], c["count"], c["kernel"] or "MISSING", json.dumps(c["options"]))
                for c in info["custom_ops"]
            ],
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..conversion import missing_ops

    missing = missing_ops(read_model(args.model))
    if not missing:
        print(f"{args.model}: every custom op has a kernel")
        return 0
    listing = ", ".join(f"{n} (x{c})" for n, c in sorted(missing.items()))
    print(f"{args.model}: custom ops without a kernel: {listing}", file=sys.stderr)
    return 1


def add(sub: Any) -> None:
    inspect = sub.add_parser(
        "inspect", help="signatures, tensor types, ops and custom op options of a .tflite"
    )
    inspect.add_argument("model", help="a .tflite file")
    inspect.add_argument("--json", action="store_true", help="print JSON instead of tables")
    inspect.set_defaults(run=_inspect)
    check = sub.add_parser("check", help="exit 0 if every custom op of a .tflite has a kernel, else 1")
    check.add_argument("model", help="a .tflite file")
    check.set_defaults(run=_check)
