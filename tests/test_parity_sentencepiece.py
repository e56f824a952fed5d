"""tensorflow-text's SentencePiece ops (SentencepieceOp + SentencepieceTokenizeOp; keras-hub's
SentencePieceTokenizer for T5/Gemma/Llama-2 style models): opbridge's TFLite kernels vs tensorflow_text's
own TF kernels (sentencepiece 0.1.96 inside), both runtimes, exact on ids, pieces and row splits.

Models are trained here with the PyPI `sentencepiece` trainer on a few sentences: unigram and BPE, the
nmt_nfkc normalizer (a precompiled charsmap trie carried in the model), identity and nfkc_cf rules,
byte_fallback, user-defined and control symbols, whitespace as suffix, T5-style ids (no bos piece).
Each model is converted once per out_type (int32 with int64 splits, string with int32 splits), with
add_bos / add_eos / reverse / nbest_size as graph inputs, so every option combination runs on one model.
Inputs: the training sentences, empty strings, whitespace runs, tabs and newlines, unseen characters,
multi-byte UTF-8, malformed UTF-8, NUL bytes, full-width forms, user-defined and control piece text.
Corrupt or hostile model protos: errors naming the op and its `model` attr, never a crash.
SentencepieceDetokenizeOp on ids and on pieces, and keras-hub's detokenize.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

SENTENCES = [
    "Hello world, this is a test.",
    "The quick brown fox jumps over the lazy dog.",
    "héllo wörld 日本語 テスト",
    "tokenizers are fun and small, abab ab <mask>",
    "Sentences with numbers 12345 and CAPITALS.",
]
TEXTS = [
    *SENTENCES,
    "",
    " ",
    "   lots   of    spaces   ",
    "\ttabs\tand\nnewlines\r\n",
    "unseen: Ωψж ✓ 🙂🙂 ﬁ",
    "ｆｕｌｌｗｉｄｔｈ ①② ㍻",
    "<mask>ab<mask> <ctl> <s> </s> <unk>",
    "ab" * 40,
    "日本語日本語 テストテスト",
    "x",
]
BYTES = [
    *[t.encode() for t in TEXTS],
    b"bad \xff\xfe utf8 \xc3",
    b"nul\x00byte\x00.",  # no trailing NUL: numpy's fixed-width bytes (the runtimes' feed) drop it
    "é".encode()[:1] + b"abc",
    b"\xef\xbf\xbd literal replacement",
]

MODELS: dict[str, dict[str, Any]] = {
    "unigram": {"model_type": "unigram", "vocab_size": 60},
    "bpe": {"model_type": "bpe", "vocab_size": 60},
    "unigram_bytes": {
        "model_type": "unigram",
        "vocab_size": 320,
        "byte_fallback": True,
        "user_defined_symbols": ["<mask>", "ab"],
        "control_symbols": ["<ctl>"],
        "normalization_rule_name": "identity",
        "add_dummy_prefix": False,
        "remove_extra_whitespaces": False,
    },
    "bpe_t5": {
        "model_type": "bpe",
        "vocab_size": 80,
        "user_defined_symbols": ["<mask>"],
        "normalization_rule_name": "nfkc_cf",
        "treat_whitespace_as_suffix": True,
        "pad_id": 0,
        "eos_id": 1,
        "unk_id": 2,
        "bos_id": -1,
    },
}


def train(options: dict[str, Any]) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 4),
        model_writer=buf,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        **options,
    )
    return buf.getvalue()


@pytest.fixture(scope="module")
def protos() -> dict[str, bytes]:
    return {name: train(options) for name, options in MODELS.items()}


def gen() -> Any:
    from tensorflow_text.python.ops.sentencepiece_tokenizer import gen_sentencepiece_tokenizer

    return gen_sentencepiece_tokenizer


def tokenizer_graph(tf: Any, proto: bytes, out_type: Any, splits: Any) -> tuple[Any, bytes]:
    """SentencepieceOp + SentencepieceTokenizeOp with the options as inputs; converted once."""

    def fn(x, nbest, add_bos, add_eos, reverse):
        handle = gen().sentencepiece_op(model=proto)
        values, row_splits = gen().sentencepiece_tokenize_op(
            handle, x, nbest, 1.0, add_bos, add_eos, reverse, out_type=out_type, Tsplits=splits
        )
        return values, row_splits

    specs = [([None], tf.string), ([], tf.int32), ([], tf.bool), ([], tf.bool), ([], tf.bool)]
    signature = [tf.TensorSpec(s, d, name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("SentencepieceOp") == 1 and counts.get("SentencepieceTokenizeOp") == 1, counts
    return concrete, model


def as_strings(values: list[bytes]) -> np.ndarray:
    return np.asarray(values, dtype=object)


def tf_outputs(tf: Any, concrete: Any, arrays: list[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(t) for t in concrete(*[tf.constant(a) for a in arrays])]


def same(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray]) -> None:
    """Values and splits equal to TF's (dtype, shape and contents), in both runtimes. A batch with no
    tokens is skipped on the values side only: the Python runtimes cannot read zero-element tensors."""
    want = tf_outputs(tf, concrete, arrays)
    for runtime in RUNTIMES:
        got = run_tflite(model, arrays, runtime)
        for k, w in enumerate(want):
            g = got[f"output_{k}"]
            assert g.shape == w.shape, (runtime, k, g.shape, w.shape)
            if w.dtype == object:
                assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (runtime, k)
            else:
                assert g.dtype == w.dtype, (runtime, k, g.dtype, w.dtype)
                np.testing.assert_array_equal(g, w, err_msg=f"{runtime} output {k}")


def options(nbest: int, bos: bool, eos: bool, rev: bool) -> list[np.ndarray]:
    return [np.array(nbest, np.int32), np.array(bos), np.array(eos), np.array(rev)]


def refuses(model: bytes, arrays: list[np.ndarray], op: str, text: str) -> None:
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as caught:
            run_tflite(model, arrays, runtime)
        assert op in str(caught.value) and text in str(caught.value), (runtime, str(caught.value))


@pytest.mark.parametrize("out", ["int32", "string"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_sentencepiece_tokenize(tf, protos, name, out):
    """Every text and every add_bos/add_eos/reverse combination (nbest_size 0 and 1: no sampling);
    batches of all texts, one text, and texts that normalize to nothing."""
    out_type, splits = (tf.int32, tf.int64) if out == "int32" else (tf.string, tf.int32)
    concrete, model = tokenizer_graph(tf, protos[name], out_type, splits)
    no_bos = MODELS[name].get("bos_id") == -1
    for bos, eos, rev in itertools.product([False, True], repeat=3):
        if bos and no_bos:
            continue
        same(tf, concrete, model, [as_strings(BYTES), *options(0, bos, eos, rev)])
    same(tf, concrete, model, [as_strings([b"a"]), *options(1, False, False, False)])
    same(
        tf, concrete, model, [as_strings([b"", b"  ", b"a b"]), *options(0, True and not no_bos, True, True)]
    )
    if no_bos:
        # T5's models have no bos piece: sentencepiece refuses the option.
        arrays = [as_strings(BYTES), *options(0, True, False, False)]
        with pytest.raises(tf.errors.OpError, match="is not defined"):
            tf_outputs(tf, concrete, arrays)
        refuses(model, arrays, "SentencepieceTokenizeOp", "id for `<s>` is not defined.")
    # Sampling is random in TF: refused, not approximated.
    refuses(
        model,
        [as_strings(BYTES[:2]), *options(2, False, False, False)],
        "SentencepieceTokenizeOp",
        "sampling",
    )


def test_keras_hub_sentence_piece_tokenizer_and_packer(tf, protos):
    """keras-hub's SentencePieceTokenizer (tf_text.SentencepieceTokenizer inside: the ops' defaults,
    add_bos/add_eos baked as constants) padded by its StartEndPacker, and the string-output tokenizer."""
    import keras_hub

    proto = protos["unigram"]
    tok = keras_hub.tokenizers.SentencePieceTokenizer(proto=proto)
    tok_str = keras_hub.tokenizers.SentencePieceTokenizer(proto=proto, dtype="string")
    pack = keras_hub.layers.StartEndPacker(sequence_length=12, start_value=1, end_value=2, pad_value=0)

    def fn(x):
        return pack(tok(x)), tok_str(x).flat_values

    signature = [tf.TensorSpec([None], tf.string, name="input_0")]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("SentencepieceTokenizeOp") == 2, counts
    same(tf, concrete, model, [as_strings(BYTES)])
    same(tf, concrete, model, [as_strings([b"hello world"])])


def corrupt_graph(tf: Any, proto: bytes) -> tuple[Any, bytes]:
    return tokenizer_graph(tf, proto, tf.int32, tf.int64)


def test_corrupt_model_protos(tf, protos):
    """Protos sentencepiece refuses: opbridge refuses them too, naming the op and its model attr."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    good = protos["unigram"]
    m = pb.ModelProto.FromString(good)
    no_unk = pb.ModelProto()
    no_unk.CopyFrom(m)
    no_unk.pieces[0].type = pb.ModelProto.SentencePiece.NORMAL
    dup = pb.ModelProto()
    dup.CopyFrom(m)
    dup.pieces[5].piece = dup.pieces[4].piece
    big_trie = pb.ModelProto()
    big_trie.CopyFrom(m)
    charsmap = bytearray(big_trie.normalizer_spec.precompiled_charsmap)
    charsmap[0:4] = (len(charsmap) + 10).to_bytes(4, "little")
    big_trie.normalizer_spec.precompiled_charsmap = bytes(charsmap)
    cases = [
        (good[: len(good) // 2 + 3], "malformed"),
        (no_unk.SerializeToString(), "unk is not defined."),
        (dup.SerializeToString(), f"{dup.pieces[4].piece} is already defined."),
        (big_trie.SerializeToString(), "Trie data size exceeds the input blob size."),
    ]
    arrays = [as_strings([b"hello world"]), *options(0, False, False, False)]
    for proto, text in cases:
        concrete, model = corrupt_graph(tf, proto)
        # sentencepiece's own texts; a truncated proto fails its protobuf parse (a CHECK text).
        with pytest.raises(tf.errors.OpError, match=None if text == "malformed" else re.escape(text)):
            tf_outputs(tf, concrete, arrays)
        refuses(model, arrays, "SentencepieceOp", f"attr 'model': {text}" if text != "malformed" else text)


def test_hostile_charsmaps_never_crash(tf, protos):
    """Trie units and replacement offsets from random bytes (sentencepiece reads them unchecked, so TF
    has no reference): each run either tokenizes or refuses with an error naming the op."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    m = pb.ModelProto.FromString(protos["unigram"])
    charsmap = m.normalizer_spec.precompiled_charsmap
    trie_size = int.from_bytes(charsmap[:4], "little")
    rng = np.random.default_rng(15)
    arrays = [as_strings(BYTES), *options(0, True, True, False)]
    for _ in range(6):
        blob = bytearray(charsmap)
        where = rng.integers(4, 4 + trie_size, size=200)
        for w in where:
            blob[int(w)] = int(rng.integers(0, 256))
        m.normalizer_spec.precompiled_charsmap = bytes(blob)
        _, model = corrupt_graph(tf, m.SerializeToString())
        for runtime in RUNTIMES:
            try:
                run_tflite(model, arrays, runtime)
            except RuntimeError as e:
                assert "SentencepieceOp" in str(e), str(e)


# A "\x00" piece would reach the runtimes as "": numpy's fixed-width bytes drop trailing NULs.
NO_NUL = [b for b in BYTES if b"\x00" not in b]


def tokens(tf: Any, proto: bytes, out_type: Any) -> tuple[np.ndarray, np.ndarray]:
    handle = gen().sentencepiece_op(model=proto)
    values, splits = gen().sentencepiece_tokenize_op(
        handle, tf.constant(NO_NUL), 0, 1.0, False, False, False, out_type=out_type
    )
    return np.asarray(values), np.asarray(splits)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_sentencepiece_detokenize(tf, protos, name):
    """SentencepieceDetokenizeOp on ids (int64 splits) and on pieces (int32 splits) in one model: the
    tokens of every text, every id of the vocabulary in one row, random ids, empty rows, pieces outside
    the vocabulary, every bos/eos/reverse combination; ids out of range refused as sentencepiece does."""
    proto = protos[name]

    def fn(ids, id_splits, pieces, piece_splits, add_bos, add_eos, reverse):
        handle = gen().sentencepiece_op(model=proto)
        by_id = gen().sentencepiece_detokenize_op(handle, ids, id_splits, add_bos, add_eos, reverse)
        by_piece = gen().sentencepiece_detokenize_op(handle, pieces, piece_splits, add_bos, add_eos, reverse)
        return by_id, by_piece

    specs = [
        ([None], tf.int32),
        ([None], tf.int64),
        ([None], tf.string),
        ([None], tf.int32),
        ([], tf.bool),
        ([], tf.bool),
        ([], tf.bool),
    ]
    signature = [tf.TensorSpec(s, d, name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    assert tflite_model.custom_op_counts(model).get("SentencepieceDetokenizeOp") == 2
    ids, id_splits = tokens(tf, proto, tf.int32)
    pieces, piece_splits = tokens(tf, proto, tf.string)
    size = int(gen().sentencepiece_vocab_size_op(gen().sentencepiece_op(model=proto)))
    rng = np.random.default_rng(3)
    extra_ids = np.concatenate([np.arange(size), rng.integers(0, size, 40)]).astype(np.int32)
    extra_pieces = [
        b"\xe2\x96\x81\xe2\x96\x81a",
        b"<unk>",
        b"zz\xe2\x96\x81q",
        b"<0x41>",
        b"<s>",
        b"\xff",
        b"x",
    ]
    no_bos = MODELS[name].get("bos_id") == -1
    for bos, eos, rev in itertools.product([False, True], repeat=3):
        if bos and no_bos:
            continue
        flags = [np.array(bos), np.array(eos), np.array(rev)]
        same(tf, concrete, model, [ids, id_splits, pieces, piece_splits.astype(np.int32), *flags])
        arrays = [
            extra_ids,
            np.array([0, size, size, size + 40], np.int64),
            as_strings(extra_pieces),
            np.array([0, 3, 3, 7], np.int32),
            *flags,
        ]
        same(tf, concrete, model, arrays)
    bad = [
        np.array([1, size], np.int32),
        np.array([0, 2], np.int64),
        as_strings([b"a"]),
        np.array([0, 1], np.int32),
    ]
    bad += [np.array(False), np.array(False), np.array(False)]
    with pytest.raises(tf.errors.OpError, match=f"Invalid id: {size}"):
        tf_outputs(tf, concrete, bad)
    refuses(model, bad, "SentencepieceDetokenizeOp", f"Invalid id: {size}")


def test_keras_hub_sentence_piece_detokenize(tf, protos):
    """keras-hub's SentencePieceTokenizer.detokenize of its own tokens (dense-padded ids)."""
    import keras_hub

    tok = keras_hub.tokenizers.SentencePieceTokenizer(proto=protos["bpe"], sequence_length=16)

    def fn(x):
        return (tok.detokenize(tok(x)),)

    signature = [tf.TensorSpec([None], tf.string, name="input_0")]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    model = opbridge.convert(concrete)
    assert tflite_model.custom_op_counts(model).get("SentencepieceDetokenizeOp") == 1
    same(tf, concrete, model, [as_strings(BYTES)])
