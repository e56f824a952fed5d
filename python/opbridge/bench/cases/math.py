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
        Case(
            "HistogramFixedWidth",
            f"f32 [{n}] -> 100 bins",
            lambda x: tf.histogram_fixed_width(x, [-2.0, 2.0], nbins=100),
            [normal],
        ),
        Case("Erf", f"f64 [{n // 16}]", tf.math.erf, [normal[: n // 16].astype(np.float64)]),
        Case("Erfinv", f"f32 [{n}]", tf.math.erfinv, [unit]),
        Case("Erfinv", f"f64 [{n // 16}]", tf.math.erfinv, [unit[: n // 16].astype(np.float64)]),
        Case("NextAfter", f"f32 [{n}]", tf.math.nextafter, [normal, unit]),
        Case(
            "NextAfter",
            f"f64 [{n // 16}]",
            tf.math.nextafter,
            [normal[: n // 16].astype(np.float64), unit[: n // 16].astype(np.float64)],
        ),
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
    # float32 expm1/log1p: opbridge.convert substitutes Opbridge>Expm1/Log1p for the converter's
    # EXP - 1 / LOG(1 + x), which cancel near 0; other dtypes are TF's own custom Expm1/Log1p.
    found.append(Case("Opbridge>Expm1", f"f32 [{n}], tf.math.expm1", tf.math.expm1, [normal]))
    found.append(Case("Opbridge>Log1p", f"f32 [{n}], tf.math.log1p", tf.math.log1p, [positive]))
    found.append(Case("Expm1", f"f64 [{n // 16}]", tf.math.expm1, [normal[: n // 16].astype(np.float64)]))
    found.append(Case("Log1p", f"f64 [{n // 16}]", tf.math.log1p, [positive[: n // 16].astype(np.float64)]))
    # float32 softplus: Opbridge>Softplus for the converter's LOG(ADD(EXP(x), 1)), which overflows.
    found.append(Case("Opbridge>Softplus", f"f32 [{n}], tf.math.softplus", tf.math.softplus, [normal * 8]))
    found.append(Case("Ndtri", f"f32 [{n}]", tf.math.ndtri, [np.abs(unit)]))
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
    found += _integer_cases(tf, rng, n)
    found += _special_function_cases(tf, normal, positive, n)
    found += _truncating_division_cases(tf, normal, positive, n)
    return found


def _truncating_division_cases(tf: Any, normal: np.ndarray, positive: np.ndarray, n: int) -> list[Case]:
    """TruncateDiv / TruncateMod in dtypes the converter leaves custom, on the arrays the
    other cases use (no draws from rng)."""
    x64 = (normal * 1000).astype(np.float64)
    y64 = (positive + 0.5).astype(np.float64)
    i64 = (normal * 2**40).astype(np.int64)
    d64 = np.where(normal < 0, -1, 1).astype(np.int64) * (positive * 1000 + 1).astype(np.int64)
    return [
        Case("TruncateDiv", f"f64 [{n}]", tf.truncatediv, [x64, y64]),
        Case("TruncateDiv", f"i64 [{n}]", tf.truncatediv, [i64, d64]),
        Case(
            "TruncateDiv",
            f"f16 [{n}]",
            tf.truncatediv,
            [(normal * 100).astype(np.float16), y64.astype(np.float16)],
        ),
        Case("TruncateMod", f"f32 [{n}]", tf.truncatemod, [x64.astype(np.float32), y64.astype(np.float32)]),
        Case("TruncateMod", f"i64 [{n}]", tf.truncatemod, [i64, d64]),
        Case(
            "EuclideanNorm",
            f"f32 [{n // 256},256] axis 1",
            lambda x: tf.math.reduce_euclidean_norm(x, 1),
            [normal.reshape(n // 256, 256)],
        ),
        Case(
            "EuclideanNorm",
            f"f64 [{n // 256},256] axis 0",
            lambda x: tf.math.reduce_euclidean_norm(x, 0),
            [x64.reshape(n // 256, 256)],
        ),
    ]


def _integer_cases(tf: Any, rng: np.random.Generator, n: int) -> list[Case]:
    """Integer Abs/Sign and the bitwise ops, in dtypes the converter leaves custom."""
    i64 = rng.integers(-(2**62), 2**62, n)
    u64 = rng.integers(0, 2**63, n).astype(np.uint64)
    shifts = rng.integers(-4, 70, n)
    return [
        Case("Abs", f"i64 [{n}]", tf.math.abs, [i64]),
        Case("Sign", f"i64 [{n}]", tf.math.sign, [i64]),
        # keras.ops.argmax on floats: the sign bit of each float's bits.
        Case(
            "BitwiseAnd",
            f"i32 [{n}] & INT32_MIN",
            lambda x: tf.bitwise.bitwise_and(x, tf.constant(-(2**31), tf.int32)),
            [rng.integers(-(2**31), 2**31, n).astype(np.int32)],
        ),
        Case("BitwiseOr", f"u64 [{n}]", tf.bitwise.bitwise_or, [u64, u64[::-1].copy()]),
        Case("BitwiseXor", f"i64 [{n}]", tf.bitwise.bitwise_xor, [i64, i64[::-1].copy()]),
        Case("Invert", f"u64 [{n}]", tf.bitwise.invert, [u64]),
        Case("PopulationCount", f"u64 [{n}]", lambda v: tf.raw_ops.PopulationCount(x=v), [u64]),
        Case("LeftShift", f"i64 [{n}]", tf.bitwise.left_shift, [i64, shifts]),
        Case(
            "RightShift",
            f"i64 [{n // 1024},1024] x [1024]",
            tf.bitwise.right_shift,
            [i64.reshape(n // 1024, 1024), shifts[:1024]],
        ),
    ]


def _special_function_cases(tf: Any, normal: np.ndarray, positive: np.ndarray, n: int) -> list[Case]:
    """tf.math.special's functions, tf.math.zeta and tf.math.polygamma, on the arrays the
    other cases use (drawing none from rng keeps the later families' inputs unchanged)."""
    k = n // 4
    x = normal[:k] * 10  # both signs: J, Y, I across their zeros and growth
    special = tf.math.special
    found = []
    for order in ("i0", "i0e", "i1", "i1e", "j0", "j1", "k0", "k0e", "k1", "k1e", "y0", "y1"):
        op = f"Bessel{order[0].upper()}{order[1:]}"
        found.append(Case(op, f"f32 [{k}]", getattr(special, f"bessel_{order}"), [x]))
    found += [
        Case("BesselJ0", f"f64 [{k // 4}]", special.bessel_j0, [x[: k // 4].astype(np.float64)]),
        Case("BesselI0e", f"f16 [{k}]", special.bessel_i0e, [x.astype(np.float16)]),
        Case("Dawsn", f"f32 [{k}]", special.dawsn, [x]),
        Case("Expint", f"f32 [{k}]", special.expint, [positive[:k] * 5]),
        Case("Expint", f"f64 [{k // 4}]", special.expint, [(positive[: k // 4] * 5).astype(np.float64)]),
        Case("FresnelCos", f"f32 [{k}]", special.fresnel_cos, [x]),
        Case("FresnelSin", f"f32 [{k}]", special.fresnel_sin, [x]),
        Case("Spence", f"f32 [{k}]", special.spence, [positive[:k]]),
    ]
    m = n // 16  # Euler-Maclaurin sums: ~10x the cost of the others per element
    orders = np.floor(positive[:m] % 4).astype(np.float32)
    found += [
        Case("Zeta", f"f32 [{m}]", tf.math.zeta, [positive[:m] + 1.5, positive[-m:] + 0.1]),
        Case(
            "Zeta",
            f"f32 [64,1] x [{m // 64}]",
            tf.math.zeta,
            [positive[:64, None] + 1.5, positive[-(m // 64) :]],
        ),
        Case(
            "Polygamma",
            f"f64 [{m}]",
            tf.math.polygamma,
            [orders.astype(np.float64), (positive[-m:] + 0.1).astype(np.float64)],
        ),
        Case("Polygamma", f"f32 [{m}]", tf.math.polygamma, [orders, positive[-m:] + 0.1]),
    ]
    # Opbridge>Erfcx is torch.special.erfcx's kernel: TF has no erfcx, so its TF column is
    # opbridge's own kernel through the TF op. x = 10 * normal crosses every branch (both signs,
    # the fit intervals and x > 50).
    from opbridge import _tf_library

    erfcx = _tf_library.load().opbridge_erfcx
    own = "reference: opbridge's own kernel through the TF op"
    found += [
        Case("Opbridge>Erfcx", f"f32 [{k}]", erfcx, [x], note=own),
        Case("Opbridge>Erfcx", f"f64 [{k // 4}]", erfcx, [x[: k // 4].astype(np.float64)], note=own),
    ]
    # Opbridge>LogCumSumExp (torch.logcumsumexp), likewise against itself through the TF op.
    lcse = _tf_library.load().opbridge_log_cum_sum_exp
    rows = max(1, k // 1024)
    table = x[: rows * 1024].reshape(rows, 1024)
    found += [
        Case("Opbridge>LogCumSumExp", f"f32 [{rows},1024] last axis", lcse, [table], note=own),
        Case(
            "Opbridge>LogCumSumExp", f"f32 [{rows},1024] axis 0", lambda t: lcse(t, axis=0), [table], note=own
        ),
    ]
    # Opbridge>OrthogonalPolynomial (torch.special's polynomials), likewise: x in [-1.2, 1.2] (the
    # recurrence beyond |x| = 1, the trigonometric form inside for degrees above 6 or 8) and degrees
    # 0..31; Legendre's recurrence runs every step.
    # Opbridge>AiryAi (torch.special.airy_ai), likewise: x = 10 * normal crosses every branch (the
    # oscillating form below -2.09, the series, the decaying form, 0 above 103.9).
    airy = _tf_library.load().opbridge_airy_ai
    found += [
        Case("Opbridge>AiryAi", f"f32 [{k}]", airy, [x], note=own),
        Case("Opbridge>AiryAi", f"f64 [{k // 4}]", airy, [x[: k // 4].astype(np.float64)], note=own),
    ]
    poly = _tf_library.load().opbridge_orthogonal_polynomial
    px = np.clip(normal[:k] * 0.6, -1.2, 1.2).astype(np.float32)
    degree = np.floor(positive[:k] % 32).astype(np.float32)
    found += [
        Case(
            "Opbridge>OrthogonalPolynomial",
            f"f32 [{k}] chebyshev_t",
            lambda a, b: poly(a, b, kind="chebyshev_polynomial_t"),
            [px, degree],
            note=own,
        ),
        Case(
            "Opbridge>OrthogonalPolynomial",
            f"f32 [{k}] legendre_p",
            lambda a, b: poly(a, b, kind="legendre_polynomial_p"),
            [px, degree],
            note=own,
        ),
    ]
    # Opbridge>TorchComplexUnary / Opbridge>TorchComplexBinary (torch's complex math), likewise:
    # z = normal + i normal, the C library's cexpf / clogf per element; the product's scalar rest.
    lib = _tf_library.load()
    z = (normal[:k] + 1j * positive[:k]).astype(np.complex64)
    w = (positive[:k] - 1j * normal[:k]).astype(np.complex64)
    found += [
        Case(
            "Opbridge>TorchComplexUnary",
            f"c64 [{k}] {fn}",
            lambda a, fn=fn: lib.opbridge_torch_complex_unary(a, fn=fn, block=16),
            [z],
            note=own,
        )
        for fn in ("exp", "log", "sqrt")
    ]
    found += [
        Case(
            "Opbridge>TorchComplexBinary",
            f"c64 [{k}] {fn}",
            lambda a, b, fn=fn: lib.opbridge_torch_complex_binary(a, b, fn=fn, block=8),
            [z, w],
            note=own,
        )
        for fn in ("pow", "div")
    ]
    return found
