"""`opbridge build-selective`: a kernel library and wheel holding only the ops some models
use, as TFLite's selective build does for its own kernels (docs/size.md).

The ops come from the models' custom op codes (a Select-TF node "Flex<Op>" counts as
<Op>) and from --ops; each must be registered by an op file of the source tree
(OPBRIDGE_REGISTER_OP(OpSpec("Name")). The wheel is built from that tree with
-DOPBRIDGE_OPS (CMakeLists.txt, cmake/SelectiveOps.cmake) in a build tree of its
own per op set, so a second build of the same set is incremental.

The kernels are compiled only for the dtypes of the models' custom-op tensors
(-DOPBRIDGE_DTYPES; Eigen's decompositions instantiated per dtype are most of a linalg
op's bytes): a float32 model's MatrixInverse carries no float64 or complex code. --dtypes
adds dtypes, --all-dtypes keeps every one; ops named only by --ops bring no dtypes, so
--ops without --dtypes keeps every dtype too.

--target aarch64 cross-compiles the library for 64-bit ARM Linux (a phone-class board:
Raspberry Pi, Jetson) with the toolchain `make wheel-aarch64` uses (docs/aarch64.md):
Debian's g++-aarch64-linux-gnu and the arm64 python3.11 headers that
tools/aarch64/setup.sh unpacks into the source tree's .cache/aarch64. It implies
--tflite-only: TensorFlow has no aarch64 wheel of the version the TF op library is
built against.

On x86-64 the library carries the baseline kernels and their AVX2 copies; --max-isa
avx512 adds the AVX-512 copies (faster FFTs, products and sums on CPUs that have
AVX-512F: servers, AMD Zen 4/5; Intel's client CPUs since Alder Lake have none), at
about 30 KB per FFT pass instantiation; --max-isa baseline leaves the AVX2 copies out
too (the smallest library, for CPUs without AVX2, and slower wherever they exist).

Select TF ops nodes ("Flex<Op>": a TF op the converter kept with SELECT_TF_OPS) run by the
op's kernel only when a model has one, or with --select-tf (-DOPBRIDGE_SELECT_TF): their
NodeDef decoder and second registration are about 10 KB a model without them never uses.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from .._table import print_table
from ..tflite_model import parse, type_name
from ._common import CliError

FLEX = "Flex"
# The schema's tensor type names (tflite_model.type_name) -> TF's, which the build takes.
_TF_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}
# Every dtype opbridge's kernels know (opbridge/dtype.h), in TF's spelling.
KNOWN_DTYPES = (
    "float double half bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool string "
    "complex64 complex128 resource"
).split()


def known_ops(source: Path) -> dict[str, str]:
    """Every op name the source tree registers -> its op file."""
    from .size_report import registered_ops

    return {name: path for path, names in registered_ops(source).items() for name in names}


def _op_name(code: str, known: dict[str, str]) -> str:
    """The op a custom code names: itself when registered, else without a "Flex" prefix."""
    return code if code in known else code.removeprefix(FLEX)


def resolve_ops(wanted: list[str], known: dict[str, str]) -> list[str]:
    """The registered names of `wanted` (custom codes or op names); CliError naming every unknown one."""
    chosen, unknown = [], []
    for code in wanted:
        name = _op_name(code, known)
        if name in known:
            chosen.append(name)
        else:
            unknown.append(code)
    if unknown:
        raise CliError(f"no opbridge op file registers {', '.join(sorted(set(unknown)))}")
    return sorted(set(chosen))


def select_tf_nodes(wanted: list[str], known: dict[str, str]) -> list[str]:
    """The Select TF ops codes ("Flex<Op>" of a registered Op) among `wanted`."""
    return sorted({code for code in wanted if code not in known and _op_name(code, known) in known})


def model_ops(paths: list[str]) -> list[str]:
    """The custom op codes of the given .tflite models."""
    codes: set[str] = set()
    for path in paths:
        try:
            codes |= set(parse(Path(path).read_bytes()).custom_op_counts())
        except (OSError, ValueError) as exc:
            raise CliError(f"{path}: {exc}") from exc
    return sorted(codes)


def model_dtypes(paths: list[str]) -> list[str]:
    """The dtypes (TF's names) of every tensor that a custom node of the given models reads
    or writes; a type opbridge has no kernels for is left out (the adapter refuses it)."""
    names: set[str] = set()
    for path in paths:
        try:
            view = parse(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            raise CliError(f"{path}: {exc}") from exc
        for use in view.custom_ops:
            for index in (*use.inputs, *use.outputs):
                if index >= 0:
                    name = type_name(view.tensor(use.subgraph, index))
                    names.add(_TF_DTYPE_NAMES.get(name, name))
    return sorted(names & set(KNOWN_DTYPES), key=KNOWN_DTYPES.index)


def resolve_dtypes(listed: str | None) -> list[str]:
    """--dtypes as TF's names (numpy's float32/float64/float16 accepted); CliError on others."""
    names = [_TF_DTYPE_NAMES.get(d.strip(), d.strip()) for d in (listed or "").split(",") if d.strip()]
    unknown = sorted(set(names) - set(KNOWN_DTYPES))
    if unknown:
        raise CliError(f"unknown dtype {', '.join(unknown)} (known: {', '.join(KNOWN_DTYPES)})")
    return names


TARGETS = ("host", "aarch64")
# The highest x86-64 instruction set whose kernel copies the library carries
# (OPBRIDGE_MAX_ISA, CMakeLists.txt); the full build carries all.
MAX_ISAS = ("baseline", "avx2", "avx512")
DEFAULT_MAX_ISA = "avx2"
# The cross build's Python ABI: Debian bookworm's arm64 python3.11 in the sysroot.
_AARCH64_EXT_SUFFIX = ".cpython-311-aarch64-linux-gnu.so"


def cross_settings(source: Path, target: str) -> tuple[dict[str, str], list[str]]:
    """(environment, pip -C options) of a cross build for `target` ("host": none).
    scikit-build-core takes the wheel's platform tag and SKBUILD_SOABI from the two
    variables; pybind11 and FindPython need the target's module suffix and headers."""
    if target == "host":
        return {}, []
    sysroot = source / ".cache" / "aarch64" / "sysroot"
    tools = ("aarch64-linux-gnu-g++", "aarch64-linux-gnu-strip")
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing or not (sysroot / ".complete").is_file():
        lacking = ", ".join(missing) if missing else f"the arm64 sysroot ({sysroot})"
        raise CliError(
            f"--target aarch64 needs Debian's cross toolchain and an arm64 python3.11 sysroot; "
            f"missing {lacking}: run `sh tools/aarch64/setup.sh` (as root) in {source}"
        )
    env = {"_PYTHON_HOST_PLATFORM": "linux-aarch64", "SETUPTOOLS_EXT_SUFFIX": _AARCH64_EXT_SUFFIX}
    options = [
        f"-Ccmake.define.CMAKE_TOOLCHAIN_FILE={source / 'cmake' / 'toolchains' / 'aarch64-linux-gnu.cmake'}",
        f"-Ccmake.define.Python_INCLUDE_DIR={sysroot / 'usr' / 'include' / 'python3.11'}",
        f"-Ccmake.define.PYTHON_MODULE_EXTENSION={_AARCH64_EXT_SUFFIX}",
    ]
    return env, options


def build_dir_for(
    source: Path,
    ops: list[str],
    tflite_only: bool = False,
    dtypes: list[str] | None = None,
    target: str = "host",
    max_isa: str = DEFAULT_MAX_ISA,
    select_tf: bool = False,
) -> Path:
    key = ";".join(ops) + (";tflite-only" if tflite_only else "") + (";select-tf" if select_tf else "")
    if dtypes:
        key += ";dtypes=" + ",".join(dtypes)
    if target != "host":
        key += ";target=" + target
    elif max_isa != "avx512":
        key += ";max-isa=" + max_isa
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return source / "build" / f"selective-{digest}"


def build_wheel(
    source: Path,
    ops: list[str],
    out: Path,
    jobs: int = 2,
    tflite_only: bool = False,
    dtypes: list[str] | None = None,
    target: str = "host",
    max_isa: str = DEFAULT_MAX_ISA,
    select_tf: bool = False,
) -> Path:
    """Builds the selective wheel into `out`; returns its path. tflite_only: without the
    TensorFlow op library (OPBRIDGE_TF_LIBRARY=OFF): for LiteRT-only deployments. dtypes:
    the kernels' dtypes (TF's names); None or empty: every dtype. target: "host", or
    "aarch64" (cross-compiled; TFLite kernels only). max_isa: the highest x86-64
    instruction set with kernel copies (MAX_ISAS; no effect on aarch64). select_tf: the
    TFLite library also runs the ops' Select TF ops nodes (Flex<Op>)."""
    cross_env, cross_options = cross_settings(source, target)
    tflite_only = tflite_only or target != "host"
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
        f"-Cbuild-dir={build_dir_for(source, ops, tflite_only, dtypes, target, max_isa, select_tf)}",
        *cross_options,
        # ',' separates: scikit-build-core passes the value through to -D as is.
        f"-Ccmake.define.OPBRIDGE_OPS={','.join(ops)}",
        *(["-Ccmake.define.OPBRIDGE_TF_LIBRARY=OFF"] if tflite_only else []),
        # Always given: a build tree configured before keeps its cached value otherwise.
        f"-Ccmake.define.OPBRIDGE_DTYPES={','.join(dtypes or [])}",
        f"-Ccmake.define.OPBRIDGE_MAX_ISA={max_isa if target == 'host' else ''}",
        f"-Ccmake.define.OPBRIDGE_SELECT_TF={'ON' if select_tf else 'OFF'}",
        str(source),
    ]
    env = {
        **os.environ,
        **cross_env,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "CMAKE_BUILD_PARALLEL_LEVEL": str(jobs),
    }
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


_ISA_COPIES = {
    "baseline": "baseline only",
    "avx2": "baseline and AVX2",
    "avx512": "baseline, AVX2 and AVX-512",
}


def _build_selective(args: argparse.Namespace) -> int:
    source = Path(args.source).resolve()
    if not (source / "ops").is_dir() or not (source / "CMakeLists.txt").is_file():
        raise CliError(f"{source} is not an opbridge source tree (no ops/ or CMakeLists.txt): give --source")
    wanted = model_ops(args.models) + [op.strip() for op in (args.ops or "").split(",") if op.strip()]
    if not wanted:
        raise CliError("no ops: give .tflite models with opbridge custom ops, or --ops")
    known = known_ops(source)
    ops = resolve_ops(wanted, known)
    flex = select_tf_nodes(wanted, known)
    select_tf = args.select_tf or bool(flex)
    listed = resolve_dtypes(args.dtypes)
    if args.all_dtypes or (args.ops and not listed):
        dtypes: list[str] = []
    else:
        found = set(model_dtypes(args.models)) | set(listed)
        dtypes = sorted(found, key=KNOWN_DTYPES.index)
    print(f"ops ({len(ops)}): {', '.join(ops)}")
    print(f"op files: {', '.join(sorted({known[op] for op in ops}))}")
    print(f"dtypes: {', '.join(dtypes) if dtypes else 'every dtype'}")
    if select_tf:
        print(f"Select TF ops nodes: run ({', '.join(flex) if flex else '--select-tf'})")
    else:
        print("Select TF ops nodes: none in the models, left out (--select-tf keeps them)")
    if args.target != "host":
        print(f"target: {args.target} (cross-compiled; the TFLite kernel library only)")
    elif platform.machine() == "x86_64":
        print(f"x86-64 kernel copies: {_ISA_COPIES[args.max_isa]} (--max-isa)")
    out = Path(args.output).resolve()
    wheel = build_wheel(
        source, ops, out, args.jobs, args.tflite_only, dtypes, args.target, args.max_isa, select_tf
    )
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
    build.add_argument(
        "--dtypes",
        help="more dtypes for the kernels, comma-separated (TF's names: float, double, int32, ...); "
        "by default the dtypes of the models' custom-op tensors",
    )
    build.add_argument(
        "--all-dtypes", action="store_true", help="compile the kernels for every dtype they declare"
    )
    build.add_argument("-o", "--output", default="dist/selective", help="where the wheel goes")
    build.add_argument("--source", default=".", help="the opbridge source tree (default: .)")
    build.add_argument(
        "--tflite-only", action="store_true", help="leave out the TensorFlow op library (LiteRT-only wheels)"
    )
    build.add_argument(
        "--target",
        choices=TARGETS,
        default="host",
        help="the machine the library is for: this one (host), or 64-bit ARM Linux (aarch64: "
        "cross-compiled, TFLite kernels only; needs tools/aarch64/setup.sh once)",
    )
    build.add_argument(
        "--max-isa",
        choices=MAX_ISAS,
        default=DEFAULT_MAX_ISA,
        help="x86-64: the highest instruction set whose kernel copies the library carries "
        f"(default: {DEFAULT_MAX_ISA}; avx512 adds the AVX-512 copies, baseline drops the AVX2 ones)",
    )
    build.add_argument(
        "--select-tf",
        action="store_true",
        help="also run the ops' Select TF ops nodes (Flex<Op>, from SELECT_TF_OPS conversions); "
        "by default only when a model has one",
    )
    build.add_argument("--jobs", type=int, default=2, help="parallel compile jobs (default: 2)")
    build.set_defaults(run=_build_selective)
