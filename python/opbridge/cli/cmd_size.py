"""`opbridge size`: what the bytes of the TFLite kernel library are (docs/size.md)."""

from __future__ import annotations

import argparse
import sysconfig
from pathlib import Path
from typing import Any

from .._table import print_table
from ._common import CliError


def default_build_dir(source: Path) -> Path:
    """The build tree `make build` (scikit-build-core's build/{wheel_tag}) leaves behind."""
    tag = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    python = f"cp{sysconfig.get_python_version().replace('.', '')}"
    return source / "build" / f"{python}-{python}-{tag}"


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _size(args: argparse.Namespace) -> int:
    from .size_report import report

    source = Path(args.source).resolve()
    build_dir = Path(args.build_dir).resolve() if args.build_dir else default_build_dir(source)
    if not (build_dir / "build.ninja").is_file():
        raise CliError(f"no build tree at {build_dir} (build with `make build`, or give --build-dir)")
    if not (source / "ops").is_dir():
        raise CliError(f"{source} is not an opbridge source tree (no ops/): give --source")
    result = report(build_dir, source, args.library)
    print(
        f"{args.library}: {_kb(result.stripped_bytes)} stripped "
        f"({result.stripped_bytes:,} bytes; {_kb(result.file_bytes)} as built)"
    )
    total = sum(result.by_category.values()) or 1
    print_table(
        "by category (symbol bytes; the last row is the rest of the stripped file)",
        ["category", "bytes", "share"],
        [(name, f"{size:,}", f"{100 * size / total:.1f}%") for name, size in result.by_category.items()],
    )
    rows = result.op_rows()
    op_total = sum(size for _, _, size in rows)
    print_table(
        f"op files: {len(rows)}, {_kb(op_total)} (code, data and unwind tables); top {args.top}",
        ["op file", "ops", "bytes"],
        [(path, _short(ops), f"{size:,}") for path, ops, size in rows[: args.top]]
        + [("total", f"{len(rows)} files", f"{op_total:,}")],
    )
    return 0


def add(sub: Any) -> None:
    size = sub.add_parser(
        "size", help="the TFLite kernel library's size: per category and per op file (from a build tree)"
    )
    size.add_argument("--source", default=".", help="the opbridge source tree (default: .)")
    size.add_argument("--build-dir", help="the CMake build tree (default: build/<wheel tag> under --source)")
    size.add_argument("--library", default="libopbridge_tflite.so", help="the library target to report")
    size.add_argument("--top", type=int, default=20, help="op files to list (default: 20)")
    size.set_defaults(run=_size)
