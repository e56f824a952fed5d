"""Web-safe base64 (tf.io.decode_base64 / tf.io.encode_base64): what serving models that take
images as base64 text run first, on a batch of image-sized strings (1-4 KB) and on many short
tokens (8-64 bytes)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from .case import Case


def _random_bytes(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Random bytes, none ending in NUL: the fuzz seeds store strings as numpy bytes_, which drop
    trailing NULs (tests/make_fuzz_seeds.py)."""
    out = []
    for n in lengths:
        b = rng.integers(0, 256, int(n), dtype=np.uint8)
        b[-1:] |= 1
        out.append(b.tobytes())
    return np.array(out, dtype=object)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    big = _random_bytes(rng, rng.integers(1024, 4097, max(2, 1024 // scale)))
    small = _random_bytes(rng, rng.integers(8, 65, max(2, 16384 // scale)))
    # Python's urlsafe encoding is TF's with pad=True; the short ones without padding.
    big_b64 = np.array([base64.urlsafe_b64encode(s) for s in big], dtype=object)
    small_b64 = np.array([base64.urlsafe_b64encode(s).rstrip(b"=") for s in small], dtype=object)
    big_label = f"[{big.size}] strings of 1-4 KB"
    small_label = f"[{small.size}] strings of 8-64 bytes"
    return [
        Case("DecodeBase64", f"{big_label}, padded", tf.io.decode_base64, [big_b64]),
        Case("DecodeBase64", f"{small_label}, unpadded", tf.io.decode_base64, [small_b64]),
        Case("EncodeBase64", f"{big_label}, pad", lambda s: tf.io.encode_base64(s, pad=True), [big]),
        Case("EncodeBase64", small_label, lambda s: tf.io.encode_base64(s), [small]),
    ]
