"""`opbridge bench`: the op and model benchmark tables (opbridge.bench)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import CliError


def _bench(args: argparse.Namespace) -> int:
    if args.threads < 1:
        raise CliError(f"--threads must be at least 1, got {args.threads}")
    from ..bench.runner import run

    run(args)
    return 0


def add(sub: Any) -> None:
    from ..bench.runner import add_arguments

    bench = sub.add_parser(
        "bench", help="time opbridge's TFLite kernels and models with exotic ops against TF, same run"
    )
    add_arguments(bench)
    bench.set_defaults(run=_bench)
