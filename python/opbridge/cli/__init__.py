"""The `opbridge` command (also `python -m opbridge`).

Exit status: 0 success; 1 the model is not covered (custom ops without a
kernel) or TF and TFLite disagree where asked to check; 2 a usage or input
error, reported as one line (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from . import commands
from ._common import CliError, native_noise_hidden


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opbridge", description="TF ops that TFLite lacks, as TFLite custom ops proven equal to TF."
    )
    parser.add_argument("--version", action="version", version=f"opbridge {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    commands.add_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's C++ info logs are noise here
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        # TF's, the converter's and the runtimes' C++ logs are noise in a
        # command's report (--debug shows them).
        with native_noise_hidden(not args.debug):
            return int(args.run(args) or 0)
    except CliError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"opbridge {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
