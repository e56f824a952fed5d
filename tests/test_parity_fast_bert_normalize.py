"""FastBertNormalize (tensorflow-text's FastBertNormalizer, FastBertTokenizer's first half): opbridge's
TFLite kernel against tf-text's own TF kernel, both runtimes, exact on every output (strings, offsets,
row splits; values, dtypes and shapes).

- The raw op with the model as a model input, so one conversion runs both of tf-text's models
  (lower_case_nfd_strip_accents true and false): ASCII, composed and decomposed accents, CJK, mixed
  scripts, case folds that grow or shrink (ß, İ, ligatures, ½, U+FDFA), control and format
  characters, NUL, empty strings, ill-formed UTF-8, an empty batch; get_offsets true and false;
  every code point 0..0x10FFFF (in rows of 61); 1, 2 and 4 threads over a thousand rows.
- The Python API (normalize / normalize_with_offsets on ragged input, the model a constant) and
  FastBertTokenizer end to end (tokenize and tokenize_with_offsets: the normalizer, then
  FastWordpieceTokenizeWithOffsets, then the offsets gathered back).
- Hostile model bytes (truncated, flipped, fields overwritten, replacements outside the pool): an
  error naming the op and the model input, never a crash (tf-text reads them unchecked, so there is
  no TF reference for those).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import run_tflite
from test_parity_text_tokenizers import corruptions

TEXTS = [
    "The Quick Brown Fox!", "", " ", "ABCxyz 0123 .,;:'\"()[]{}", "Héllo Wörld", "He\u0301llo Wo\u0308rld",
    "ÀÉÎÕÜ àéîõü Çç Ññ Åå Øø", "日本語のテキスト、中文字符。", "한국어 텍스트", "Ελληνικά ΣΊΣΥΦΟΣ",
    "Русский ТЕКСТ",
    "עברית עִבְרִית", "العربية مَرْحَبًا", "हिन्दी देवनागरी", "ภาษาไทย", "mixed: abc日本Ωé🙂x",
    "Straße STRASSE", "İstanbul ıi", "ﬁnancial ﬀ", "½ ¼ ² ™ ℃", "\ufdfa", "Ⅻ ⑤ ㈱ ﾊﾝｶｸ ＡＢＣ",
    "tab\tnew\nline\rcr", "nul\x00byte", "\x01\x02\x1f\x7f\x80\x85\x9f", "soft\u00adhyphen zw\u200bsp\u200d",
    "bom\ufeff dir\u202e\u2066", "emoji 👍🏽 👨‍👩‍👧 🇯🇵", "ǅ ǆ Ǆ", "Ω Å K", "a" * 200, "É" * 100,
]  # fmt: skip
INVALID = [
    b"\xff", b"ab\xfe\xff", b"\xc3", b"a\xc3", b"\xc3(", b"\xe6\x97", b"\xe6\x97a", b"\xc0\x80",
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98", b"\x80\xbf", b"\xc3\xa9\xff\xc3\x89",
    "É".encode() + b"\xe2\x82" + "É".encode(), b"\x00\xff\x00",
]  # fmt: skip
BATCH = [t.encode() for t in TEXTS] + INVALID


def tf_text() -> Any:
    import tensorflow_text

    return tensorflow_text


def gen() -> Any:
    from tensorflow_text.python.ops import fast_bert_normalizer

    return fast_bert_normalizer.gen_fast_bert_normalizer


def model_bytes(lower: bool) -> bytes:
    from tensorflow_text.core.pybinds import pywrap_fast_bert_normalizer_model_builder as builder

    return bytes(builder.build_fast_bert_normalizer_model(lower))


def raw_fn(get_offsets: bool):
    op = gen().fast_bert_normalize

    def fn(values, model):
        out, offsets, splits = op(
            input_values=values, fast_bert_normalizer_model=model, get_offsets=get_offsets
        )
        return {"normalized": out, "offsets": offsets, "splits": splits}

    return fn


def check(fn, model: bytes, inputs: list[np.ndarray], context: str, **kw: Any) -> None:
    import tensorflow as tf

    result = tf.function(fn)(*[tf.constant(a) for a in inputs])
    want = {k: np.asarray(v) for k, v in result.items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, list(inputs), runtime, **kw)
        assert sorted(got) == sorted(want), (context, runtime, sorted(got))
        for name, w in want.items():
            g = np.asarray(got[name])
            assert g.shape == w.shape, (context, runtime, name, g.shape, w.shape)
            if w.dtype == object:
                bad = [
                    k
                    for k, (a, b) in enumerate(zip(g.ravel(), w.ravel(), strict=True))
                    if bytes(a) != bytes(b)
                ]
                assert not bad, (context, runtime, name, bad[:5], [w.ravel()[k] for k in bad[:5]])
            else:
                assert g.dtype == w.dtype, (context, runtime, name, g.dtype, w.dtype)
                bad = np.flatnonzero(g != w)
                assert bad.size == 0, (
                    f"[{runtime}] {context}: {name} differs at {bad[:5]}: {g[bad[:5]]} != {w[bad[:5]]}"
                )


def convert_raw(tf: Any, get_offsets: bool) -> bytes:
    tf_text()
    model = convert_fn(raw_fn(get_offsets), ([None], tf.string), ([None], tf.uint8))
    assert tflite_model.custom_op_counts(model) == {"FastBertNormalize": 1}
    return model


@pytest.mark.parametrize("get_offsets", [True, False])
def test_raw_op(tf, get_offsets):
    model = convert_raw(tf, get_offsets)
    fn = raw_fn(get_offsets)
    # Every code point but the surrogates, in rows of 61 (so rows start at varied code points).
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    rows = ["".join(every[k : k + 61]).encode("utf-8") for k in range(0, len(every), 61)]
    for lower in (True, False):
        buffer = np.frombuffer(model_bytes(lower), np.uint8)
        for batch in (BATCH, [b""], [b"", b"A"], []):
            check(
                fn,
                model,
                [np.array(batch, dtype=object).reshape(-1), buffer],
                f"lower={lower} {len(batch)} rows",
            )
        check(fn, model, [np.array(rows, dtype=object), buffer], f"lower={lower} every code point")


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_threads_split_rows(tf, rng, threads):
    """Rows are normalized in blocks on the interpreter's threads and joined in row order."""
    model = convert_raw(tf, True)
    rows = [BATCH[int(k)] for k in rng.integers(0, len(BATCH), 1500)] + [b""] * 7
    buffer = np.frombuffer(model_bytes(True), np.uint8)
    check(
        raw_fn(True), model, [np.array(rows, dtype=object), buffer], f"{threads} threads", num_threads=threads
    )


def test_normalizer_api(tf):
    """normalize and normalize_with_offsets on a [batch, words] input (RaggedTensor.from_tensor, the op
    on the flat values, offsets ragged by its splits), the model a constant of the function."""
    text = tf_text()
    lower = text.FastBertNormalizer(lower_case_nfd_strip_accents=True)
    plain = text.FastBertNormalizer()

    def fn(x):
        a = lower.normalize(x)
        b, offsets = lower.normalize_with_offsets(x)
        c = plain.normalize(x)
        return {
            "a": a.flat_values,
            "b": b.flat_values,
            "offsets": offsets.flat_values,
            **{f"splits{k}": s for k, s in enumerate(offsets.nested_row_splits)},
            "c": c.flat_values,
        }

    model = convert_fn(fn, ([None, 3], tf.string))
    assert tflite_model.custom_op_counts(model).get("FastBertNormalize") == 3
    words = np.array(BATCH[:30], dtype=object).reshape(10, 3)
    check(fn, model, [words], "api")
    check(fn, model, [np.zeros((0, 3), dtype=object)], "api, no rows")


def test_fast_bert_tokenizer(tf):
    """FastBertTokenizer end to end: FastBertNormalize, then FastWordpieceTokenizeWithOffsets over the
    normalized text (an end-to-end model: it splits words itself), then the offsets mapped back to the
    input through the normalizer's offsets."""
    text = tf_text()
    vocab = [
        "[UNK]", "[CLS]", "[SEP]", "the", "quick", "brown", "fox", "##es", "a", "##b", "##c", "hello",
        "world", "stra", "##sse", "日", "本", "語", ".", ",", "!", "'", "s", "don", "t", "##'", "e", "##e",
        "ab", "fi", "##nancial",
    ]  # fmt: skip
    lower = text.FastBertTokenizer(vocab, lower_case_nfd_strip_accents=True)
    cased = text.FastBertTokenizer(vocab, token_out_type=tf.string)

    def fn(x):
        ids, starts, ends = lower.tokenize_with_offsets(x)
        pieces = cased.tokenize(x)
        return {
            "ids": ids.flat_values,
            "starts": starts.flat_values,
            "ends": ends.flat_values,
            **{f"splits{k}": s for k, s in enumerate(ids.nested_row_splits)},
            "pieces": pieces.flat_values,
            **{f"psplits{k}": s for k, s in enumerate(pieces.nested_row_splits)},
        }

    model = convert_fn(fn, ([None], tf.string))
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("FastBertNormalize") == 2, counts
    assert counts.get("FastWordpieceTokenizeWithOffsets") == 2, counts
    lines = [
        "The QUICK brown foxes!", "Héllo, WÖRLD.", "STRASSE straße", "ﬁnancial ﬁ", "日本語 don't",
        "tab\tnew\nline", "", "  ", "x\x00y\x7fz", "abc ab a.b", "Ünïcödé",
    ]  # fmt: skip
    check(fn, model, [np.array([s.encode() for s in lines] + INVALID[:6], dtype=object)], "tokenizer")
    check(fn, model, [np.array([], dtype=object)], "tokenizer, no rows")


def refused(model: bytes, inputs: list[np.ndarray], text: str = "") -> int:
    """How many runtimes refused: with an error naming the op and the model input."""
    failed = 0
    for runtime in RUNTIMES:
        try:
            run_tflite(model, inputs, runtime)
        except RuntimeError as e:
            assert "FastBertNormalize" in str(e) and "fast_bert_normalizer_model" in str(e), str(e)
            assert text in str(e), (text, str(e))
            failed += 1
    return failed


def test_hostile_models(tf):
    """Model bytes as a model input: broken ones fail cleanly (or normalize), never crash."""
    model = convert_raw(tf, True)
    valid = model_bytes(True)
    words = np.array(BATCH, dtype=object)
    check(raw_fn(True), model, [words, np.frombuffer(valid, np.uint8)], "valid")
    rng = np.random.default_rng(17)
    failed = 0
    for bad in corruptions(valid, rng):
        arr = np.frombuffer(bad, np.uint8) if bad else np.zeros(0, np.uint8)
        failed += refused(model, [words, arr])
    assert failed > 100  # most corruptions are caught as errors naming the model input; none crashed

    import flatbuffers

    def build(trie: list[int] | None, zero: int, pool: bytes | None) -> np.ndarray:
        b = flatbuffers.Builder(0)
        p = b.CreateByteVector(pool) if pool is not None else None
        if trie is not None:
            b.StartVector(4, len(trie), 4)
            for unit in reversed(trie):
                b.PrependUint32(unit)
            t = b.EndVector()
        b.StartObject(4)
        if trie is not None:
            b.PrependUOffsetTRelativeSlot(1, t, 0)
        b.PrependInt32Slot(2, zero, 0)
        if p is not None:
            b.PrependUOffsetTRelativeSlot(3, p, 0)
        b.Finish(b.EndObject())
        return np.frombuffer(bytes(b.Output()), np.uint8)

    nul = np.array([b"a\x00b"], dtype=object)
    # U+0000 maps to 5 bytes at offset 2 of a 4-byte pool: outside it.
    outside = 0x40000000 | (2 << 6) | 5
    assert refused(model, [nul, build([0], outside, b"abcd")], "normalized_string_pool") == 2
    # ... inside it: a valid (if odd) model, which TF runs too. 256 empty units: every byte's child
    # index stays inside the array, which TF reads unchecked.
    inside = build([0] * 256, 0x40000000 | (1 << 6) | 3, b"abcd")
    check(raw_fn(True), model, [np.array([b"a\x00b", b"\x00", b"xy"], dtype=object), inside], "crafted zero")
    assert refused(model, [nul, build(None, 0, b"")], "required fields are null") == 2
    assert refused(model, [nul, build([0], 0, None)], "required fields are null") == 2
    assert refused(model, [nul, build([], 0, b"")], "trie_array is empty") == 2
