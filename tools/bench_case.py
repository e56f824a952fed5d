"""Times one `opbridge bench` case, or keeps invoking it for a profiler.

    python tools/bench_case.py FFT 509                  # TF and TFLite medians, 1 thread each
    python tools/bench_case.py MaxPool3D 3x3x3 --threads 2
    python tools/bench_case.py Select f64 --loop 10 &   # then: perf record -g -p $!

OP is the bench case's op name (exact), LABEL a substring of its label. With
--loop the invoke runs for that many seconds after the timings are printed
(and flushed), so `perf record -p PID` can attach once the line appears.
perf needs the unstripped library for symbols: the build tree's
build/<wheel tag>/libopbridge_tflite.so (`addr2line -f -C -e` on it turns the
stripped library's addresses into names).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("op", help="the case's op name, e.g. FFT")
    parser.add_argument("label", nargs="?", default="", help="a substring of the case's label")
    parser.add_argument("--threads", type=int, default=1, help="TF's and TFLite's threads")
    parser.add_argument("--loop", type=float, default=0.0, help="seconds of invoking after the timings")
    args = parser.parse_args()

    import tensorflow as tf

    from opbridge.bench.runner import all_cases, tflite_invoke
    from opbridge.bench.tf_timing import set_threads
    from opbridge.conversion import convert_model
    from opbridge.timing import median_seconds

    set_threads(tf, args.threads)  # like for like, as `opbridge bench`
    matches = [c for c in all_cases(tf, False) if c.op == args.op and args.label in c.label]
    if not matches:
        raise SystemExit(f"no bench case of op {args.op!r} with {args.label!r} in its label")
    case = matches[0]
    signature = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype)) for a in case.inputs]
    fn = tf.function(case.fn, input_signature=signature)
    model = case.model if case.model is not None else convert_model(fn).model
    invoke = tflite_invoke(model, case.inputs, args.threads, case.interpreter_options)
    concrete = fn.get_concrete_function()
    tensors = [tf.constant(a) for a in case.inputs]
    tf_ms = median_seconds(lambda: concrete(*tensors), 20, 0.5) * 1e3
    tflite_ms = median_seconds(invoke, 20, 0.5) * 1e3
    print(
        f"{case.op} [{case.label}]: TF {args.threads}T {tf_ms:.3f} ms, "
        f"TFLite {args.threads}T {tflite_ms:.3f} ms, ratio {tflite_ms / tf_ms:.2f}",
        flush=True,
    )
    end = time.monotonic() + args.loop
    while time.monotonic() < end:
        invoke()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
