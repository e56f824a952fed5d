"""tensorflow-text's UnicodeScriptTokenizer op (UnicodeScriptTokenizeWithOffsets) on ragged code points
as the tokenizer hands them over after decoding: lines of mixed Latin, Greek, CJK, digits, punctuation
and spaces, whitespace dropped and kept. No cases without tensorflow_text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        from tensorflow_text.python.ops.unicode_script_tokenizer import gen_unicode_script_tokenizer as gen
    except ImportError:
        return []
    lines = max(16, 8192 // scale)
    pool = np.array(
        [*range(0x61, 0x7B), *range(0x30, 0x3A), 0x2E, 0x2C, 0x20, 0x20, 0x20, 0x3B1, 0x3B2, 0x4E00, 0x65E5]
    )
    lengths = rng.integers(0, 120, lines)
    values = rng.choice(pool, int(lengths.sum())).astype(np.int32)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    op = gen.unicode_script_tokenize_with_offsets
    label = f"{lines} lines, {values.size} code points"
    return [
        Case("UnicodeScriptTokenizeWithOffsets", label, lambda v, s: tuple(op(v, s)), [values, splits]),
        Case(
            "UnicodeScriptTokenizeWithOffsets",
            f"{label}, keep_whitespace",
            lambda v, s: tuple(op(v, s, keep_whitespace=True)),
            [values, splits],
        ),
    ]
