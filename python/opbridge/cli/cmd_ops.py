"""`opbridge ops` and `opbridge demo`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import __version__
from .._library import OpInfo
from .._table import print_table
from ..catalog import op_infos

ORIGINS = {"tensorflow": "TF op TFLite lacks", "opbridge": "opbridge op", "tflite": "TFLite custom op"}


def describe_origin(op: OpInfo) -> str:
    text = ORIGINS.get(op.origin, op.origin)
    if op.defined_by:
        text += f" ({op.defined_by})"
    if op.replaces:
        text += f", replaces {op.replaces}"
    if op.tflite_version != 1:
        text += f", opcode version {op.tflite_version}"
    return text


def _ops(args: argparse.Namespace) -> int:
    infos = [op for op in op_infos() if op.tflite]
    if args.json:
        rows = [
            {
                "op": op.name,
                "origin": op.origin,
                "defined_by": op.defined_by,
                "replaces": op.replaces,
                "dtypes": list(op.dtypes),
                "library": op.library,
                "doc": op.doc,
            }
            for op in infos
        ]
        print(json.dumps(rows, indent=2))
        return 0
    print_table(
        f"opbridge {__version__}: {len(infos)} TFLite custom ops",
        ["op", "origin", "dtypes", "library"],
        [(op.name, describe_origin(op), ", ".join(op.dtypes), op.library) for op in infos],
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ..demo import run

    run(runs=args.runs)
    return 0


def add(sub: Any) -> None:
    ops = sub.add_parser("ops", help="list the ops opbridge implements")
    ops.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ops.set_defaults(run=_ops)
    demo = sub.add_parser("demo", help="convert a spatial-transformer model and check it in LiteRT")
    demo.add_argument("--runs", type=int, default=50, help="timed inferences per runtime (default 50)")
    demo.set_defaults(run=_demo)
