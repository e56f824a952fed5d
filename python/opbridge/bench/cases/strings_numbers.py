"""Numbers to and from text: StringToNumber (tf.strings.to_number: CSV columns and feature strings
parsed as float, double or integers) and AsString (tf.strings.as_string: numeric features made
string keys or printed), on [65536] values."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = max(256, 65536 // scale)
    floats = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n)).astype(np.float32)
    doubles = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 12, n)
    ints = rng.integers(-(2**40), 2**40, n)
    # The texts a CSV column holds: short decimals, some with exponents, a few padded.
    float_texts = np.array([b"%.6g" % x for x in floats], dtype=object)
    double_texts = np.array([repr(float(x)).encode() for x in doubles], dtype=object)
    int_texts = np.array([b"%d" % x for x in ints], dtype=object)
    small_texts = np.array([b" %d" % x for x in rng.integers(-100000, 100000, n)], dtype=object)

    def to_number(out_type: Any) -> Any:
        return lambda s: tf.strings.to_number(s, out_type=out_type)

    return [
        Case("StringToNumber", f"[{n}] '%.6g' texts -> float", to_number(tf.float32), [float_texts]),
        Case("StringToNumber", f"[{n}] repr texts -> double", to_number(tf.float64), [double_texts]),
        Case("StringToNumber", f"[{n}] int texts -> int64", to_number(tf.int64), [int_texts]),
        Case("StringToNumber", f"[{n}] ' %d' texts -> int32", to_number(tf.int32), [small_texts]),
        Case("AsString", f"f32 [{n}] default (%f)", lambda x: tf.strings.as_string(x), [floats]),
        Case(
            "AsString",
            f"f64 [{n}] shortest precision 17",
            lambda x: tf.strings.as_string(x, shortest=True, precision=17),
            [doubles],
        ),
        Case(
            "AsString",
            f"f32 [{n}] precision 2 width 12 fill 0",
            lambda x: tf.strings.as_string(x, precision=2, width=12, fill="0"),
            [floats],
        ),
        Case("AsString", f"i64 [{n}] default (%lld)", lambda x: tf.strings.as_string(x), [ints]),
    ]
