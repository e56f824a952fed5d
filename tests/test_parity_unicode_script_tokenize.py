"""UnicodeScriptTokenizeWithOffsets (tensorflow-text's UnicodeScriptTokenizer): the TFLite kernel against
tf-text's own (its ICU's scripts and whitespace), exactly, in both runtimes: the raw op over every code
point 0..0x10FFFF in order (every script change) and random rows of run boundaries, whitespace
(U+1680 is Ogham), surrogates, code points TF's older ICU calls Unknown and invalid values; int32 and
int64 splits, keep_whitespace true and false, empty rows and no rows; the tokenizer end to end over
UTF-8 text; splits it cannot read are errors naming them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import run_tflite

SPECIAL = [
    -1, -(2**31), 0x110000, 0x7FFFFFFF, 0x20, 0x09, 0x0A, 0x85, 0xA0, 0x1680, 0x2000, 0x2028, 0x202F,
    0x3000, 0x21, 0x41, 0x3B1, 0x0300, 0x0378, 0x11F04, 0x1680 - 1, 0x169B, 0xD800, 0xDFFF, 0x4E00, 0x30A2,
    0x10FFFF, 0,
]  # fmt: skip


def gen() -> Any:
    from tensorflow_text.python.ops.unicode_script_tokenizer import gen_unicode_script_tokenizer

    return gen_unicode_script_tokenizer


def check(fn, model: bytes, inputs, context: str) -> None:
    want = [np.asarray(t) for t in fn(*inputs).values()]
    names = list(fn(*inputs))
    for runtime in RUNTIMES:
        got = run_tflite(model, list(inputs), runtime)
        for name, w in zip(names, want, strict=True):
            g = np.asarray(got[name])
            assert g.dtype == w.dtype and g.shape == w.shape, (
                context,
                runtime,
                name,
                g.dtype,
                g.shape,
                w.shape,
            )
            bad = np.flatnonzero(g != w)
            assert bad.size == 0, (
                f"[{runtime}] {context}: {name} differs at {bad[:5]}: {g[bad[:5]]} != {w[bad[:5]]}"
            )


@pytest.mark.parametrize("keep", [False, True])
def test_raw_op(tf, rng, keep):
    op = gen().unicode_script_tokenize_with_offsets

    def fn(values, splits64, values32, splits32):
        a = op(values, splits64, keep_whitespace=keep)
        b = op(values32, splits32, keep_whitespace=keep)
        names = ["values", "inner", "starts", "limits", "outer"]
        return {
            **{f"{n}64": t for n, t in zip(names, a, strict=True)},
            **{f"{n}32": t for n, t in zip(names, b, strict=True)},
        }

    model = convert_fn(fn, ([None], tf.int32), ([None], tf.int64), ([None], tf.int32), ([None], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"UnicodeScriptTokenizeWithOffsets": 2}
    f = tf.function(fn)
    every = np.arange(0x110000, dtype=np.int32)
    # Every run boundary of the table and its neighbours, with whitespace and invalid values, in random
    # rows (some empty).
    edges = np.flatnonzero(np.diff(tf.strings.unicode_script(every).numpy())) + 1
    pool = np.concatenate([edges, edges - 1, np.array(SPECIAL * 40)]).astype(np.int32)
    mixed = rng.choice(pool, 30000).astype(np.int32)
    cuts = np.sort(rng.integers(0, mixed.size + 1, 3000))
    splits = np.concatenate([[0], cuts, [mixed.size, mixed.size]]).astype(np.int64)
    values = np.concatenate([every, mixed])
    splits_all = np.concatenate([[0], splits + every.size])
    small = np.array(SPECIAL, np.int32)
    small_splits = np.array([0, 3, 3, 10, 20, len(SPECIAL)], np.int32)
    check(f, model, (values, splits_all, small, small_splits), "every code point and random rows")
    check(f, model, (values[:0], np.array([0], np.int64), small[:0], np.array([0], np.int32)), "no rows")


def test_tokenizer_end_to_end(tf):
    import tensorflow_text as tft

    texts = [
        b"xy.,z de", b"fg?h", "ab\u03b1\u03b2 \u7d2f\u8a087239\u4eba".encode(), b"", b"   ", b"a  b\t\nc ",
        "\u1680x\u1680\u169b\u3000\u65e5\u672c\u8a9e\u3002".encode(), b"bad \xff\xfe utf8 \xe2\x82",
        b"\x00\x01 a",
        "caf\u00e9\u0301 na\u0303o \U0001F600\U0001F601!".encode(),
    ]  # fmt: skip

    def fn(x):
        out = {}
        for keep in (False, True):
            tokens, starts, ends = tft.UnicodeScriptTokenizer(keep_whitespace=keep).tokenize_with_offsets(x)
            out |= {f"tokens{keep}": tokens.flat_values, f"splits{keep}": tokens.row_splits}
            out |= {f"starts{keep}": starts.flat_values, f"ends{keep}": ends.flat_values}
        return out

    model = convert_fn(fn, ([None], tf.string))
    assert tflite_model.custom_op_counts(model).get("UnicodeScriptTokenizeWithOffsets") == 2
    f = tf.function(fn)
    for batch in (texts, texts[:1], []):
        inputs = [np.array(batch, dtype=object)]
        want = {k: np.asarray(v) for k, v in f(*inputs).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for k, w in want.items():
                g = np.asarray(got[k])
                assert g.shape == w.shape and g.tolist() == w.tolist(), (runtime, k, g.tolist(), w.tolist())


def test_unreadable_splits_fail(tf):
    op = gen().unicode_script_tokenize_with_offsets
    model = convert_fn(lambda v, s: op(v, s), ([None], tf.int32), ([None], tf.int64))
    values = np.arange(65, 75, dtype=np.int32)
    for splits, text in (
        ([], "at least 1 element"),
        ([0, 11], "element 1 is 11"),
        ([-1, 5], "element 0 is -1"),
    ):
        for runtime in RUNTIMES:
            with pytest.raises(
                RuntimeError, match=f"UnicodeScriptTokenizeWithOffsets: input 'input_splits'.*{text}"
            ):
                run_tflite(model, [values, np.array(splits, np.int64)], runtime)
