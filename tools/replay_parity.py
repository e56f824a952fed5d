"""Replays saved torch parity cases in every runtime of this environment (the TF runtime's
interpreter included): `python tools/replay_parity.py DIR`. Exit status 1 on any mismatch."""

from __future__ import annotations

import sys
from pathlib import Path

from opbridge.interpreter import RUNTIMES
from opbridge.parity_cases import compare, load_case


def main(directory: str) -> int:
    cases = sorted(Path(directory).glob("*.npz"))
    if not cases:
        print(f"replay_parity: no cases in {directory}", file=sys.stderr)
        return 1
    failed = 0
    for path in cases:
        model, inputs, expected, rtol, atol, test = load_case(path)
        try:
            compare(model, inputs, expected, rtol, atol, RUNTIMES)
        except AssertionError as exc:
            failed += 1
            print(f"FAILED {test} ({path.name}): {exc}")
    print(f"replay_parity: {len(cases) - failed} of {len(cases)} torch cases match in {', '.join(RUNTIMES)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
