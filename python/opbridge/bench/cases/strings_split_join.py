"""String splitting, stripping, ngrams and joining (Keras TextVectorization's and keras-hub's BPE text ops),
StringLength and Substr, on sentences of random words."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

WORDS = [
    b"the",
    b"quick",
    b"brown",
    b"fox",
    b"jumps",
    b"over",
    b"lazy",
    b"dog",
    b"caf\xc3\xa9",
    b"na\xc3\xafve",
]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(2, 1024 // scale)
    lengths = rng.integers(0, 24, batch)
    sentences = np.array(
        [b"  ".join(rng.choice(WORDS, n)) if n % 5 else b" ".join(rng.choice(WORDS, n)) for n in lengths],
        dtype=object,
    )
    tokens = np.array([w for s in sentences for w in s.split()], dtype=object)
    splits = np.concatenate([[0], np.cumsum([len(s.split()) for s in sentences])]).astype(np.int64)
    grid = np.array(rng.choice(WORDS, (batch, 16)), dtype=object)
    ids = rng.integers(0, max(1, batch // 4), tokens.size).astype(np.int32)
    label = f"[{batch}] sentences"

    def split_v2(s: Any) -> tuple[Any, ...]:
        return tuple(tf.raw_ops.StringSplitV2(input=s, sep=""))

    def bytes_split(s: Any) -> tuple[Any, ...]:
        return tuple(tf.raw_ops.StringSplit(input=s, delimiter="", skip_empty=False))

    def ngrams(data: Any, data_splits: Any) -> tuple[Any, ...]:
        return tuple(
            tf.raw_ops.StringNGrams(
                data=data,
                data_splits=data_splits,
                separator=" ",
                ngram_widths=[1, 2, 3],
                left_pad="",
                right_pad="",
                pad_width=0,
                preserve_short_sequences=False,
            )
        )

    return [
        Case("StringSplitV2", f"{label}, whitespace", split_v2, [sentences]),
        Case("StringStrip", f"{label}, padded", lambda s: tf.strings.strip(s), [sentences]),
        Case("StringSplit", f"{label}, bytes_split", bytes_split, [sentences]),
        Case("StringNGrams", f"[{tokens.size}] tokens in {batch} rows, widths 1-3", ngrams, [tokens, splits]),
        Case(
            "StringJoin",
            f"2 x {label}, ' '",
            lambda a, b: tf.strings.join([a, b], separator=" "),
            [sentences, sentences[::-1].copy()],
        ),
        Case(
            "ReduceJoin",
            f"[{batch},16] words, last axis",
            lambda x: tf.strings.reduce_join(x, axis=-1, separator=" "),
            [grid],
        ),
        Case(
            "UnsortedSegmentJoin",
            f"[{tokens.size}] tokens into {max(1, batch // 4)} segments",
            lambda t, i: tf.strings.unsorted_segment_join(t, i, max(1, batch // 4), separator=" "),
            [tokens, ids],
        ),
        Case(
            "StringLength",
            f"{label}, UTF8_CHAR",
            lambda s: tf.strings.length(s, unit="UTF8_CHAR"),
            [sentences],
        ),
        Case(
            "Substr",
            f"{label}, UTF8_CHAR pos 0 len 5",
            lambda s: tf.strings.substr(s, 0, 5, unit="UTF8_CHAR"),
            [sentences],
        ),
    ]
