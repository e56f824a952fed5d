"""tensorflow-text's SentencePiece tokenization as keras-hub's SentencePieceTokenizer runs it:
SentencepieceOp (the model proto in its attr) + SentencepieceTokenizeOp (int32 ids and string pieces)
and SentencepieceDetokenizeOp, unigram and BPE models trained here on synthetic sentences with the PyPI
sentencepiece trainer. No cases without tensorflow_text and sentencepiece."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .case import Case

LETTERS = "abcdefghijklmnopqrstuvwxyzé日本"


def _sentences(rng: np.random.Generator, n: int) -> list[str]:
    words = ["".join(rng.choice(list(LETTERS), int(rng.integers(1, 9)))) for _ in range(300)]
    return [" ".join(rng.choice(words, int(rng.integers(1, 16)))) for _ in range(n)]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        import sentencepiece as spm
        from tensorflow_text.python.ops.sentencepiece_tokenizer import gen_sentencepiece_tokenizer as gen
    except ImportError:
        return []
    corpus = _sentences(rng, 400)

    def train(model_type: str) -> bytes:
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus),
            model_writer=buf,
            model_type=model_type,
            vocab_size=400,
            character_coverage=1.0,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        return buf.getvalue()

    lines = np.array([s.encode() for s in _sentences(rng, max(16, 1024 // scale))], object)
    result = []
    for model_type in ("unigram", "bpe"):
        proto = train(model_type)
        for out_type in (tf.int32, tf.string):

            def tokenize(x: Any, proto: bytes = proto, out_type: Any = out_type) -> Any:
                handle = gen.sentencepiece_op(model=proto)
                return tuple(
                    gen.sentencepiece_tokenize_op(handle, x, 0, 1.0, True, True, False, out_type=out_type)
                )

            label = f"{model_type}, {len(lines)} lines -> {out_type.name}"
            result.append(Case("SentencepieceTokenizeOp", label, tokenize, [lines]))
        size = len(spm.SentencePieceProcessor(model_proto=proto))
        ids = rng.integers(0, size, len(lines) * 12).astype(np.int32)
        splits = np.arange(0, len(ids) + 1, 12, dtype=np.int64)

        def detokenize(i: Any, s: Any, proto: bytes = proto) -> Any:
            handle = gen.sentencepiece_op(model=proto)
            return gen.sentencepiece_detokenize_op(handle, i, s, False, False, False)

        label = f"{model_type}, {len(lines)} rows of 12 ids"
        result.append(Case("SentencepieceDetokenizeOp", label, detokenize, [ids, splits]))
    # SentencepieceOp's own work (parsing the model proto into the interpreter's
    # resource store) happens once per interpreter; its row times a one-line
    # tokenization with it, so that its seed and bench row exist.
    first = lines[:1]

    def one_line(x: Any, proto: bytes = proto) -> Any:
        handle = gen.sentencepiece_op(model=proto)
        return tuple(gen.sentencepiece_tokenize_op(handle, x, 0, 1.0, False, False, False))

    result.append(Case("SentencepieceOp", "bpe model handle + 1 line -> int32", one_line, [first]))
    return result
