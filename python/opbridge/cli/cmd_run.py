"""`opbridge run MODEL.tflite --input x.npz`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .._table import print_table
from ..interpreter import RUNTIMES
from ..timing import median_seconds
from ._common import CliError, read_model, write_atomically


def load_arrays(path: str) -> dict[str, np.ndarray] | list[np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise CliError(f"{path}: no such file")
    try:
        loaded = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CliError(f"{path}: not a .npy or .npz file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        return [loaded]
    return {k: loaded[k] for k in loaded.files}


def _run(args: argparse.Namespace) -> int:
    import io

    from ..running import SignatureSession

    model = read_model(args.model).data
    inputs = load_arrays(args.input)
    try:
        session = SignatureSession(model, args.runtime, num_threads=args.threads)
        session.set_inputs(inputs)
        session.invoke()
        outputs = session.outputs()
        # The first invoke above is the warm-up median_seconds makes again: harmless.
        seconds = median_seconds(session.invoke, args.runs) if args.runs > 0 else None
    except ValueError as exc:
        raise CliError(f"{args.input}: {exc}") from None
    except RuntimeError as exc:
        raise CliError(f"{args.model}: {str(exc).strip().splitlines()[0]}") from None
    buffer = io.BytesIO()
    np.savez(buffer, **outputs)
    write_atomically(Path(args.output), buffer.getvalue())
    print_table(
        f"{args.model} in {args.runtime} ({args.threads} thread(s)) -> {args.output}",
        ["output", "dtype", "shape"],
        [(k, v.dtype.name, "x".join(map(str, v.shape))) for k, v in outputs.items()],
    )
    if seconds is not None:
        print(f"time per invoke, median of {args.runs}: {1000 * seconds:.3f} ms")
    return 0


def add(sub: Any) -> None:
    run = sub.add_parser("run", help="run a .tflite on inputs from a .npz/.npy and save its outputs")
    run.add_argument("model", help="a .tflite file")
    run.add_argument("--input", required=True, help=".npz with one array per signature input, or a .npy")
    run.add_argument("-o", "--output", default="outputs.npz", help="where to save the outputs (.npz)")
    run.add_argument("--runtime", choices=RUNTIMES, default="litert")
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--runs", type=int, default=10, help="timed runs (default 10)")
    run.set_defaults(run=_run)
