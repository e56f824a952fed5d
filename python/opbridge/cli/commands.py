"""Registers every subcommand with the parser."""

from __future__ import annotations

from typing import Any

from . import cmd_bench, cmd_convert, cmd_inspect, cmd_new, cmd_ops, cmd_run, cmd_selective, cmd_size


def add_all(sub: Any) -> None:
    cmd_ops.add(sub)
    cmd_convert.add(sub)
    cmd_inspect.add(sub)
    cmd_run.add(sub)
    cmd_new.add(sub)
    cmd_bench.add(sub)
    cmd_size.add(sub)
    cmd_selective.add(sub)
