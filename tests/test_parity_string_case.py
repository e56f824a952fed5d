"""StringLower and StringUpper: opbridge's TFLite kernels against TF's own, exact, in both runtimes.

encoding "" (ASCII letters only; what Keras TextVectorization's standardize uses) over mixed
ASCII, UTF-8, ill-formed UTF-8 and NUL bytes, ranks 0-3 and empty tensors; encoding "utf-8" (ICU's
full case mapping, by ops/strings/unicode_case.h) over every code point, Final_Sigma contexts,
ill-formed UTF-8 and NUL bytes (TF's ICU path stops at the first NUL); an unknown encoding fails at
prepare as TF fails at kernel construction."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession
from string_parity import check_cases

WORDS = [
    b"Hello, World! ABC xyz [@`{]",
    b"",
    "ÉCOLE école ÀÖØÞ àöøþ ǅ ǆ Ǆ ΣΑΣ σας ς İstanbul ı ß ẞ ﬁ ŉ ΐ".encode(),
    "ΌΣΟΣ Σ ΑΣ. ΑΣ1 ΑΣΑ Α.Σ Σ.Α 𐐀𐐨 ⓐⒶ".encode(),  # Final_Sigma: word-final vs not, case-ignorable
    b"\xff\xfeAB\xc3",  # ill-formed UTF-8 (ASCII: bytes >= 0x80 unchanged)
    b"\xc0\xafQ\xe2\x82Z\xed\xa0\x80x\xf4\x90\x80\x80",  # overlong, truncated, surrogate, > U+10FFFF
    b"Ab\x00Cd",  # a NUL: ASCII keeps all bytes, utf-8 (TF's c_str) stops there; none trailing
    b"MiXeD 123 \t\n",
]
SHAPES = [(len(WORDS),), (0,), (2, 3), (), (2, 1, 4)]  # rank 0: a non-empty word (test_parity_regex)


def take(shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
    n = int(np.prod(shape))
    return np.array([WORDS[(offset + i) % len(WORDS)] for i in range(n)], dtype=object).reshape(shape)


def test_both_ops_both_encodings_every_rank(tf):
    def fn(x):
        return {
            "lower": tf.strings.lower(x),
            "upper": tf.strings.upper(x),
            "lower_utf8": tf.strings.lower(x, encoding="utf-8"),
            "upper_utf8": tf.strings.upper(x, encoding="utf-8"),
        }

    model = convert_fn(fn, ([None], tf.string))
    assert tflite_model.custom_op_counts(model) == {"StringLower": 2, "StringUpper": 2}
    check_cases(fn, model, [[take(shape, k)] for k, shape in enumerate(SHAPES)])


def test_utf8_every_code_point(tf):
    """Every code point but surrogates, 64 to a string (so each string's context is local), through
    ICU's full mappings in TF and the generated tables here."""
    cps = [c for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    words = ["".join(chr(c) for c in cps[i : i + 64]).encode() for i in range(0, len(cps), 64)]
    x = np.array(words, dtype=object)

    def fn(v):
        return {
            "lower": tf.strings.lower(v, encoding="utf-8"),
            "upper": tf.strings.upper(v, encoding="utf-8"),
            "lower_ascii": tf.strings.lower(v),
            "upper_ascii": tf.strings.upper(v),
        }

    check_cases(fn, convert_fn(fn, ([len(words)], tf.string)), [[x]])


@pytest.mark.parametrize("op", ["lower", "upper"])
def test_unknown_encoding_fails_at_prepare(tf, op):
    call = {"lower": tf.strings.lower, "upper": tf.strings.upper}[op]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        call(tf.constant([b"a"]), encoding="latin-1")
    message = "only utf-8 or '' (no encoding) is supported, received latin-1"
    assert message in info.value.message
    model = convert_fn(lambda x: {"y": call(x, encoding="latin-1")}, ([2], tf.string))
    name = {"lower": "StringLower", "upper": "StringUpper"}[op]
    for runtime in RUNTIMES:
        with pytest.raises(Exception) as raised:
            SignatureSession(model, runtime).set_inputs([take((2,))])
        text = str(raised.value)
        assert name in text and "attr 'encoding'" in text and message in text, (runtime, text)
