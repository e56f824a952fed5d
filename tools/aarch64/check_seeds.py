"""Runs every seed model on this machine (meant for emulated aarch64; no TensorFlow)
through both registration routes and 1 and 3 threads, XNNPACK off.

    python check_seeds.py SEEDS_DIR OUT_DIR

Writes OUT_DIR/seed_NNN.npz (the resolver route's outputs at 1 thread) and
OUT_DIR/report.json: per seed, whether the four runs agree bit for bit, or the
error. tools/aarch64/run_seeds.py compares the outputs with x86-64's and TF's.
Default delegates stay off: XNNPACK's CPU probe crashes under qemu-user
(docs/aarch64.md), and opbridge's kernels are what this run is about.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from opbridge.running import SignatureSession

RUNS = (("resolver", 1), ("resolver", 3), ("delegate", 1), ("delegate", 3))


def storable(a: np.ndarray) -> np.ndarray:
    """String outputs (object arrays of bytes) as fixed-width bytes: saved without pickle."""
    a = np.asarray(a)
    return a.astype(np.bytes_) if a.dtype == object else a


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit (NaN payloads and signed zeros included), strings by value."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == object:
        return a.tolist() == b.tolist()
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def check(path: Path) -> tuple[dict[str, np.ndarray] | None, dict[str, object]]:
    model = path.read_bytes()
    data = np.load(path.with_suffix(".npz"))
    inputs = [data[f"arr_{i}"] for i in range(len(data.files))]
    first: dict[str, np.ndarray] | None = None
    for route, threads in RUNS:
        try:
            session = SignatureSession(model, route=route, num_threads=threads, default_delegates=False)
            session.set_inputs(inputs)
            session.invoke()
            outputs = {name: np.asarray(value) for name, value in session.outputs().items()}
        except (RuntimeError, ValueError) as exc:
            return first, {"status": "error", "run": f"{route} {threads}", "error": str(exc)[-500:]}
        if first is None:
            first = outputs
        elif outputs.keys() != first.keys() or not all(same_bits(outputs[n], first[n]) for n in first):
            return first, {"status": "runs differ", "run": f"{route} {threads}"}
    return first, {"status": "ok"}


def main(seeds: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, dict[str, object]] = {}
    start = time.monotonic()
    for path in sorted(seeds.glob("seed_*.tflite")):
        outputs, result = check(path)
        if outputs is not None:
            np.savez(out / f"{path.stem}.npz", **{n: storable(v) for n, v in outputs.items()})
        report[path.stem] = result
        # Written as it goes: a crash names its seed (the last one missing).
        (out / "report.json").write_text(json.dumps(report, indent=1))
    ok = sum(r["status"] == "ok" for r in report.values())
    print(f"{ok} of {len(report)} seeds: four runs identical ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
