"""Regex and case ops (RE2 built in): Keras TextVectorization's standardize (StringLower +
punctuation-stripping StaticRegexReplace), keras-hub's BERT pretokenizer replace (CJK spacing), full
matches, pattern tensors, StringLower/StringUpper in both encodings, and tensorflow-text's
RegexSplitWithOffsets with BERT's pretokenizer patterns, on sentences of words."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

# No word ends in a NUL: the fuzz seeds store strings as fixed-width bytes (tests/make_fuzz_seeds.py).
WORDS = [
    b"The",
    b"quick,",
    b"BROWN",
    b"fox!",
    b"(jumps)",
    b"over",
    b"l'azy",
    b"dog.",
    "Café".encode(),
    "漢字かな".encode(),
    "ΣΟΦΊΑ".encode(),
    b"x-1_2",
]
PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  # Keras TextVectorization's
CJK = r"([\p{Han}\p{Hiragana}\p{Katakana}])"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(2, 4096 // scale)
    sentences = np.array([b" ".join(rng.choice(WORDS, n)) for n in rng.integers(1, 24, batch)])
    label = f"[{batch}] sentences"
    pattern, rewrite = np.array([PUNCTUATION.encode()]), np.array([b""])

    def regex_replace(x: Any, p: Any, r: Any) -> Any:
        return tf.strings.regex_replace(x, tf.reshape(p, []), tf.reshape(r, []))

    def regex_full_match(x: Any, p: Any) -> Any:
        return tf.strings.regex_full_match(x, tf.reshape(p, []))

    found = [
        Case(
            "StaticRegexReplace",
            f"{label}, Keras punctuation strip",
            lambda x: tf.strings.regex_replace(x, PUNCTUATION, ""),
            [sentences],
        ),
        Case(
            "StaticRegexReplace",
            f"{label}, BERT CJK spacing",
            lambda x: tf.strings.regex_replace(x, CJK, r" \1 "),
            [sentences],
        ),
        Case(
            "RegexReplace",
            f"{label}, punctuation pattern tensor",
            regex_replace,
            [sentences, pattern, rewrite],
        ),
        Case(
            "StaticRegexFullMatch",
            f"{label}, [\\p{{L}} ]+",
            lambda x: tf.strings.regex_full_match(x, r"[\p{L} ]+"),
            [sentences],
        ),
        Case(
            "RegexFullMatch",
            f"{label}, pattern tensor",
            regex_full_match,
            [sentences, np.array([b".*\\d.*"])],
        ),
        Case("StringLower", f"{label}, ASCII", tf.strings.lower, [sentences]),
        Case("StringLower", f"{label}, utf-8", lambda x: tf.strings.lower(x, encoding="utf-8"), [sentences]),
        Case("StringUpper", f"{label}, ASCII", tf.strings.upper, [sentences]),
        Case("StringUpper", f"{label}, utf-8", lambda x: tf.strings.upper(x, encoding="utf-8"), [sentences]),
    ]
    try:
        from tensorflow_text.python.ops import regex_split_ops
    except ImportError:
        return found

    def bert_split(x: Any) -> tuple[Any, ...]:
        # keras-hub BertTokenizer's pretokenizer patterns (whitespace, punctuation, CJK; punctuation
        # and CJK kept), wrapped in a group as tf_text.regex_split passes them.
        delim = r"(\s|[\p{P}!-/:-@\[-`{-~]|[\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}])"
        keep = r"([\p{P}!-/:-@\[-`{-~]|[\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}])"
        return tuple(regex_split_ops.gen_regex_split_ops.regex_split_with_offsets(x, delim, keep))

    return [*found, Case("RegexSplitWithOffsets", f"{label}, BERT pretokenizer", bert_split, [sentences])]
