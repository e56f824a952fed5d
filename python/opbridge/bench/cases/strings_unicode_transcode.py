"""Unicode transcoding (tf.strings.unicode_decode / unicode_split / unicode_encode / unicode_transcode, Keras
TextVectorization(split="character")) on sentences of mixed-script words, some with ill-formed bytes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

WORDS = [
    b"the",
    b"fox",
    b"caf\xc3\xa9",
    b"\xe4\xb8\xad\xe6\x96\x87",
    b"\xf0\x9f\x98\x80",
    b"\xd0\xbf\xd1\x80\xd0\xb8",
    b"bad\xe2\x82",  # truncated: replaced by U+FFFD
    b"\xc0\xafx",  # overlong: two U+FFFD
]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(2, 1024 // scale)
    lengths = rng.integers(0, 16, batch)
    sentences = np.array([b" ".join(rng.choice(WORDS, n)) + b"." for n in lengths], dtype=object)
    label = f"[{batch}] sentences"
    codes = tf.strings.unicode_decode(sentences, "UTF-8")
    values = codes.flat_values.numpy()
    splits = codes.row_splits.numpy()

    def decode(s: Any) -> tuple[Any, ...]:
        return tuple(tf.raw_ops.UnicodeDecode(input=s, input_encoding="UTF-8"))

    def decode_with_offsets(s: Any) -> tuple[Any, ...]:
        return tuple(tf.raw_ops.UnicodeDecodeWithOffsets(input=s, input_encoding="UTF-8", errors="ignore"))

    def encode(v: Any, sp: Any) -> Any:
        return tf.raw_ops.UnicodeEncode(input_values=v, input_splits=sp, output_encoding="UTF-16-BE")

    def transcode(s: Any) -> Any:
        return tf.raw_ops.UnicodeTranscode(input=s, input_encoding="UTF-8", output_encoding="UTF-32-BE")

    return [
        Case("UnicodeDecode", f"{label}, UTF-8", decode, [sentences]),
        Case("UnicodeDecodeWithOffsets", f"{label}, UTF-8, ignore", decode_with_offsets, [sentences]),
        Case(
            "UnicodeEncode",
            f"[{values.size}] code points in {batch} rows, UTF-16-BE",
            encode,
            [values, splits],
        ),
        Case("UnicodeTranscode", f"{label}, UTF-8 to UTF-32-BE", transcode, [sentences]),
    ]
