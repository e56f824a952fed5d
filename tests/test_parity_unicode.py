"""CaseFoldUTF8 and NormalizeUTF8 (NFC, NFD, NFKC, NFKD): opbridge's ICU-free TFLite kernels vs
tensorflow-text's ICU kernels, exact bytes. Every code point (surrogates excluded) in a few big
strings, the canonical and compatibility decompositions of every code point (recomposition), random
runs of combining marks in every order (canonical reordering, blocking), Hangul jamo and syllables,
final sigma, dotted I, sharp s, ligatures, NUL bytes, ill-formed UTF-8, multi-dim and empty tensors,
and the unknown-form error. One model holds all five ops; inputs are resized, not reconverted."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession

FORMS = ("NFC", "NFD", "NFKC", "nfkd")  # the last lower-case: the kernel upper-cases the attr, as TF


def code_points() -> list[int]:
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def chunks(text: str, size: int) -> list[bytes]:
    return [text[i : i + size].encode() for i in range(0, len(text), size)]


def every_code_point() -> np.ndarray:
    """All code points in order, 2048 to a string (neighbours compose and reorder too)."""
    return np.array(chunks("".join(map(chr, code_points())), 2048), dtype=object)


def sequences() -> np.ndarray:
    """Decomposed forms of every decomposable code point (Python's data, to recompose), then seeded
    random sequences of starters and combining marks, Hangul, case and byte-level edge cases."""
    rng = random.Random(15)
    decomposed = []
    for cp in code_points():
        for form in ("NFD", "NFKD"):
            d = unicodedata.normalize(form, chr(cp))
            if d != chr(cp):
                decomposed.append(d + " ")
    marks = [cp for cp in code_points() if unicodedata.combining(chr(cp))]
    starters = "aAeEoOuUiIsSkK\u03a3\u03c3\u03b1\u0391\u03c9\u1100\u1161\u11a8\uac00\u0b47\u0915\u0627\u05d0"
    out = chunks("".join(decomposed), 512)
    for _ in range(4000):
        s = rng.choice(starters) + "".join(chr(rng.choice(marks)) for _ in range(rng.randint(0, 5)))
        out.append((s + rng.choice(starters + "  ")).encode())
    jamo = [(0x1100, 21), (0x1161, 23), (0x11A7, 30), (0xAC00, 11172)]
    for _ in range(1000):
        out.append(
            "".join(chr(b + rng.randrange(n)) for b, n in rng.choices(jamo, k=rng.randint(1, 6))).encode()
        )
    pieces = [b"A", b"\x80", b"\xc3", b"\x84", b"\xcc\x88", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
    pieces += [b"\xce\xa3", b" ", b"\xff", b"\x00", b"\xcd\x85", b"\xc0\xaf", b"\xf0\x9f\x98"]
    for _ in range(2000):
        # Not ending in NUL: numpy's fixed-width bytes, which the Python runtimes feed through, drop it.
        out.append(b"".join(rng.choices(pieces, k=rng.randint(0, 8))) + b".")
    special = [
        "\u03a3\u03a3 \u03a3",  # sigma: case folding has no final form
        "A\u03a3. a'\u03a3 \u1f88\u0345",
        "\u0130 \u0131 \u00df \u1e9e \ufb01 \ufb03 \u0149 \u01f0 \u1fb3 \u0390 \u212a \u2126 \u00c5",
        "\u00ad\u200b\u200d\ufeff\U000e0001\u034f\u180b",  # default ignorables: NFKC_Casefold drops them
        "\u1e9b\u0323 \u0071\u0307\u0323 \u1e0b\u0323 \u0f73\u0f75\u0f81",
        "\u3300 \u33ff \ufdfa \uff76\uff9e \u2460 \u00bd \u2102",
        "a\x00\u00c5\x00A\u0308",
        "",
    ]
    out += [s.encode() for s in special]
    # Long texts: the kernel finishes and writes out decomposed text in pieces between boundaries;
    # a run of marks with no boundary, jamo that compose across pieces, an 18-fold expansion.
    out.append(("a" + "".join(chr(rng.choice(marks)) for _ in range(3000))).encode())
    out.append(
        "".join(rng.choice(["\u1100", "\u1161", "\u11a8", "\uac00", "x"]) for _ in range(5000)).encode()
    )
    out += [("\ufdfa" * 3000).encode(), ("e\u0301\u0323" * 2000).encode()]
    return np.array(out, dtype=object)


@pytest.fixture(scope="module")
def model(tf: Any) -> Any:
    import tensorflow_text as tft

    def fn(x: Any) -> dict[str, Any]:
        out = {f"norm_{f.lower()}": tft.normalize_utf8(x, f) for f in FORMS}
        out["casefold"] = tft.case_fold_utf8(x)
        return out

    concrete = tf.function(fn, input_signature=[tf.TensorSpec([None, None], tf.string, name="input_0")])
    converted = convert_fn(fn, ([None, None], tf.string))
    assert tflite_model.custom_op_counts(converted) == {"NormalizeUTF8": len(FORMS), "CaseFoldUTF8": 1}
    return concrete, converted, {runtime: SignatureSession(converted, runtime) for runtime in RUNTIMES}


def check(model: Any, tf: Any, x: np.ndarray, fresh: bool = False) -> None:
    concrete, converted, sessions = model
    if fresh:  # a zero-element input cannot be written, so a used session would keep the last strings
        sessions = {runtime: SignatureSession(converted, runtime) for runtime in RUNTIMES}
    expected = {k: v.numpy() for k, v in concrete(tf.constant(x)).items()}
    for runtime, session in sessions.items():
        session.set_inputs([x])
        session.invoke()
        actual = session.outputs()
        assert sorted(actual) == sorted(expected)
        for name, e in expected.items():
            a = actual[name]
            assert a.shape == e.shape, f"[{runtime}] {name}: shape {a.shape}, TF gives {e.shape}"
            bad = [i for i, (u, v) in enumerate(zip(a.ravel(), e.ravel(), strict=True)) if u != v]
            if bad:
                i = bad[0]
                raise AssertionError(
                    f"[{runtime}] {name}: {len(bad)} of {e.size} strings differ; first at {i}: input "
                    f"{x.ravel()[i][:80]!r} tf {e.ravel()[i][:80]!r} tflite {a.ravel()[i][:80]!r}"
                )


def test_every_code_point(model: Any, tf: Any) -> None:
    check(model, tf, every_code_point()[:, None])


def test_sequences_reordering_composition_and_ill_formed_utf8(model: Any, tf: Any) -> None:
    x = sequences()
    x = np.concatenate([x, np.array([b"."] * (-len(x) % 4), dtype=object)])
    check(model, tf, x.reshape(-1, 4))  # 2-D: the shape passes through


def test_empty_tensors(model: Any, tf: Any) -> None:
    check(model, tf, np.zeros((0, 3), dtype=object), fresh=True)
    check(model, tf, np.zeros((2, 0), dtype=object), fresh=True)


def test_unknown_form_is_an_error(tf: Any) -> None:
    import tensorflow_text as tft

    import opbridge

    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Unknown normalization form requrested: NFKC_CF"
    ):
        tft.normalize_utf8(tf.constant([b"a"]), "nfkc_cf")
    converted = convert_fn(lambda x: tft.normalize_utf8(x, "nfkc_cf"), ([None], tf.string))
    for runtime in RUNTIMES:
        with pytest.raises(Exception, match=r"NormalizeUTF8.*Unknown normalization form requrested: NFKC_CF"):
            interp = opbridge.Interpreter(model_content=converted, runtime=runtime)
            interp.allocate_tensors()
            interp.set_tensor(interp.get_input_details()[0]["index"], np.array([b"a"], dtype=object))
            interp.invoke()
