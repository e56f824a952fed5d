"""Replays saved torch parity cases in every runtime of this environment (the TF runtime's
interpreter included): `python tools/replay_parity.py DIR`. Exit status 1 on any mismatch.

A case whose model a runtime cannot run because one of that runtime's own builtins
refuses it (tf.lite 2.21's DIV has no float16, which ai-edge-litert 2.3.0's has), or does
not have the builtin's version the converter wrote ("Didn't find op for builtin opcode 'SLICE'
version '8'": a model's opcode carries the highest version any of its nodes needs, and the
torch topk test slices float16, int8 and int64 in one model; a 7-D TRANSPOSE) is listed, not
failed: opbridge cannot change a runtime's builtins. A failure in one of
opbridge's custom nodes fails.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from opbridge.catalog import custom_codes
from opbridge.interpreter import RUNTIMES
from opbridge.parity_cases import compare, load_case

_FAILED_NODE = re.compile(
    r"Node number \d+ \(([^)]+)\) failed|Didn't find op for builtin opcode '([^']+)' version"
)


def main(directory: str) -> int:
    cases = sorted(Path(directory).glob("*.npz"))
    if not cases:
        print(f"replay_parity: no cases in {directory}", file=sys.stderr)
        return 1
    ours = custom_codes()
    failed, builtin_gaps = 0, 0
    for path in cases:
        model, inputs, expected, rtol, atol, test = load_case(path)
        for runtime in RUNTIMES:
            try:
                compare(model, inputs, expected, rtol, atol, (runtime,))
            except AssertionError as exc:
                failed += 1
                print(f"FAILED {test} ({path.name}): {exc}")
            except (RuntimeError, ValueError) as exc:
                node = _FAILED_NODE.search(str(exc))
                builtin = node and (node.group(1) or node.group(2))
                if builtin and builtin not in ours:
                    builtin_gaps += 1
                    print(
                        f"[{runtime}] {test}: the runtime's builtin {builtin} refuses the model: "
                        f"{str(exc).splitlines()[0][:160]}"
                    )
                else:
                    failed += 1
                    print(f"FAILED [{runtime}] {test} ({path.name}): {exc}")
    total = len(cases) * len(RUNTIMES)
    print(
        f"replay_parity: {total - failed - builtin_gaps} of {total} torch case runs match "
        f"({len(cases)} cases x {', '.join(RUNTIMES)}); {builtin_gaps} refused by a runtime's own builtin"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
