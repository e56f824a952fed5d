"""`make bench`'s entry point; the harness and its cases live in the package
(python/opbridge/bench/) so that `opbridge bench` works from any install.

    python benchmarks/bench_ops.py [--quick] [--only OP] [--threads N]
"""

from __future__ import annotations

import sys

from opbridge.bench.runner import main

if __name__ == "__main__":
    sys.exit(main())
