from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    from opbridge import _tf_library

    n = (1 << 20) // (scale * scale)
    normal = rng.standard_normal(n).astype(np.float32)
    unit = rng.uniform(-1, 1, n).astype(np.float32)
    positive = rng.exponential(3, n).astype(np.float32)
    m = n // 16  # the incomplete gamma and beta functions cost ~100x more per element
    lgamma = _tf_library.load().opbridge_lgamma
    found = [
        Case("Erf", f"f32 [{n}]", tf.math.erf, [normal]),
        Case("Erf", f"f64 [{n // 16}]", tf.math.erf, [normal[: n // 16].astype(np.float64)]),
        Case("Erfinv", f"f32 [{n}]", tf.math.erfinv, [unit]),
        Case("Erfinv", f"f64 [{n // 16}]", tf.math.erfinv, [unit[: n // 16].astype(np.float64)]),
        Case("Digamma", f"f32 [{n}]", tf.math.digamma, [normal * 5]),
        Case("Lgamma", f"f64 [{n // 16}]", tf.math.lgamma, [(normal[: n // 16] * 5).astype(np.float64)]),
        # tf.math.lgamma itself: TF times its own kernel; opbridge.convert substitutes
        # Opbridge>Lgamma for the ~58 builtins the converter would lower it into.
        Case("Opbridge>Lgamma", f"f32 [{n}], tf.math.lgamma", tf.math.lgamma, [normal * 5]),
        # A loss-sized tensor (a Poisson or gamma log-likelihood over a batch).
        Case(
            "Opbridge>Lgamma",
            "f32 [32,128] > 0, tf.math.lgamma",
            tf.math.lgamma,
            [np.abs(normal[: 32 * 128].reshape(32, 128)) * 5 + 0.1],
        ),
        Case(
            "Opbridge>Lgamma",
            f"f64 [{n // 16}], opbridge_lgamma",
            lgamma,
            [(normal[: n // 16] * 5).astype(np.float64)],
        ),
        Case("Igamma", f"f32 [{m}]", tf.math.igamma, [positive[:m], positive[m : 2 * m]]),
        Case(
            "Igammac",
            f"f64 [{m}]",
            tf.math.igammac,
            [positive[:m].astype(np.float64), positive[-m:].astype(np.float64)],
        ),
        Case(
            "Igamma", f"f32 [64,1] x [{m // 64}]", tf.math.igamma, [positive[:64, None], positive[: m // 64]]
        ),
        Case(
            "Betainc", f"f32 [{m}]", tf.math.betainc, [positive[:m], positive[m : 2 * m], (unit[:m] + 1) / 2]
        ),
    ]
    for name in ("Cosh", "Sinh", "Tan", "Atan", "Asinh"):
        found.append(Case(name, f"f32 [{n}]", getattr(tf.math, name.lower()), [normal]))
    for name in ("Acos", "Asin", "Atanh"):
        found.append(Case(name, f"f32 [{n}]", getattr(tf.math, name.lower()), [unit]))
    found.append(Case("Acosh", f"f32 [{n}]", tf.math.acosh, [positive + 1]))
    found.append(
        Case("Cosh", f"c64 [{n // 16}]", tf.math.cosh, [(normal + 1j * unit)[: n // 16].astype(np.complex64)])
    )
    rows = 1024 // scale
    matrix = (1 + rng.uniform(-1e-3, 1e-3, (rows, 1024))).astype(np.float32)
    found += [
        Case("Cumprod", f"f32 [{rows},1024] axis 1", lambda x: tf.math.cumprod(x, axis=1), [matrix]),
        Case(
            "Cumprod",
            f"f32 [{rows},1024] axis 0 exclusive reverse",
            lambda x: tf.math.cumprod(x, axis=0, exclusive=True, reverse=True),
            [matrix],
        ),
        Case(
            "Cumprod",
            f"i64 [{rows},1024] axis 1",
            lambda x: tf.math.cumprod(x, axis=1),
            [rng.integers(-3, 4, (rows, 1024))],
        ),
    ]
    return found
