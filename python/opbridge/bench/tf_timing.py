"""TF's side of the bench: each case's TF time with a given number of threads.

TF fixes its thread pools when it first runs an op, so one process times TF at one
thread count. `opbridge bench` times TF with N threads itself and runs this module as
a child process (before its own timings, so that the two never share the cores) for
TF with one thread: the "1T" ratio is then one TFLite thread against one TF thread,
like for like, as the "NT" ratio is N against N.

    python -m opbridge.bench.tf_timing --threads 1 [--quick] [--only A,B]

prints one JSON object: {"ops": [[op, label, seconds], ...], "models": [[name, seconds], ...]}
in the bench's case order.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from ..timing import median_seconds


def set_threads(tf: Any, threads: int) -> None:
    """Both of TF's pools at `threads`: intra-op (a kernel's own parallel loops) and inter-op
    (independent ops of one graph). Must run before TF executes its first op."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def repeats(quick: bool, models: bool) -> tuple[int, float]:
    """(min runs, min seconds) per timing, the same for TF and TFLite."""
    if quick:
        return 3, 0.01
    return (10 if models else 20), 0.5


def op_function(tf: Any, case: Any) -> Any:
    """The case's TF function with an input signature (also what the converter is given)."""
    signature = [
        tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(case.inputs)
    ]
    return tf.function(case.fn, input_signature=signature)


def concrete_seconds(tf: Any, concrete: Any, inputs: Sequence[Any], quick: bool, models: bool) -> float:
    """The median time of calling a concrete function on tensors already made."""
    tensors = [tf.constant(a) for a in inputs]
    min_runs, min_time = repeats(quick, models)
    return median_seconds(lambda: concrete(*tensors), min_runs, min_time)


def tf_times(tf: Any, args: argparse.Namespace) -> dict[str, list[list[Any]]]:
    """TF's time of every selected op case and model case, in the bench's order."""
    from .models import model_cases
    from .runner import all_cases, selected

    ops = []
    for case in all_cases(tf, args.quick):
        if selected(args, case.op):
            concrete = op_function(tf, case).get_concrete_function()
            ops.append([case.op, case.label, concrete_seconds(tf, concrete, case.inputs, args.quick, False)])
    models = []
    if not args.no_models:
        for model in model_cases(tf, args.quick):
            if selected(args, model.name, model.ops):
                concrete = model.fn.get_concrete_function()
                models.append([model.name, concrete_seconds(tf, concrete, model.inputs, args.quick, True)])
    return {"ops": ops, "models": models}


def run_child(args: argparse.Namespace, threads: int) -> dict[str, list[list[Any]]]:
    """tf_times in a fresh process with TF at `threads` threads."""
    command = [sys.executable, "-m", "opbridge.bench.tf_timing", "--threads", str(threads)]
    if args.quick:
        command.append("--quick")
    if args.only:
        command += ["--only", args.only]
    if args.no_models:
        command.append("--no-models")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"timing TF with {threads} thread(s) failed:\n{result.stderr[-4000:]}")
    # The JSON is the last line: TF may print warnings to stdout before it.
    times: dict[str, list[list[Any]]] = json.loads(result.stdout.strip().splitlines()[-1])
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, required=True, help="TF's intra-op and inter-op threads")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only")
    parser.add_argument("--no-models", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    set_threads(tf, args.threads)
    times = tf_times(tf, args)
    sys.stdout.write("\n" + json.dumps(times) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
