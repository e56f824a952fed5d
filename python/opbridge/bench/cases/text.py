"""tensorflow-text's tokenizer ops as keras-hub's BERT preprocessing runs them: FastWordpieceTokenize
WithOffsets (single-word and end-to-end models, and the model as an input) and its detokenizer over a
synthetic vocabulary, WhitespaceTokenizeWithOffsetsV2, and TFText>RoundRobinTrim / RoundRobinGenerateMasks
on two segments of token ids. No cases without tensorflow_text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

LETTERS = "abcdefghijklmnopqrstuvwxyzé日本.,"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        from tensorflow_text.core.pybinds import pywrap_fast_wordpiece_tokenizer_model_builder as builder
        from tensorflow_text.python.ops import fast_wordpiece_tokenizer, trimmer_ops, whitespace_tokenizer
    except ImportError:
        return []
    # A vocabulary of short pieces: whole-word and "##" suffix pieces of 1-4 letters.
    pieces = {"".join(rng.choice(list(LETTERS), int(rng.integers(1, 5)))) for _ in range(600)}
    vocab = ["[PAD]", "[UNK]", *sorted(pieces), *sorted("##" + p for p in pieces if len(p) < 4)]
    wp_model = bytes(builder.build_fast_wordpiece_model(vocab, 100, "##", "[UNK]", True, True))
    words = max(64, 4096 // scale)
    text = np.array(
        ["".join(rng.choice(list(LETTERS), int(rng.integers(1, 12)))).encode() for _ in range(words)], object
    )
    gen_wp = fast_wordpiece_tokenizer.gen_fast_wordpiece_tokenizer

    def tokenize(x: Any) -> Any:
        buffer = tf.constant(list(wp_model), tf.uint8)
        return tuple(gen_wp.fast_wordpiece_tokenize_with_offsets(x, buffer))

    # tf-text's default model kind: general text split at whitespace and punctuation inside the op.
    e2e_model = bytes(
        builder.build_fast_wordpiece_model(
            list(dict.fromkeys([*vocab, ".", ","])), 100, "##", "[UNK]", False, False
        )
    )

    def tokenize_text(x: Any) -> Any:
        buffer = tf.constant(list(e2e_model), tf.uint8)
        return tuple(gen_wp.fast_wordpiece_tokenize_with_offsets(x, buffer))

    def tokenize_with(x: Any, buffer: Any) -> Any:  # the model as an input: fuzz seeds mutate its bytes
        return tuple(gen_wp.fast_wordpiece_tokenize_with_offsets(x, buffer))

    ids = rng.integers(0, len(vocab), words * 3).astype(np.int32)
    splits = np.arange(0, words * 3 + 1, 3, dtype=np.int64)

    def detokenize(i: Any, s: Any) -> Any:
        buffer = tf.constant(list(wp_model), tf.uint8)
        return gen_wp.tf_text_fast_wordpiece_detokenize(i, s, buffer)

    sentences = max(16, 1024 // scale)
    spaces = [" ", "  ", "\t", "\u3000", "\n"]
    lines = np.array(
        [
            "".join(
                "".join(rng.choice(list(LETTERS), int(rng.integers(1, 8)))) + str(rng.choice(spaces))
                for _ in range(int(rng.integers(0, 24)))
            ).encode()
            for _ in range(sentences)
        ],
        object,
    )
    config = whitespace_tokenizer.WhitespaceTokenizer()._config
    gen_ws = whitespace_tokenizer.gen_whitespace_tokenizer_v2

    def whitespace(x: Any) -> Any:
        return tuple(gen_ws.tf_text_whitespace_tokenize_with_offsets_v2(input_values=x, input_config=config))

    rows = max(16, 1024 // scale)
    seg = [rng.integers(0, 200, rows) for _ in range(2)]
    segs = [rng.integers(0, 30000, int(s.sum())).astype(np.int32) for s in seg]
    seg_splits = [np.concatenate([[0], np.cumsum(s)]).astype(np.int64) for s in seg]

    def trim(a: Any, sa: Any, b: Any, sb: Any) -> Any:
        values, row_splits = trimmer_ops.gen_trimmer_ops.tf_text_round_robin_trim(128, [a, b], [sa, sb])
        return (*values, *row_splits)

    def masks(a: Any, sa: Any, b: Any, sb: Any) -> Any:
        return tuple(trimmer_ops.gen_trimmer_ops.tf_text_round_robin_generate_masks(128, [a, b], [sa, sb]))

    return [
        Case(
            "FastWordpieceTokenizeWithOffsets", f"{words} words, {len(vocab)}-piece vocab", tokenize, [text]
        ),
        Case("FastWordpieceTokenizeWithOffsets", f"end-to-end, {sentences} lines", tokenize_text, [lines]),
        Case(
            "FastWordpieceTokenizeWithOffsets",
            f"{words} words, model bytes as an input",
            tokenize_with,
            [text, np.frombuffer(wp_model, np.uint8).copy()],
        ),
        Case("TFText>FastWordpieceDetokenize", f"{words} rows of 3 ids", detokenize, [ids, splits]),
        Case("TFText>WhitespaceTokenizeWithOffsetsV2", f"{sentences} lines", whitespace, [lines]),
        Case(
            "TFText>RoundRobinTrim",
            f"i32 2 segments x {rows} rows -> 128",
            trim,
            [segs[0], seg_splits[0], segs[1], seg_splits[1]],
        ),
        Case(
            "TFText>RoundRobinGenerateMasks",
            f"i32 2 segments x {rows} rows -> 128",
            masks,
            [segs[0], seg_splits[0], segs[1], seg_splits[1]],
        ),
    ]
