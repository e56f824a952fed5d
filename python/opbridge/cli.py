"""The `opbridge` command (also `python -m opbridge`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from ._library import OpInfo
from ._table import print_table
from .catalog import op_infos

ORIGINS = {"tensorflow": "TF op TFLite lacks", "opbridge": "opbridge op", "tflite": "TFLite custom op"}


def _origin(op: OpInfo) -> str:
    text = ORIGINS.get(op.origin, op.origin)
    if op.defined_by:
        text += f" ({op.defined_by})"
    if op.replaces:
        text += f", replaces {op.replaces}"
    if op.tflite_version != 1:
        text += f", opcode version {op.tflite_version}"
    return text


def _cmd_ops(args: argparse.Namespace) -> int:
    infos = [op for op in op_infos() if op.tflite]
    if args.json:
        rows = [
            {
                "op": op.name,
                "origin": op.origin,
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
        [(op.name, _origin(op), ", ".join(op.dtypes), op.library) for op in infos],
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run

    run(runs=args.runs)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="opbridge", description="TF ops that TFLite lacks, as TFLite custom ops proven equal to TF."
    )
    parser.add_argument("--version", action="version", version=f"opbridge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    ops = commands.add_parser("ops", help="list the ops opbridge implements")
    ops.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ops.set_defaults(run=_cmd_ops)
    demo = commands.add_parser("demo", help="convert a spatial-transformer model and check it in LiteRT")
    demo.add_argument("--runs", type=int, default=50, help="timed inferences per runtime (default 50)")
    demo.set_defaults(run=_cmd_demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
