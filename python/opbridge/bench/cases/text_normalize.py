"""tensorflow-text's Unicode ops: NormalizeUTF8 (NFC and NFKD, as keras-hub's BERT preprocessing uses
NFD/NFKD before stripping accents) and CaseFoldUTF8 (its lowercasing), over mixed-script words with
precomposed and decomposed accents, compatibility characters and Hangul. No cases without
tensorflow_text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

# Precomposed and decomposed Latin, Greek with tonos and final sigma, ligatures, fullwidth, Hangul.
ALPHABET = [*"aeiouAEIOUÅéÉñßİΣσςάΆﬁﬃＡｂ１가각한글", "e\u0301", "A\u030a", "\u1100\u1161", "o\u0323\u0302"]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    try:
        import tensorflow_text as tft
    except ImportError:
        return []
    n = max(64, 8192 // scale)
    text = np.array(
        [
            " ".join(
                "".join(rng.choice(ALPHABET, int(rng.integers(1, 9)))) for _ in range(int(rng.integers(1, 6)))
            ).encode()
            for _ in range(n)
        ],
        object,
    )
    return [
        Case("NormalizeUTF8", f"NFC {n} strings", lambda x: tft.normalize_utf8(x, "NFC"), [text]),
        Case("NormalizeUTF8", f"NFKD {n} strings", lambda x: tft.normalize_utf8(x, "NFKD"), [text]),
        Case("CaseFoldUTF8", f"{n} strings", tft.case_fold_utf8, [text]),
    ]
