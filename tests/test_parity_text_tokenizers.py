"""tensorflow-text's tokenizer and trimming ops (keras-hub's WordPiece tokenizer and segment packer):
opbridge's TFLite kernels vs tensorflow_text's own TF kernels, both runtimes, exact on every output.

- FastWordpieceTokenizeWithOffsets over models tf-text builds in Python (suffix indicators "##" and
  "@@", unknown tokens, max_bytes_per_word, the suffix indicator in and out of the vocabulary, multi-byte
  UTF-8 pieces, invalid UTF-8, empty strings, an empty batch); one conversion per model, batches resized.
  End-to-end models (no_pretokenization=False) over sentences, and every code point's class.
- TFText>FastWordpieceDetokenize: rows starting with suffix pieces, empty rows, no rows, tf-text's
  errors (ids out of range, a model without detokenization support).
- TFText>WhitespaceTokenizeWithOffsetsV2: tf-text's config bitmap, multi-byte spaces (tf-text's end
  offset quirk), ill-formed UTF-8 decoded as ICU's U8_NEXT does, a short custom bitmap.
- TFText>RoundRobinTrim and TFText>RoundRobinGenerateMasks (one model): 1 to 3 segments,
  int32/float/string/bool values, int32/int64 splits, budgets from negative to ample, empty rows, zero rows.
- keras-hub's WordPieceTokenizer (split=False) and MultiSegmentPacker end to end, and its detokenize;
  the whole BertTextClassifierPreprocessor (with the regex and case-folding ops of other files).
- Hostile model flatbuffers (truncated, bytes flipped, offsets pointing anywhere) and row splits: errors
  naming the op, never a crash (tf-text reads them unchecked, so there is no TF reference for those).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "qu", "##ick", "brown", "fox", "##es", "a", "##a", "##b",
    "b", "ab", "abc", "##c", "#", "##", "日本", "##語", "é", "##é", "##x", "x", "[MASK]",
]  # fmt: skip
WORDS = [
    b"the", b"quick", b"quickes", b"brown", b"foxes", b"", b"xyz", b"a", b"aab", b"abcabc", b"#", b"##",
    b"###", b"####", b"##ick", b"##zz", "日本語".encode(), "日本x".encode(), "éé".encode(), "é".encode()[:1],
    b"[UNK]", b"a" * 12, b"ab" * 60, b"\xff\xfe", b"ab\x00c", b"x##", b"xx", b"qu##ick", b"[MASK]",
]  # fmt: skip
BATCHES = [WORDS, [b"abc"], [b"", b""], [b"#", b"##"], []]


def wordpiece_model(
    vocab: list[str], max_bytes: int, suffix: str, unk: str, detok: bool = True, end_to_end: bool = False
) -> bytes:
    """tf-text's model flatbuffer; end_to_end is tf-text's default no_pretokenization=False."""
    from tensorflow_text.core.pybinds import pywrap_fast_wordpiece_tokenizer_model_builder as builder

    return bytes(builder.build_fast_wordpiece_model(vocab, max_bytes, suffix, unk, not end_to_end, detok))


def tf_ops() -> Any:
    from tensorflow_text.python.ops import fast_wordpiece_tokenizer, trimmer_ops, whitespace_tokenizer

    return fast_wordpiece_tokenizer, trimmer_ops, whitespace_tokenizer


def convert(
    tf: Any, fn: Any, specs: list[tuple[list[int | None], Any]], ops: dict[str, int]
) -> tuple[Any, bytes]:
    signature = [tf.TensorSpec(s, d, name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    counts = tflite_model.custom_op_counts(model)
    assert {k: counts.get(k) for k in ops} == ops, counts
    return concrete, model


def as_input(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=object) if isinstance(a, list) else np.asarray(a)


def same(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray]) -> None:
    """Every output equal to TF's (values, dtype and shape), in both runtimes."""
    want = [np.asarray(t) for t in tf.nest.flatten(concrete(*[tf.constant(a) for a in arrays]))]
    for runtime in RUNTIMES:
        got = run_tflite(model, arrays, runtime)
        assert len(got) == len(want)
        for k, w in enumerate(want):
            g = got[f"output_{k}"]
            assert g.shape == w.shape, (runtime, k, g.shape, w.shape)
            if w.dtype == object:
                assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (runtime, k)
            else:
                assert g.dtype == w.dtype, (runtime, k, g.dtype, w.dtype)
                np.testing.assert_array_equal(g, w, err_msg=f"{runtime} output {k}")


def same_error(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray], op: str, text: str) -> None:
    with pytest.raises(tf.errors.OpError, match=text):
        concrete(*[tf.constant(a) for a in arrays])
    refuses(model, arrays, op, text)


def refuses(model: bytes, arrays: list[np.ndarray], op: str, text: str) -> None:
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as caught:
            run_tflite(model, arrays, runtime)
        assert op in str(caught.value) and text in str(caught.value), (runtime, str(caught.value))


def outputs_of(result: Any) -> tuple[Any, ...]:
    return tuple(result)


MODELS = {  # name: (vocab, max_bytes_per_word, suffix_indicator, unknown_token)
    "bert": (VOCAB, 100, "##", "[UNK]"),
    "short_words": (VOCAB, 6, "##", "[UNK]"),
    # "@@" not in the vocabulary: its precomputed result is the unknown token.
    "at_suffix": (["a", "@@a", "@@b", "ab", "b", "日", "@@本", "c", "<unk>"], 100, "@@", "<unk>"),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fast_wordpiece_tokenize(tf, name):
    wp, _, _ = tf_ops()
    buffer = tf.constant(list(wordpiece_model(*MODELS[name])), tf.uint8)

    def fn(x):
        return outputs_of(wp.gen_fast_wordpiece_tokenizer.fast_wordpiece_tokenize_with_offsets(x, buffer))

    concrete, model = convert(tf, fn, [([None], tf.string)], {"FastWordpieceTokenizeWithOffsets": 1})
    extra = [[w.replace(b"##", b"@@") for w in WORDS], [b"a@@", b"@@", b"@@@@", "日本".encode()]]
    for batch in [*BATCHES, *extra]:
        same(tf, concrete, model, [as_input(batch)])


E2E_VOCAB = [*VOCAB, ".", ",", "!", "'", "s", "don", "##'", "t", "日", "本", "-", "$", "##."]
E2E_TEXTS = [
    "the quick brown fox.", "quickes,foxes!", "don't", "  the   fox  ", "", "\t\n", "日本語です", "a.b",
    ".a", "a.", "..", "x##y", "##ick", "# ## ###", "abcabcabcabc", "thequickbrownfox", "é,é", "a$b",
    "q\u3000u", "a\u00a0b\u2028c", "[UNK] [MASK]", "aé!", "x-y\u2014z", "\uff0c\u3002", "a..b", "fox.es",
    "。a", ".x", "#a", "qu ick", "ab\u0301c",
]  # fmt: skip


def test_fast_wordpiece_tokenize_end_to_end(tf):
    """Models for general text (tf-text's default no_pretokenization=False): the op splits words at
    whitespace and punctuation itself. The model is a model input, so one conversion serves several
    models, and every code point's class (whitespace, punctuation incl. CJK, other) is checked through
    "a" + c + "a" with the vocabulary {a, [UNK]}."""
    wp, _, _ = tf_ops()

    def fn(x, buffer):
        return outputs_of(wp.gen_fast_wordpiece_tokenizer.fast_wordpiece_tokenize_with_offsets(x, buffer))

    concrete, model = convert(
        tf, fn, [([None], tf.string), ([None], tf.uint8)], {"FastWordpieceTokenizeWithOffsets": 1}
    )
    texts = [t.encode() for t in E2E_TEXTS] + [b"\xff\xfe a", b"a\x00b c", b"\xe3\x80.x", b"ab\xc3"]
    for max_bytes in (100, 5, 1):
        buffer = np.frombuffer(
            wordpiece_model(E2E_VOCAB, max_bytes, "##", "[UNK]", end_to_end=True), np.uint8
        )
        for batch in (texts, [b""], []):
            same(tf, concrete, model, [as_input(batch), buffer])
    oracle = np.frombuffer(wordpiece_model(["a", "[UNK]"], 100, "##", "[UNK]", end_to_end=True), np.uint8)
    cps = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF] + list(range(0x10000, 0x110000, 11))
    same(tf, concrete, model, [as_input([("a" + chr(c) + "a").encode() for c in cps]), oracle])


def test_fast_wordpiece_detokenize(tf):
    wp, _, _ = tf_ops()
    buffer = tf.constant(list(wordpiece_model(*MODELS["bert"])), tf.uint8)

    def fn(ids, splits):
        return wp.gen_fast_wordpiece_tokenizer.tf_text_fast_wordpiece_detokenize(ids, splits, buffer)

    concrete, model = convert(
        tf, fn, [([None], tf.int32), ([None], tf.int64)], {"TFText>FastWordpieceDetokenize": 1}
    )
    ids = np.array([4, 5, 6, 11, 12, 7, 9, 1, 18, 17, 20, 19, 20, 0, 23, 24], np.int32)
    for splits in ([0, 3, 3, 5, 9, 16], [0, 16], [0, 0], [0], [], [2, 4, 9]):
        same(tf, concrete, model, [ids, np.array(splits, np.int64)])
    same(tf, concrete, model, [np.zeros(0, np.int32), np.array([0, 0, 0], np.int64)])
    # Ids outside the vocabulary: tf-text 2.21.1's kernel builds this error and then crashes the
    # process (segfault, measured), so only opbridge's side is checked, with tf-text's text.
    for bad in (len(VOCAB), -1, 1 << 20):
        bad_ids = np.array([4, bad], np.int32)
        refuses(model, [bad_ids, np.array([0, 2], np.int64)], "FastWordpieceDetokenize",
                f"Token ID out of bounds: {bad}")  # fmt: skip
    # Splits tf-text would read out of bounds with.
    for splits in ([0, 17], [3, 2], [-1, 2]):
        refuses(model, [ids, np.array(splits, np.int64)], "FastWordpieceDetokenize", "input_row_splits")


def test_fast_wordpiece_detokenize_unsupported(tf):
    wp, _, _ = tf_ops()
    buffer = tf.constant(list(wordpiece_model(*MODELS["bert"], detok=False)), tf.uint8)

    def fn(ids, splits):
        return wp.gen_fast_wordpiece_tokenizer.tf_text_fast_wordpiece_detokenize(ids, splits, buffer)

    concrete, model = convert(
        tf, fn, [([None], tf.int32), ([None], tf.int64)], {"TFText>FastWordpieceDetokenize": 1}
    )
    arrays = [np.array([4, 5], np.int32), np.array([0, 2], np.int64)]
    same_error(tf, concrete, model, arrays, "FastWordpieceDetokenize", "support_detokenization is true")


WHITESPACE_TEXTS = [
    b"a bb  ccc", b"", b"   ", b" lead", b"trail ", "a\u3000b  c".encode(), "x\u00a0y".encode(),
    "ab\u2028".encode(), "\u3000\u3000z".encode(), b"tab\tnew\nline\rcr\x0bvt\x0cff", b"nul\x00byte",
    b"\xe3\x80 z", b"\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xf0\x9f\x98\x80 \xff", b"\xe3\x80\x80",
    "日本語 テキスト".encode(), b"\x85 \xc2\x85 x",
]  # fmt: skip


def test_whitespace_tokenize(tf):
    _, _, ws = tf_ops()
    config = ws.WhitespaceTokenizer()._config
    gen = ws.gen_whitespace_tokenizer_v2.tf_text_whitespace_tokenize_with_offsets_v2

    def fn(x, cfg):
        return outputs_of(gen(input_values=x, input_config=cfg))

    concrete, model = convert(
        tf, fn, [([None], tf.string), ([], tf.string)], {"TFText>WhitespaceTokenizeWithOffsetsV2": 1}
    )
    configs = [config, b"\x00\x02", b"", b"\xff" * 3]  # the real bitmap; only \t; nothing; code points < 24
    for cfg in configs:
        for batch in (WHITESPACE_TEXTS, [b"one"], [b"", b" "], []):
            same(tf, concrete, model, [as_input(batch), np.array(cfg, dtype=object)])


TRIM_CASES = [  # (value dtype, splits dtype, segment lengths per row)
    (np.int32, np.int64, [[3, 4], [0, 5], [9, 1], [0, 0], [2, 2]]),
    (np.float32, np.int32, [[7], [0], [3]]),
    (object, np.int32, [[3, 4, 2], [1, 0, 6], [5, 5, 5], [0, 0, 9]]),
    (np.int64, np.int64, [[]]),
    (np.bool_, np.int64, [[2, 3], [4, 0], [1, 1]]),
]


@pytest.mark.parametrize(
    "dtype, sdtype, lengths", TRIM_CASES, ids=["i32-2seg", "f32-1seg", "str-3seg", "norows", "bool-2seg"]
)
def test_round_robin_trim(tf, dtype, sdtype, lengths):
    _, trimmer, _ = tf_ops()
    n = len(lengths[0]) if lengths[0] else 2
    rows = [r for r in lengths if r]
    tf_dtype = tf.string if dtype is object else tf.as_dtype(dtype)

    def fn(msl, *parts):
        gen = trimmer.gen_trimmer_ops
        values, splits = gen.tf_text_round_robin_trim(msl, list(parts[:n]), list(parts[n:]))
        masks = gen.tf_text_round_robin_generate_masks(msl, list(parts[:n]), list(parts[n:]))
        return (*values, *splits, *masks)

    specs = [([], tf.int32)] + [([None], tf_dtype)] * n + [([None], tf.as_dtype(sdtype))] * n
    ops = {"TFText>RoundRobinTrim": 1, "TFText>RoundRobinGenerateMasks": 1}
    concrete, model = convert(tf, fn, specs, ops)
    values, splits = [], []
    for s in range(n):
        lens = [r[s] for r in rows]
        count = int(sum(lens))
        v = np.arange(count) * 3 + s
        v = v % 2 if dtype is np.bool_ else v
        values.append(np.array([f"t{x}".encode() for x in v], object) if dtype is object else v.astype(dtype))
        splits.append(np.concatenate([[0], np.cumsum(lens)]).astype(sdtype))
    for budget in (-3, 0, 1, 2, 5, 7, 8, 11, 100):
        same(tf, concrete, model, [np.array(budget, np.int32), *values, *splits])
    if n >= 1 and rows:
        # Splits tf-text would read out of bounds with.
        bad = [s.copy() for s in splits]
        bad[-1][-1] = len(values[-1]) + 5
        refuses(model, [np.array(4, np.int32), *values, *bad], "TFText>RoundRobin", "row splits")


def test_keras_hub_wordpiece_and_packer(tf):
    """keras-hub's WordPieceTokenizer on pre-split words (split=False: [batch, words] in, one ragged
    row of pieces per batch row out), packed by its MultiSegmentPacker (round robin trimming, then
    RaggedGather + RaggedTensorToTensor), and its detokenize."""
    import keras_hub

    tok = keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=VOCAB, lowercase=False, strip_accents=False, split=False, oov_token="[UNK]"
    )
    pack = keras_hub.layers.MultiSegmentPacker(sequence_length=9, start_value=2, end_value=3, pad_value=0)

    def fn(x, y):
        token_ids, segment_ids = pack((tok(x), tok(y)))
        return token_ids, segment_ids, tok.detokenize(tok(x))

    ops = {
        "FastWordpieceTokenizeWithOffsets": 2,
        "TFText>RoundRobinTrim": 1,
        "TFText>FastWordpieceDetokenize": 1,
        "RaggedGather": 2,
        "RaggedTensorToTensor": 2,
    }
    concrete, model = convert(tf, fn, [([None, None], tf.string), ([None, None], tf.string)], ops)
    x = [[b"the", b"quickes", b"fox"], [b"abcabc", b"", b""], [b"", b"", b""], [b"foxes", b"xyz", b"##ick"]]
    y = [[b"the", b"brown"], [b"xyz", "日本語".encode()], [b"a", b"aab"], [b"qu", b"#"]]
    same(tf, concrete, model, [as_input(x), as_input(y)])
    same(tf, concrete, model, [as_input([WORDS[:10]]), as_input([WORDS[10:20]])])


def test_keras_hub_bert_preprocessor(tf):
    """The whole BertTextClassifierPreprocessor (BertTokenizer, lowercase): StaticRegexReplace,
    RegexSplitWithOffsets, CaseFoldUTF8 (other ops' kernels), FastWordpieceTokenizeWithOffsets, then
    the packer's TFText>RoundRobinTrim, RaggedGather and RaggedTensorToTensor, on sentence pairs."""
    import keras_hub

    vocab = [*VOCAB, ".", ",", "!", "'", "s", "don", "##'", "t", "日", "本", "e"]
    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=vocab, lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=12)

    def fn(x, y):
        out = preprocessor((x, y))
        out = out[0] if isinstance(out, tuple) else out
        return out["token_ids"], out["segment_ids"], out["padding_mask"]

    ops = {
        "StaticRegexReplace": 1,
        "RegexSplitWithOffsets": 1,
        "CaseFoldUTF8": 1,
        "FastWordpieceTokenizeWithOffsets": 1,
        "TFText>RoundRobinTrim": 1,
    }
    concrete, model = convert(tf, fn, [([None], tf.string), ([None], tf.string)], ops)
    x = ["The quick brown fox.", "QUICKES, Foxes!", "", "日本語 é É [MASK] [CLS]", "Don't!!"]
    y = ["a fox", "don't", "The The The The The The The", "Ünïcödé   tabs\tand\nnewlines", ""]
    same(tf, concrete, model, [as_input([s.encode() for s in x]), as_input([s.encode() for s in y])])


def corruptions(model: bytes, rng: np.random.Generator) -> list[bytes]:
    """Truncations, flipped bytes, and 32-bit fields overwritten with extreme values."""
    out = [b"", model[:3], model[:4]]
    out += [model[: int(k)] for k in rng.integers(4, len(model), 24)]
    for _ in range(60):
        m = bytearray(model)
        for pos in rng.integers(0, len(model), int(rng.integers(1, 4))):
            m[int(pos)] = int(rng.integers(0, 256))
        out.append(bytes(m))
    for pos in range(0, min(len(model), 160), 4):  # the root table, vtable and first vectors
        for value in (0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(model)):
            m = bytearray(model)
            m[pos : pos + 4] = value.to_bytes(4, "little")
            out.append(bytes(m))
    return out


def test_hostile_models(tf):
    """Model bytes as a model input: the valid one matches TF, broken ones fail cleanly (or tokenize)."""
    wp, _, _ = tf_ops()

    def tokenize(x, buffer):
        return outputs_of(wp.gen_fast_wordpiece_tokenizer.fast_wordpiece_tokenize_with_offsets(x, buffer))

    def detokenize(ids, splits, buffer):
        return wp.gen_fast_wordpiece_tokenizer.tf_text_fast_wordpiece_detokenize(ids, splits, buffer)

    valid = wordpiece_model(*MODELS["bert"])
    t_concrete, t_model = convert(
        tf, tokenize, [([None], tf.string), ([None], tf.uint8)], {"FastWordpieceTokenizeWithOffsets": 1}
    )
    d_concrete, d_model = convert(
        tf, detokenize, [([None], tf.int32), ([None], tf.int64), ([None], tf.uint8)],
        {"TFText>FastWordpieceDetokenize": 1},
    )  # fmt: skip
    words = as_input(WORDS)
    ids, splits = np.arange(len(VOCAB), dtype=np.int32), np.array([0, 5, len(VOCAB)], np.int64)
    buffer = np.frombuffer(valid, np.uint8)
    same(tf, t_concrete, t_model, [words, buffer])
    same(tf, d_concrete, d_model, [ids, splits, buffer])
    rng = np.random.default_rng(15)
    failed = 0
    for bad in corruptions(valid, rng):
        arr = np.frombuffer(bad, np.uint8) if bad else np.zeros(0, np.uint8)
        for model, arrays, op in (
            (t_model, [words, arr], "FastWordpieceTokenizeWithOffsets"),
            (d_model, [ids, splits, arr], "FastWordpieceDetokenize"),
        ):
            for runtime in RUNTIMES:
                try:
                    run_tflite(model, arrays, runtime)
                except RuntimeError as e:
                    assert op in str(e) and "wp_model" in str(e), str(e)
                    failed += 1
    assert failed > 100  # most corruptions are caught as errors naming the model input; none crashed


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_fast_wordpiece_threads_split_rows(tf, threads):
    """The kernel tokenizes rows in blocks on the interpreter's threads and joins them in row order:
    with 1, 2 or 4 threads the pieces, ids, row splits and offsets equal TF's over a thousand rows
    (enough work for 4 threads; empty rows and rows of no words included, so a block may hold no
    pieces)."""
    wp, _, _ = tf_ops()

    def fn(x, buffer):
        return outputs_of(wp.gen_fast_wordpiece_tokenizer.fast_wordpiece_tokenize_with_offsets(x, buffer))

    concrete, model = convert(
        tf, fn, [([None], tf.string), ([None], tf.uint8)], {"FastWordpieceTokenizeWithOffsets": 1}
    )
    rng = np.random.default_rng(3)
    texts = [t.encode() for t in E2E_TEXTS]
    rows = [texts[int(k)] for k in rng.integers(0, len(texts), 1200)] + [b"", b"   "] * 5
    buffer = np.frombuffer(wordpiece_model(E2E_VOCAB, 100, "##", "[UNK]", end_to_end=True), np.uint8)
    arrays = [as_input(rows), buffer]
    want = [np.asarray(t) for t in tf.nest.flatten(concrete(*[tf.constant(a) for a in arrays]))]
    for runtime in RUNTIMES:
        got = run_tflite(model, arrays, runtime, num_threads=threads)
        for k, w in enumerate(want):
            g = got[f"output_{k}"]
            if w.dtype == object:
                assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (runtime, k)
            else:
                np.testing.assert_array_equal(g, w, err_msg=f"{runtime} output {k}")
