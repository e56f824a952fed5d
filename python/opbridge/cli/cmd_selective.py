"""`opbridge build-selective`: a kernel library and wheel holding only the ops some models
use, as TFLite's selective build does for its own kernels (docs/size.md).

The ops come from the models' custom op codes (a Select-TF node "Flex<Op>" counts as
<Op>) and from --ops; each must be registered by an op file of the source tree
(OPBRIDGE_REGISTER_OP(OpSpec("Name")). The wheel is built from that tree with
-DOPBRIDGE_OPS (CMakeLists.txt, cmake/SelectiveOps.cmake) in a build tree of its
own per op set, so a second build of the same set is incremental.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from .._table import print_table
from ..tflite_model import parse
from ._common import CliError

FLEX = "Flex"


def known_ops(source: Path) -> dict[str, str]:
    """Every op name the source tree registers -> its op file."""
    from .size_report import registered_ops

    return {name: path for path, names in registered_ops(source).items() for name in names}


def resolve_ops(wanted: list[str], known: dict[str, str]) -> list[str]:
    """The registered names of `wanted` (custom codes or op names); CliError naming every unknown one."""
    chosen, unknown = [], []
    for code in wanted:
        name = code if code in known else code.removeprefix(FLEX)
        if name in known:
            chosen.append(name)
        else:
            unknown.append(code)
    if unknown:
        raise CliError(f"no opbridge op file registers {', '.join(sorted(set(unknown)))}")
    return sorted(set(chosen))


def model_ops(paths: list[str]) -> list[str]:
    """The custom op codes of the given .tflite models."""
    codes: set[str] = set()
    for path in paths:
        try:
            codes |= set(parse(Path(path).read_bytes()).custom_op_counts())
        except (OSError, ValueError) as exc:
            raise CliError(f"{path}: {exc}") from exc
    return sorted(codes)


def build_dir_for(source: Path, ops: list[str], tflite_only: bool = False) -> Path:
    key = ";".join(ops) + (";tflite-only" if tflite_only else "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return source / "build" / f"selective-{digest}"


def build_wheel(source: Path, ops: list[str], out: Path, jobs: int = 2, tflite_only: bool = False) -> Path:
    """Builds the selective wheel into `out`; returns its path. tflite_only: without the
    TensorFlow op library (OPBRIDGE_TF_LIBRARY=OFF): for LiteRT-only deployments."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("opbridge-*.whl"):
        old.unlink()
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "--quiet",
        "-w",
        str(out),
        f"-Cbuild-dir={build_dir_for(source, ops, tflite_only)}",
        # ',' separates: scikit-build-core passes the value through to -D as is.
        f"-Ccmake.define.OPBRIDGE_OPS={','.join(ops)}",
        *(["-Ccmake.define.OPBRIDGE_TF_LIBRARY=OFF"] if tflite_only else []),
        str(source),
    ]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "CMAKE_BUILD_PARALLEL_LEVEL": str(jobs)}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise CliError(f"the selective build failed:\n{(result.stdout + result.stderr)[-4000:]}")
    wheels = sorted(out.glob("opbridge-*.whl"))
    if not wheels:
        raise CliError(f"the selective build made no wheel in {out}")
    return wheels[-1]


def library_sizes(wheel: Path) -> dict[str, int]:
    """The shared libraries of a wheel and their sizes (as installed: stripped by the build)."""
    with zipfile.ZipFile(wheel) as archive:
        return {i.filename: i.file_size for i in archive.infolist() if ".so" in Path(i.filename).name}


def _build_selective(args: argparse.Namespace) -> int:
    source = Path(args.source).resolve()
    if not (source / "ops").is_dir() or not (source / "CMakeLists.txt").is_file():
        raise CliError(f"{source} is not an opbridge source tree (no ops/ or CMakeLists.txt): give --source")
    wanted = model_ops(args.models) + [op.strip() for op in (args.ops or "").split(",") if op.strip()]
    if not wanted:
        raise CliError("no ops: give .tflite models with opbridge custom ops, or --ops")
    known = known_ops(source)
    ops = resolve_ops(wanted, known)
    print(f"ops ({len(ops)}): {', '.join(ops)}")
    print(f"op files: {', '.join(sorted({known[op] for op in ops}))}")
    wheel = build_wheel(source, ops, Path(args.output).resolve(), args.jobs, args.tflite_only)
    print(f"wheel: {wheel}")
    print_table(
        "libraries in the wheel",
        ["file", "bytes", "KB"],
        [(name, f"{size:,}", f"{size / 1024:,.1f}") for name, size in sorted(library_sizes(wheel).items())],
    )
    return 0


def add(sub: Any) -> None:
    build = sub.add_parser(
        "build-selective",
        help="build a kernel library and wheel with only the ops some .tflite models use",
    )
    build.add_argument("models", nargs="*", help=".tflite models whose custom ops to keep")
    build.add_argument("--ops", help="more op names, comma-separated (Flex<Op> counts as <Op>)")
    build.add_argument("-o", "--output", default="dist/selective", help="where the wheel goes")
    build.add_argument("--source", default=".", help="the opbridge source tree (default: .)")
    build.add_argument(
        "--tflite-only", action="store_true", help="leave out the TensorFlow op library (LiteRT-only wheels)"
    )
    build.add_argument("--jobs", type=int, default=2, help="parallel compile jobs (default: 2)")
    build.set_defaults(run=_build_selective)
