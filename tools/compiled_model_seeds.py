"""Every op's seed model through LiteRT's CompiledModel API (opbridge.CompiledModel).

    python tools/compiled_model_seeds.py SEEDS_DIR [THREADS]

SEEDS_DIR holds tests/make_fuzz_seeds.py output (one converted model per bench
case, with inputs and the normal build's outputs through opbridge.Interpreter).
Each seed runs once through opbridge.CompiledModel and must give the same bits.
The exceptions are LiteRT's own, each checked for its reason, never skipped silently:
  - outputs whose shape depends on input values: LiteRT 2.3.0 binds every output
    buffer as a TFLite custom allocation, which TFLite refuses for a dynamic tensor;
    the error must say so;
  - string tensors: LiteRT's TensorBuffer API has no string layout; refused by name;
  - complex128 tensors: LiteRT 2.3.0's model loader refuses them (the stock class too);
  - MaxPoolingWithArgmax2D, MaxUnpooling2D, Convolution2DTransposeBias: LiteRT's
    CompiledModel hands them to its XNNPACK accelerator (a stub registration in
    litert/runtime/compiled_model.cc), so opbridge's kernel does not run them there.
Used by `make sanitize` (tools/sanitize.py), under ASan. Exits 1 on any other outcome.
"""

from __future__ import annotations

import collections
import glob
import json
import sys

import numpy as np

from opbridge.running import SignatureSession, run_compiled_model

LITERT_OWN_OPS = {"MaxPoolingWithArgmax2D", "MaxUnpooling2D", "Convolution2DTransposeBias"}
REFUSALS = {
    "dynamic output": "depends on the input values",
    "string tensor": "is a string tensor",
    "complex128": "complex128",
}


def main(seeds: str, threads: int) -> int:
    outcomes: collections.Counter[str] = collections.Counter()
    failures = []
    options = None
    if threads != 1:
        from ai_edge_litert.cpu_options import CpuOptions
        from ai_edge_litert.hardware_accelerator import HardwareAccelerator
        from ai_edge_litert.options import Options

        options = Options(
            hardware_accelerators=HardwareAccelerator.CPU, cpu_options=CpuOptions(num_threads=threads)
        )
    for path in sorted(glob.glob(seeds + "/seed_*.tflite")):
        model = open(path, "rb").read()
        meta = json.load(open(path[:-7] + ".json"))
        data = np.load(path[:-7] + ".npz", allow_pickle=True)  # our own files: strings as objects
        expected = np.load(path[:-7] + ".expected.npz", allow_pickle=True)
        inputs = [data[f"arr_{i}"] for i in range(len(data.files))]
        # The inputs by signature name, in the Interpreter's index order (as the seed was made).
        names = SignatureSession(model, default_delegates=meta["default_delegates"])._index_order
        try:
            got = run_compiled_model(model, dict(zip(names, inputs, strict=True)), options=options)
        except Exception as exc:
            reason = next((r for r, text in REFUSALS.items() if text in str(exc)), None)
            if reason is None:
                failures.append(f"{path} ({meta['op']} {meta['label']}): {exc}")
            outcomes[f"refused: {reason}"] += 1
            continue
        if meta["op"] in LITERT_OWN_OPS:
            outcomes["run by LiteRT's XNNPACK (not compared)"] += 1
            continue
        wrong = [
            n
            for n in expected.files
            if not np.array_equal(got[n], expected[n], equal_nan=expected[n].dtype.kind in "fc")
        ]
        if wrong:
            failures.append(
                f"{path} ({meta['op']} {meta['label']}): outputs {wrong} differ from the Interpreter's"
            )
        else:
            outcomes["identical to the Interpreter"] += 1
    for failure in failures:
        print(f"FAIL {failure}")
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    print(f"{sum(outcomes.values())} seeds ({threads} thread(s)): {summary}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1))
