"""Opbridge>Exp2, Opbridge>Gcd and Opbridge>Lcm (torch.exp2, torch.gcd, torch.lcm for PyTorch models):
TF has none of them, so the TF column is opbridge's own kernel through the TF op."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

_OWN = "reference: opbridge's own kernel through the TF op"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    from opbridge import _tf_library

    library = _tf_library.load()
    n = max(1024, (1 << 20) // scale)
    x = (rng.uniform(-150.0, 128.0, n)).astype(np.float32)  # every exponent, subnormal results too
    rows = max(8, 1024 // scale)
    a = rng.integers(-(10**6), 10**6, (rows, 256))
    b = rng.integers(-(10**6), 10**6, (rows, 256))
    label = f"[{rows},256] by [{rows},256]"
    return [
        Case("Opbridge>Exp2", f"f32 [{n}]", library.opbridge_exp2, [x], note=_OWN),
        Case(
            "Opbridge>Exp2",
            f"f64 [{n // 4}]",
            library.opbridge_exp2,
            [x[: n // 4].astype(np.float64)],
            note=_OWN,
        ),
        Case(
            "Opbridge>Gcd",
            f"i32 {label}",
            library.opbridge_gcd,
            [a.astype(np.int32), b.astype(np.int32)],
            note=_OWN,
        ),
        Case("Opbridge>Gcd", f"i64 {label}", library.opbridge_gcd, [a * 7919, b * 7919], note=_OWN),
        Case(
            "Opbridge>Lcm",
            f"i32 {label}",
            library.opbridge_lcm,
            [a.astype(np.int32), b.astype(np.int32)],
            note=_OWN,
        ),
    ]
