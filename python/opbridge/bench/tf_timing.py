"""TF's side of the bench: each case's TF time with a given number of threads.

TF fixes its thread pools when it first runs an op, so one process times TF at one
thread count. `opbridge bench` times TF with N threads itself and keeps this module
running as a child process for TF with one thread (`--serve`): the "1T" ratio is then
one TFLite thread against one TF thread, like for like, as the "NT" ratio is N against
N. The child times a case when the bench asks, just before the bench times TFLite on
it, and is idle otherwise (the two never share the cores): a host's speed drifts over
a run of minutes, and TF's times taken all first, minutes before TFLite's, moved the
ratios with it.

    python -m opbridge.bench.tf_timing --threads 1 [--quick] [--only A,B]

prints one JSON object: {"ops": [[op, label, seconds], ...], "models": [[name, seconds], ...]}
in the bench's case order. With --serve it prints the cases ({"ops": [[op, label], ...],
"models": [name, ...]}), then reads requests ("op I", "model I") from stdin and answers
each with its seconds, every message one line starting with MESSAGE_PREFIX.
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
    ops, models = selected_cases(tf, args)
    return {
        "ops": [
            [
                c.op,
                c.label,
                concrete_seconds(tf, op_function(tf, c).get_concrete_function(), c.inputs, args.quick, False),
            ]
            for c in ops
        ],
        "models": [
            [m.name, concrete_seconds(tf, m.fn.get_concrete_function(), m.inputs, args.quick, True)]
            for m in models
        ],
    }


MESSAGE_PREFIX = "opbridge-tf-timing "


def selected_cases(tf: Any, args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """The selected op cases and model cases, in the bench's order."""
    from .models import model_cases
    from .runner import all_cases, selected

    ops = [case for case in all_cases(tf, args.quick) if selected(args, case.op)]
    models = []
    if not args.no_models:
        models = [m for m in model_cases(tf, args.quick) if selected(args, m.name, m.ops)]
    return ops, models


def serve(tf: Any, args: argparse.Namespace) -> None:
    """Times cases on request (the module docstring's protocol) until stdin closes."""
    ops, models = selected_cases(tf, args)
    names = {"ops": [[c.op, c.label] for c in ops], "models": [m.name for m in models]}
    sys.stdout.write(MESSAGE_PREFIX + json.dumps(names) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        kind, index = line.split()
        if kind == "op":
            case = ops[int(index)]
            seconds = concrete_seconds(
                tf, op_function(tf, case).get_concrete_function(), case.inputs, args.quick, False
            )
        else:
            model = models[int(index)]
            seconds = concrete_seconds(tf, model.fn.get_concrete_function(), model.inputs, args.quick, True)
        sys.stdout.write(f"{MESSAGE_PREFIX}{seconds!r}\n")
        sys.stdout.flush()


class TimingChild:
    """A `--serve` child: TF at `threads` threads in a process of its own, timing cases on request."""

    def __init__(self, args: argparse.Namespace, threads: int) -> None:
        command = [sys.executable, "-m", "opbridge.bench.tf_timing", "--threads", str(threads), "--serve"]
        if args.quick:
            command.append("--quick")
        if args.only:
            command += ["--only", args.only]
        if args.no_models:
            command.append("--no-models")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        names = json.loads(self._message())
        self.ops: list[list[str]] = names["ops"]
        self.models: list[str] = names["models"]

    def _message(self) -> str:
        """The child's next message (TF may print other lines to stdout before it)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(MESSAGE_PREFIX):
                return line[len(MESSAGE_PREFIX) :].strip()
        self.process.wait()
        assert self.process.stderr is not None
        raise RuntimeError(f"timing TF in a child process failed:\n{self.process.stderr.read()[-4000:]}")

    def _ask(self, request: str) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return float(self._message())

    def op_seconds(self, index: int) -> float:
        return self._ask(f"op {index}")

    def model_seconds(self, index: int) -> float:
        return self._ask(f"model {index}")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, required=True, help="TF's intra-op and inter-op threads")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only")
    parser.add_argument("--no-models", action="store_true")
    parser.add_argument("--serve", action="store_true", help="time cases on request from stdin")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    set_threads(tf, args.threads)
    if args.serve:
        serve(tf, args)
        return 0
    times = tf_times(tf, args)
    sys.stdout.write("\n" + json.dumps(times) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
