"""tensorflow-text's FastBertNormalizer op (FastBertNormalize) on lines of mixed text: mostly ASCII
with capitals, accented Latin, Greek, CJK, tabs and newlines (so most lines change), both of
tf-text's models, with and without offsets, and the model as an input (fuzz seeds mutate its
bytes). No cases without tensorflow_text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

PIECES = [*"abcdefghijklmnopqrstuvwxyz", *"ABCDEFGHIJ", *"0123456789", " ", " ", " ", ".", ",", "é", "Ü", "ß",
          "α", "Ω", "日", "本", "\t", "\n"]  # fmt: skip


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        from tensorflow_text.core.pybinds import pywrap_fast_bert_normalizer_model_builder as builder
        from tensorflow_text.python.ops import fast_bert_normalizer
    except ImportError:
        return []
    op = fast_bert_normalizer.gen_fast_bert_normalizer.fast_bert_normalize
    lines = max(16, 4096 // scale)
    # Weighted toward ASCII lower case, as real text is.
    weights = np.array([8.0 if len(p.encode()) == 1 and p.islower() else 1.0 for p in PIECES])
    text = np.array(
        [
            "".join(rng.choice(PIECES, int(rng.integers(0, 160)), p=weights / weights.sum())).encode()
            for _ in range(lines)
        ],
        object,
    )
    size = sum(len(t) for t in text)
    label = f"{lines} lines, {size} bytes"
    models = {lower: bytes(builder.build_fast_bert_normalizer_model(lower)) for lower in (True, False)}

    def normalize(lower: bool, get_offsets: bool) -> Any:
        def fn(x: Any) -> Any:
            buffer = tf.constant(list(models[lower]), tf.uint8)
            return tuple(op(x, buffer, get_offsets=get_offsets))

        return fn

    def normalize_with(x: Any, buffer: Any) -> Any:
        return tuple(op(x, buffer, get_offsets=True))

    return [
        Case("FastBertNormalize", f"{label}, lower case, offsets", normalize(True, True), [text]),
        Case("FastBertNormalize", f"{label}, lower case, no offsets", normalize(True, False), [text]),
        Case("FastBertNormalize", f"{label}, cased, offsets", normalize(False, True), [text]),
        Case(
            "FastBertNormalize",
            f"{label}, lower case, offsets, model bytes as an input",
            normalize_with,
            [text, np.frombuffer(models[True], np.uint8).copy()],
        ),
    ]
