"""Writes fuzzing seeds: every benchmark case (valid inputs for every op), converted
to a .tflite with its input specs, so that tests/fuzz_kernels.py can start from
models that reach each kernel's compute. Needs TensorFlow.

    python tests/make_fuzz_seeds.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _storable(a: np.ndarray) -> np.ndarray:
    """String tensors (object arrays of bytes) as fixed-width bytes: tools/sanitize.py loads the seeds
    without pickle. Such bytes lose trailing NULs, so cases keep their strings free of them."""
    a = np.asarray(a)
    return a.astype(np.bytes_) if a.dtype == object else a


def main(out: Path) -> int:
    import tensorflow as tf

    import opbridge
    from opbridge.bench.runner import all_cases
    from opbridge.running import run_tflite

    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for k, case in enumerate(all_cases(tf, quick=True)):
        signature = [
            tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(case.inputs)
        ]
        model = case.model or opbridge.convert(tf.function(case.fn, input_signature=signature))
        # A case that keeps XNNPACK out does so to reach opbridge's kernel.
        default_delegates = "experimental_op_resolver_type" not in case.interpreter_options
        (out / f"seed_{k:03d}.tflite").write_bytes(model)
        np.savez(out / f"seed_{k:03d}.npz", *[_storable(a) for a in case.inputs])
        # What the normal build computes: the sanitized build must match it bit for bit.
        expected = run_tflite(model, case.inputs, default_delegates=default_delegates)
        np.savez(out / f"seed_{k:03d}.expected.npz", **{n: _storable(v) for n, v in expected.items()})
        meta = {"op": case.op, "label": case.label, "default_delegates": default_delegates}
        (out / f"seed_{k:03d}.json").write_text(json.dumps(meta))
        count += 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
