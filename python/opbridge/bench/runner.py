"""Times each op's TFLite kernel (opbridge.Interpreter, LiteRT) against TF's kernel
(a tf.function) in one run, on realistic sizes, and prints a table of times and
ratios; then whole models with exotic ops (models.py) the same way.

    opbridge bench            # full tables (also: make bench)
    opbridge bench --quick    # tiny sizes, few repeats (a smoke run)
    opbridge bench --only GridSample

Op cases live in cases/, one module per op family; each model holds the op alone.
TFLite is timed on invoke() with inputs already set; TF on calling the concrete
function with tensors already made, with TF's default thread pools. Ratios are
TFLite time / TF time: below 1 is faster.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..timing import median_seconds
from . import cases as cases_package
from .cases.case import Case


def all_cases(tf: Any, quick: bool) -> list[Case]:
    """Every module in cases/ contributes its op family's cases."""
    rng = np.random.default_rng(0)
    found = []
    for module in sorted(m.name for m in pkgutil.iter_modules(cases_package.__path__)):
        if module == "case":
            continue
        found += importlib.import_module(f"{cases_package.__name__}.{module}").cases(
            tf, rng, 8 if quick else 1
        )
    return found


def tflite_invoke(
    model: bytes, inputs: list[np.ndarray], threads: int, options: dict[str, Any]
) -> Callable[[], None]:
    import opbridge

    interpreter = opbridge.Interpreter(model_content=model, num_threads=threads, **options)
    # By index, as users feed: opbridge.convert keeps a function's argument order.
    indices = [d["index"] for d in interpreter.get_input_details()]
    for index, value in zip(indices, inputs, strict=True):
        interpreter.resize_tensor_input(index, value.shape, strict=False)
    interpreter.allocate_tensors()
    for index, value in zip(indices, inputs, strict=True):
        interpreter.set_tensor(index, value)
    return interpreter.invoke


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (a smoke run)")
    parser.add_argument(
        "--only",
        help="run only ops and models whose name contains one of these (comma-separated), e.g. FFT,Svd",
    )
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="TFLite threads for the N column"
    )
    parser.add_argument("--no-models", action="store_true", help="op table only")


def selected(args: argparse.Namespace, *names: str) -> bool:
    """--only: whether one of the names contains one of its comma-separated parts."""
    if not args.only:
        return True
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    return any(part in name for part in parts for name in names)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args(argv))
    return 0


def print_ratio_summary(ratios: Sequence[tuple[str, str, float, float]], threads: int) -> None:
    """The table's tail in three lines: the worst ratio per thread count, and every op and case
    slower than TF as the table rounds it (issue 19's goal is none)."""
    for column, name in ((2, "1T"), (3, f"{threads}T")):
        worst = max(ratios, key=lambda r: r[column])
        print(f"worst ratio {name}: {worst[column]:.2f} ({worst[0]}, {worst[1]})")
    slower = [
        f"{op} [{label}] {one:.2f}/{many:.2f}"
        for op, label, one, many in ratios
        if round(max(one, many), 2) > 1.0
    ]
    print(
        f"above 1.0 at 1T or {threads}T ({len(slower)} of {len(ratios)}): "
        + ("; ".join(slower) if slower else "none")
    )


def run(args: argparse.Namespace) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from opbridge._table import print_table
    from opbridge.conversion import convert_model

    min_time, min_runs = (0.01, 3) if args.quick else (0.5, 20)
    rows = []
    ratios: list[tuple[str, str, float, float]] = []
    substituted_rows: list[tuple[str, ...]] = []
    for case in all_cases(tf, args.quick):
        if not selected(args, case.op):
            continue
        signature = [
            tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(case.inputs)
        ]
        fn = tf.function(case.fn, input_signature=signature)
        concrete = fn.get_concrete_function()
        tensors = [tf.constant(a) for a in case.inputs]
        tf_time = median_seconds(lambda c=concrete, t=tensors: c(*t), min_runs, min_time)
        options = case.interpreter_options
        if case.model is not None:
            model, substituted = case.model, {}
        else:
            result = convert_model(fn)
            model, substituted = result.model, result.substituted
        one = median_seconds(tflite_invoke(model, case.inputs, 1, options), min_runs, min_time)
        many = median_seconds(tflite_invoke(model, case.inputs, args.threads, options), min_runs, min_time)
        if substituted:
            # What the converter alone would give: the op lowered into builtins.
            plain = convert_model(fn, substitute=False).model
            builtin = median_seconds(tflite_invoke(plain, case.inputs, 1, options), min_runs, min_time)
            substituted_rows.append(
                (case.op, case.label, f"{builtin * 1e3:.3f}", f"{one * 1e3:.3f}", f"{builtin / one:.1f}x")
            )
        ratios.append((case.op, case.label, one / tf_time, many / tf_time))
        rows.append(
            (
                case.op,
                case.label,
                f"{tf_time * 1e3:.3f}",
                f"{one * 1e3:.3f}",
                f"{many * 1e3:.3f}",
                f"{one / tf_time:.2f}",
                f"{many / tf_time:.2f}",
            )
        )
    n = args.threads
    if rows:
        print_table(
            f"opbridge TFLite kernels vs TF kernels, ms per call (median); TF uses its default thread pools, "
            f"TFLite 1 and {n} threads",
            ["op", "case", "TF", "TFLite 1T", f"TFLite {n}T", "ratio 1T", f"ratio {n}T"],
            rows,
        )
        print_ratio_summary(ratios, n)
    if substituted_rows:
        print_table(
            "substituted ops: one opbridge kernel vs the builtins the converter lowers the TF op into, "
            "TFLite 1 thread, ms",
            ["op", "case", "builtins", "opbridge kernel", "speedup"],
            substituted_rows,
        )
    if not args.no_models:
        from .models import run_models

        run_models(tf, args, tflite_invoke)
