"""Writes fuzzing seeds: every benchmark case (valid inputs for every op), converted
to a .tflite with its input specs, so that tests/fuzz_kernels.py can start from
models that reach each kernel's compute. Needs TensorFlow.

    python tests/make_fuzz_seeds.py OUT_DIR [--key KEY]

With --key (the Makefile's: a hash of the built wheel and of this script), a
directory that already holds seeds made under the same key is kept as it is:
`make test` writes them (tests/test_fuzz.py) and `make sanitize` reuses them,
a minute of TF conversion saved.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _storable(a: np.ndarray) -> np.ndarray:
    """String tensors (object arrays of bytes) as fixed-width bytes: tools/sanitize.py loads the seeds
    without pickle. Such bytes lose trailing NULs, so cases keep their input strings free of them,
    and the comparison (tools/sanitize.py) stores string outputs the same way before comparing."""
    a = np.asarray(a)
    return a.astype(np.bytes_) if a.dtype == object else a


def main(out: Path, key: str | None = None) -> int:
    stamp = out / ".key"
    if key and stamp.exists() and stamp.read_text() == key:
        print(f"{len(list(out.glob('seed_*.tflite')))} (made under this key before)")
        return 0
    import tensorflow as tf

    import opbridge
    from opbridge.bench.runner import all_cases
    from opbridge.running import run_tflite

    out.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    for old in out.glob("seed_*"):
        old.unlink()
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
    if key:
        stamp.write_text(key)
    print(count)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--key")
    args = parser.parse_args()
    sys.exit(main(args.out, args.key))
