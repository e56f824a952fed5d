"""Times each op's TFLite kernel (opbridge.Interpreter, LiteRT) against TF's kernel
(a tf.function) in one run, on realistic sizes, and prints a table of times and
ratios; then whole models with exotic ops (models.py) the same way.

    opbridge bench            # full tables (also: make bench)
    opbridge bench --quick    # tiny sizes, few repeats (a smoke run)
    opbridge bench --only GridSample

Op cases live in cases/, one module per op family; each model holds the op alone.
TFLite is timed on invoke() with inputs already set; TF on calling the concrete
function with tensors already made. Each is timed with 1 thread and with N (TF's
intra-op and inter-op pools; TF with 1 thread in a child process, tf_timing.py), and
each ratio is TFLite time / TF time at the same thread count: below 1 is faster.
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
from .tf_timing import TimingChild, concrete_seconds, op_function, repeats, set_threads


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
    parser.add_argument(
        "--confirm",
        type=int,
        default=2,
        help="rounds of re-timing for the op rows above 1.0 (both sides; each time the lowest of its "
        "rounds' medians); 0: none",
    )


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


def time_columns(first: str, second: str, threads: int) -> list[str]:
    """The op and model tables' header: the times, then the like-for-like ratios."""
    n = threads
    return [first, second, "TF 1T", f"TF {n}T", "TFLite 1T", f"TFLite {n}T", "ratio 1T", f"ratio {n}T"]


def time_row(
    first: str, second: str, tf_one: float, tf_many: float, one: float, many: float
) -> tuple[str, ...]:
    """One row under time_columns, times in ms."""
    times = [f"{t * 1e3:.3f}" for t in (tf_one, tf_many, one, many)]
    return (first, second, *times, f"{one / tf_one:.2f}", f"{many / tf_many:.2f}")


def print_ratio_summary(
    ratios: Sequence[tuple[str, str, float, float]], threads: int, notes: Sequence[str] = ()
) -> None:
    """The table's tail in three lines: the worst ratio per thread count, and every op and case
    slower than TF as the table rounds it (issue 19's goal is none), each with its case's note
    (Case.note) when it has one."""
    for column, name in ((2, "1T"), (3, f"{threads}T")):
        worst = max(ratios, key=lambda r: r[column])
        print(f"worst ratio {name}: {worst[column]:.2f} ({worst[0]}, {worst[1]})")
    slower = [
        f"{op} [{label}] {one:.2f}/{many:.2f}" + (f" ({note})" if note else "")
        for (op, label, one, many), note in zip(ratios, list(notes) or [""] * len(ratios), strict=True)
        if round(max(one, many), 2) > 1.0
    ]
    print(
        f"above 1.0 at 1T or {threads}T ({len(slower)} of {len(ratios)}): "
        + ("; ".join(slower) if slower else "none")
    )


def run(args: argparse.Namespace) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # TF with one thread in a process of its own, timing each case when asked, just before
    # this process times TFLite on it.
    single = TimingChild(args, 1)
    try:
        run_cases(args, single)
    finally:
        single.close()


def time_case(
    tf: Any, args: argparse.Namespace, single: TimingChild, index: int, case: Case, model: bytes
) -> list[float]:
    """[TF 1T, TF NT, TFLite 1T, TFLite NT] seconds of one case, TF's one-thread time first (the
    child process), each side just before the other."""
    min_runs, min_time = repeats(args.quick, False)
    tf_one = single.op_seconds(index)
    concrete = op_function(tf, case).get_concrete_function()
    tf_many = concrete_seconds(tf, concrete, case.inputs, args.quick, False)
    options = case.interpreter_options
    one = median_seconds(tflite_invoke(model, case.inputs, 1, options), min_runs, min_time)
    many = median_seconds(tflite_invoke(model, case.inputs, args.threads, options), min_runs, min_time)
    return [tf_one, tf_many, one, many]


def above_one(times: Sequence[float]) -> bool:
    """Whether a case's ratio at 1T or NT is above 1.0 as the table rounds it."""
    return round(max(times[2] / times[0], times[3] / times[1]), 2) > 1.0


def run_cases(args: argparse.Namespace, single: TimingChild) -> None:
    import tensorflow as tf

    from opbridge._table import print_table
    from opbridge.conversion import convert_model

    set_threads(tf, args.threads)
    min_runs, min_time = repeats(args.quick, False)
    substituted_rows: list[tuple[str, ...]] = []
    cases = [case for case in all_cases(tf, args.quick) if selected(args, case.op)]
    if [[c.op, c.label] for c in cases] != single.ops:
        raise RuntimeError("the one-thread TF process made other cases than this one")
    models: list[bytes] = []
    times: list[list[float]] = []
    for index, case in enumerate(cases):
        fn = op_function(tf, case)
        if case.model is not None:
            model, substituted = case.model, {}
        else:
            result = convert_model(fn)
            model, substituted = result.model, result.substituted
        models.append(model)
        times.append(time_case(tf, args, single, index, case, model))
        one = times[-1][2]
        options = case.interpreter_options
        if substituted:
            # What the converter alone would give: the op lowered into builtins.
            plain = convert_model(fn, substitute=False).model
            builtin = median_seconds(tflite_invoke(plain, case.inputs, 1, options), min_runs, min_time)
            substituted_rows.append(
                (case.op, case.label, f"{builtin * 1e3:.3f}", f"{one * 1e3:.3f}", f"{builtin / one:.1f}x")
            )
    # This host's run-to-run noise (10-30% on memory-bound rows) can put a row near 1.0 on
    # either side in one pass: the rows above are timed again, both sides in the same order,
    # and keep each column's lowest median (docs/design.md "Performance").
    flagged = [index for index, t in enumerate(times) if above_one(t)]
    for _ in range(args.confirm):
        for index in flagged:
            again = time_case(tf, args, single, index, cases[index], models[index])
            times[index] = [min(a, b) for a, b in zip(times[index], again, strict=True)]
    n = args.threads
    if cases:
        print_table(
            f"opbridge TFLite kernels vs TF kernels, ms per call (median); TF and TFLite each with 1 "
            f"and with {n} threads (intra-op and inter-op pools), ratio = TFLite / TF at the same count",
            time_columns("op", "case", n),
            [time_row(case.op, case.label, *t) for case, t in zip(cases, times, strict=True)],
        )
        if flagged and args.confirm:
            print(
                f"re-timed {len(flagged)} rows above 1.0 in {args.confirm} more rounds, each column its "
                f"lowest median: {sum(above_one(times[i]) for i in flagged)} still above"
            )
        print_ratio_summary(
            [(case.op, case.label, t[2] / t[0], t[3] / t[1]) for case, t in zip(cases, times, strict=True)],
            n,
            [case.note for case in cases],
        )
    if substituted_rows:
        print_table(
            "substituted ops: one opbridge kernel vs the builtins the converter lowers the TF op into, "
            "TFLite 1 thread, ms",
            ["op", "case", "builtins", "opbridge kernel", "speedup"],
            substituted_rows,
        )
    if not args.no_models:
        from .models import run_models

        run_models(tf, args, tflite_invoke, single)
