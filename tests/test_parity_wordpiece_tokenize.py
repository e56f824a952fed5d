"""tensorflow-text's WordpieceTokenizeWithOffsets (tf_text.WordpieceTokenizer, and BertTokenizer after its
BasicTokenizer): opbridge's TFLite kernel vs tensorflow_text's TF kernel, both runtimes, exact on every
output (pieces, row splits or lengths, start and limit offsets, and the ids the tokenizers look up).

- The op itself, ten attr sets in one model over three vocabulary tables: a StaticVocabularyTable
  (tf-text's usual table; the op reads the HashTable under it), a StaticHashTable whose -1 values
  tf-text takes for missing words, and a MutableHashTable filled by the function. Suffix indicators "##",
  "@@" and "", max_bytes_per_word from -1 (every word, even the empty one, becomes one piece whose end
  is the unknown token's size) to 100, max_chars_per_token < 0, 1, 3, unknown tokens on and off and
  "", split_unknown_characters, both row partition types; words with multi-byte, invalid and cut UTF-8,
  NULs, the suffix indicator itself; empty words and batches.
- The Python classes: WordpieceTokenizer (string and int32 ids of a 2-D ragged input, no unknown
  token) and BertTokenizer (a vocabulary file as TF Hub's BERT preprocessors, embedded at conversion,
  lower_case with int64 ids and preserve_unused_token; NFKC, keep_whitespace,
  split_unknown_characters, max_bytes_per_word 8, strings), offsets included, one model.
- Errors: a table never imported ("Table not initialized." as tf-text, and none when no word reaches
  a lookup), a string -> int32 table (tf-text aborts the process: measured, so only our refusal is
  checked), an attr outside int32 (TF's text).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

OP = "WordpieceTokenizeWithOffsets"
VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "qu", "##ick", "brown", "fox", "##es", "a", "##a", "##b",
    "b", "ab", "abc", "##c", "#", "##", "日本", "##語", "é", "##é", "##x", "x", "[MASK]", "don", "'",
    "##'", "t", "##t", ".", ",", "!", "un", "##aff", "##able", "[unused3]", "hello", "##llo", "he",
]  # fmt: skip
# Values -1 read as missing (tf-text finds with default -1): "b" and "@@b" are not known words.
NEG_VOCAB = {"a": 0, "@@a": 1, "b": -1, "@@b": -1, "ab": 2, "日": 3, "@@本": 4, "c": 5, "<unk>": 6, "": 7}
MUTABLE_VOCAB = {"a": 10, "##b": 11, "abc": 12, "##é": 13, "x": 14}
WORDS = [
    b"the", b"quick", b"quickes", b"brown", b"foxes", b"", b"xyz", b"a", b"aab", b"abcabc", b"#", b"##",
    b"###", b"####", b"##ick", b"##zz", "日本語".encode(), "日本x".encode(), "éé".encode(), "é".encode()[:1],
    b"[UNK]", b"a" * 12, b"ab" * 60, b"\xff\xfe", b"ab\x00c", b"x##", b"xx", b"qu##ick", b"[MASK]",
    b"unaffable", b"don't", b"aXb", "aéb".encode(), b"\xe6\x97", "本日".encode(), b"a@@b", b"ba", b"cab",
    "x\U0001f600x".encode(), b"abcdefg",
]  # fmt: skip
BATCHES = [WORDS, [b"abc"], [b"", b""], []]


def tf_text() -> Any:
    from tensorflow_text.python.ops import bert_tokenizer, wordpiece_tokenizer

    return wordpiece_tokenizer, bert_tokenizer


def table_of(tf: Any, vocab: dict[str, int]) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(list(vocab), list(vocab.values()), tf.string, tf.int64)
    return tf.lookup.StaticHashTable(init, -1)


def bert_table(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(VOCAB, list(range(len(VOCAB))), tf.string, tf.int64)
    return tf.lookup.StaticVocabularyTable(init, 1)


def convert(tf: Any, fn: Any, specs: list[Any], ops: dict[str, int]) -> tuple[Any, bytes]:
    signature = [tf.TensorSpec(s, d, name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    counts = tflite_model.custom_op_counts(model)
    assert {k: counts.get(k) for k in ops} == ops, counts
    return concrete, model


def as_input(batch: list[bytes]) -> np.ndarray:
    return np.asarray(batch, dtype=object).reshape([len(batch)])


def same(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray]) -> None:
    """Every output equal to TF's (values, dtype and shape), in both runtimes, and on 3 threads (rows go
    in blocks on the threads)."""
    want = [np.asarray(t) for t in tf.nest.flatten(concrete(*[tf.constant(a) for a in arrays]))]
    for runtime, threads in [*((r, 1) for r in RUNTIMES), ("litert", 3)]:
        got = run_tflite(model, arrays, runtime, num_threads=threads)
        assert len(got) == len(want), (runtime, len(got), len(want))
        for k, w in enumerate(want):
            g = got[f"output_{k}"]
            assert g.shape == w.shape, (runtime, k, g.shape, w.shape)
            if w.dtype == object:
                assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (runtime, k)
            else:
                assert g.dtype == w.dtype, (runtime, k, g.dtype, w.dtype)
                np.testing.assert_array_equal(g, w, err_msg=f"{runtime} output {k}")


def refuses(model: bytes, arrays: list[np.ndarray], text: str) -> None:
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as caught:
            run_tflite(model, arrays, runtime)
        assert OP in str(caught.value) and text in str(caught.value), (runtime, str(caught.value))


# (table, attrs): every attr of the op, each in several values.
ATTR_SETS: list[tuple[str, dict[str, Any]]] = [
    ("bert", {}),
    ("bert", dict(output_row_partition_type="row_lengths", max_bytes_per_word=6, max_chars_per_token=3)),
    ("bert", dict(use_unknown_token=False, split_unknown_characters=True)),
    ("bert", dict(split_unknown_characters=True, unknown_token="<?>")),
    ("bert", dict(use_unknown_token=False, max_bytes_per_word=0)),
    ("bert", dict(max_bytes_per_word=-1, output_row_partition_type="row_lengths")),
    ("bert", dict(max_chars_per_token=-5, split_unknown_characters=True, unknown_token="")),
    ("neg", dict(suffix_indicator="@@", max_chars_per_token=1, unknown_token="<unk>")),
    ("neg", dict(suffix_indicator="", output_row_partition_type="row_lengths", use_unknown_token=False)),
    ("mutable", dict(max_bytes_per_word=5)),
]


def test_wordpiece_tokenize_attrs(tf):
    wp, _ = tf_text()
    tables = {"bert": bert_table(tf), "neg": table_of(tf, NEG_VOCAB)}
    mutable = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -5)

    def fn(words):
        mutable.insert(tf.constant(list(MUTABLE_VOCAB)), tf.constant(list(MUTABLE_VOCAB.values()), tf.int64))
        outputs = []
        for name, attrs in ATTR_SETS:
            table = mutable if name == "mutable" else tables[name]
            kw = dict(
                suffix_indicator="##", max_bytes_per_word=100, use_unknown_token=True, unknown_token="[UNK]"
            )
            kw.setdefault("output_row_partition_type", "row_splits")
            kw.update(attrs)
            outputs += list(
                wp.gen_wordpiece_tokenizer.wordpiece_tokenize_with_offsets(words, table.resource_handle, **kw)
            )
        return tuple(outputs)

    concrete, model = convert(tf, fn, [([None], tf.string)], {OP: len(ATTR_SETS)})
    extra = [w.replace(b"##", b"@@") for w in WORDS]
    for batch in [*BATCHES, extra]:
        same(tf, concrete, model, [as_input(batch)])


SENTENCES = [
    "The quick brown fox.", "Don't UNAFFABLE, hello!", "", "   ", "日本語 日本", "Éé é,é", "[unused3] [MASK]",
    "he\u200bllo\x07x", "tab\tnew\nline", "a" * 120 + " ab", "x\U0001f600x \ufb01", "abc\u0301abc", "quickes",
]  # fmt: skip


def test_wordpiece_and_bert_tokenizers(tf, tmp_path):
    wp, bert = tf_text()
    vocab_file = tmp_path / "vocab.txt"  # TF Hub's BERT preprocessors read their vocabulary from a file
    vocab_file.write_text("\n".join(VOCAB) + "\n")

    def flat(r: Any) -> list[Any]:
        return [r.flat_values, *r.nested_row_splits]

    wordpieces = [
        wp.WordpieceTokenizer(bert_table(tf), token_out_type=tf.string, max_chars_per_token=4),
        wp.WordpieceTokenizer(bert_table(tf), token_out_type=tf.int32),
    ]
    split_chars = wp.WordpieceTokenizer(bert_table(tf), unknown_token=None, split_unknown_characters=True)
    berts = [
        bert.BertTokenizer(str(vocab_file), lower_case=True, preserve_unused_token=True),
        bert.BertTokenizer(
            bert_table(tf),
            normalization_form="NFKC",
            keep_whitespace=True,
            token_out_type=tf.string,
            split_unknown_characters=True,
            max_bytes_per_word=8,
        ),
    ]

    def fn(text):
        words = tf.strings.split(text)
        out: list[Any] = []
        for tok in wordpieces:
            for r in tok.tokenize_with_offsets(words):
                out += flat(r)
        out += flat(split_chars.tokenize(words.flat_values))
        for tok in berts:
            for r in tok.tokenize_with_offsets(text):
                out += flat(r)
        return tuple(out)

    concrete, model = convert(tf, fn, [([None], tf.string)], {OP: 5})
    for batch in ([s.encode() for s in SENTENCES], [b""], []):
        same(tf, concrete, model, [as_input(batch)])


def test_wordpiece_errors(tf):
    from tensorflow.python.ops import gen_lookup_ops

    wp, _ = tf_text()
    gen = wp.gen_wordpiece_tokenizer.wordpiece_tokenize_with_offsets
    kw = dict(suffix_indicator="##", use_unknown_token=True, unknown_token="[UNK]")

    # A table no import filled: tf-text fails at its first lookup, so words too long for any lookup pass.
    def never_imported(words):
        handle = gen_lookup_ops.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64)
        return tuple(gen(words, handle, max_bytes_per_word=3, **kw))

    concrete, model = convert(tf, never_imported, [([None], tf.string)], {OP: 1})
    with pytest.raises(tf.errors.OpError, match=r"Table not initialized\."):
        concrete(tf.constant(["abc"]))
    refuses(model, [as_input([b"abcd", b"abc"])], "Table not initialized.")
    for batch in ([b"abcd", b"", b"toolong"], []):
        same(tf, concrete, model, [as_input(batch)])

    # string -> int32: tf-text's kernel aborts the process (CHECK failure reading int64 values).
    int32_table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a"], tf.constant([1], tf.int32)), -1
    )

    def wrong_values(words):
        return tuple(gen(words, int32_table.resource_handle, max_bytes_per_word=100, **kw))

    _, model = convert(tf, wrong_values, [([None], tf.string)], {OP: 1})
    refuses(model, [as_input([b"a"])], "HashTable of string to int32, but tensorflow-text")

    # tf-text reads max_bytes_per_word as an int32 attr.
    table = bert_table(tf)

    def too_big(words):
        return tuple(gen(words, table.resource_handle, max_bytes_per_word=1 << 32, **kw))

    concrete, model = convert(tf, too_big, [([None], tf.string)], {OP: 1})
    text = "Attr max_bytes_per_word has value 4294967296 out of range for an int32"
    with pytest.raises(tf.errors.OpError, match=text):
        concrete(tf.constant(["a"]))
    refuses(model, [as_input([b"a"])], text)
