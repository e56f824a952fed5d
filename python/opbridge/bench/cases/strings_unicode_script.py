"""tf.strings.unicode_script: the script of each code point, as text models that group or filter
characters by script run it after unicode_decode: mostly Latin and CJK text, and code points spread
over the whole range (every table block)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = max(2, (1 << 20) // scale)
    # Text-like: ASCII letters and spaces, Latin-1, Cyrillic, CJK ideographs, emoji.
    spans = [(0x20, 0x7F), (0xC0, 0x180), (0x400, 0x500), (0x4E00, 0x9FA0), (0x1F300, 0x1F600)]
    pools = [np.arange(a, b) for a, b in spans]
    text = np.concatenate([rng.choice(p, n // len(pools)) for p in pools]).astype(np.int32)
    rng.shuffle(text)
    spread = rng.integers(0, 0x110000, n, dtype=np.int32)
    script = tf.strings.unicode_script
    return [
        Case("UnicodeScript", f"[{text.size}] text code points", script, [text]),
        Case("UnicodeScript", f"[{spread.size}] code points over 0..0x10FFFF", script, [spread]),
    ]
