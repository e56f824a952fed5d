"""StaticRegexReplace, RegexReplace, StaticRegexFullMatch, RegexFullMatch: opbridge's TFLite kernels
(RE2 2022-06-01 built in, Unicode 15.0 tables) against TF's own kernels, exact, in both runtimes.

Covers groups and rewrites (\\0-\\9, a group the pattern lacks, a bad escape), replace_global false,
empty matches (RE2's one-UTF-8-character skip), anchors and multiline, \\p classes and case folding
over every code point, UTF-8, ill-formed UTF-8 and NUL bytes in the input, empty tensors and ranks
0-3 (one model per family, inputs resized), Keras TextVectorization's standardize, and the errors:
an invalid pattern attr at prepare, an invalid or non-scalar pattern tensor at invoke."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession
from string_parity import check_cases

WORDS = [
    b"ab1c2 d3",
    b"  padded\tline \n",
    b"",
    b"aaa",
    b"Hello, World! (x) [y] {z} a-b_c",
    "é€ü漢字かな😀 ΣΑΣ σς straße STRASSE".encode(),
    "ǅungla İstanbul ﬁ Kelvin K".encode(),
    b"\xff\xfea",  # ill-formed UTF-8: RE2 matches bytes, empty matches step one byte
    b"a\xc3",  # truncated sequence at the end
    b"\xc0\xaf\xe2\x82",  # overlong and truncated
    # NULs are bytes like others (no c_str in TF's regex kernels); none trailing: numpy's
    # fixed-width bytes, which the Python runtimes' set_tensor goes through, drop those.
    b"a\x00b\x00c",
    b"line1\nline2\n",
]

# (pattern, rewrite, replace_global): the cases StaticRegexReplace and RegexReplace share.
REPLACES = [
    (r"(\w)(\d)", r"\2\1", True),
    (r"", "-", True),
    (r"a*", "X", False),
    (r"a*", "X", True),
    (r"^\s+|\s+$", "", True),
    (r"\p{P}", "", True),
    (r"[\p{Han}\p{Hiragana}]", r" \0 ", True),
    (r"(?i)straße|σ", r"<\0>", True),
    (r"(a)", r"\2", True),  # names a group the pattern lacks: RE2 leaves the string unchanged
    (r"(a)", r"\x", True),  # bad escape in the rewrite
    (r"(a)", r"\x", False),
    (r"\b", "|", True),
    (r"$", "!", True),
    (r"(?m)^", ">", True),
    (r".", "\\\\", False),
    (r"\C", "_", False),
    (r"(?U)a+", "[\\0]", True),
    (r"[^\x00-\x7f]+", "?", True),
    # One ASCII character of a set (the kernel's byte-table path) ...
    (r"[,.!(){}\[\]\-_]", "", True),
    (r"[a-c\x00\n]", "<>", True),
    (r"[a-c\x00\n]", "<>", False),
    (r"a", "ZZ", True),
    (r"\t", "", False),
    # ... and near misses RE2 runs: case folding (K is also U+212A), a negated or non-ASCII
    # class, a rewrite with an escape.
    (r"(?i)k", "_", True),
    (r"[^a ]", "", True),
    (r"[a\x{e9}]", "", True),
    (r"[ab]", r"\0\0", True),
]
FULL_MATCHES = [r"\p{L}+", r"", r"[a-z]*\d?", r"(?s).*", r".*", r"\C*", r"(?i)[a-z ]+", r"\x00?a\x00b\x00c"]
# Rank 0 takes a non-empty word: the Python runtimes write a 0-d string array's raw itemsize
# bytes (an empty one as one NUL byte), so an empty scalar string cannot be fed.
SHAPES = [(len(WORDS),), (0,), (3, 4), (), (2, 1, 6)]


def take(shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
    n = int(np.prod(shape))
    return np.array([WORDS[(offset + i) % len(WORDS)] for i in range(n)], dtype=object).reshape(shape)


def test_static_ops_every_case_and_rank(tf):
    """One model: every replace case and full-match pattern as attrs, fed ranks 0-3 and empty."""

    def fn(x):
        out = {
            f"replace_{i}": tf.strings.regex_replace(x, p, r, replace_global=g)
            for i, (p, r, g) in enumerate(REPLACES)
        }
        out.update({f"match_{i}": tf.strings.regex_full_match(x, p) for i, p in enumerate(FULL_MATCHES)})
        return out

    model = convert_fn(fn, ([None], tf.string))
    assert tflite_model.custom_op_counts(model) == {
        "StaticRegexReplace": len(REPLACES),
        "StaticRegexFullMatch": len(FULL_MATCHES),
    }
    check_cases(fn, model, [[take(shape, k)] for k, shape in enumerate(SHAPES)])


def test_pattern_tensors(tf):
    """RegexReplace (both replace_global) and RegexFullMatch with pattern and rewrite fed at run time:
    every case through one model. They arrive as [1] tensors reshaped to scalars in the model: the
    Python runtimes cannot feed an empty scalar string (see SHAPES)."""

    def fn(x, pattern, rewrite):
        pattern, rewrite = tf.reshape(pattern, []), tf.reshape(rewrite, [])
        return {
            "global": tf.strings.regex_replace(x, pattern, rewrite),
            "first": tf.strings.regex_replace(x, pattern, rewrite, replace_global=False),
            "match": tf.strings.regex_full_match(x, pattern),
        }

    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    assert tflite_model.custom_op_counts(model) == {"RegexReplace": 2, "RegexFullMatch": 1}
    one = lambda s: np.array([s.encode()], dtype=object)  # noqa: E731
    cases = [[take((len(WORDS),)), one(p), one(r)] for p, r, _ in REPLACES]
    cases += [[take(shape, 3), one(r"(\w+)"), one(r"<\1>")] for shape in [(0,), (2, 3)]]
    check_cases(fn, model, cases)


def test_pattern_tensors_that_change_between_invokes_of_one_interpreter(tf):
    """RegexReplace and RegexFullMatch keep the node's last pattern compiled: patterns set between
    invokes of one interpreter (set_tensor alone: no new prepare) that change, come back, or are
    invalid in between give TF's outputs (and TF's error) each time."""
    import opbridge

    def fn(x, pattern, rewrite):
        pattern, rewrite = tf.reshape(pattern, []), tf.reshape(rewrite, [])
        return {
            "global": tf.strings.regex_replace(x, pattern, rewrite),
            "match": tf.strings.regex_full_match(x, pattern),
        }

    model = convert_fn(fn, ([None], tf.string), ([1], tf.string), ([1], tf.string))
    one = lambda s: np.array([s.encode()], dtype=object)  # noqa: E731
    x = take((len(WORDS),))
    interpreter = opbridge.Interpreter(model_content=model, num_threads=2)
    inputs = [d["index"] for d in interpreter.get_input_details()]
    interpreter.resize_tensor_input(inputs[0], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(inputs[0], x)
    cases = [(r"(\w)(\d)", r"\2\1"), (r"a*", "X"), ("(a|b", "-"), (r"(\w)(\d)", r"\2\1"), (r"\p{L}+", "")]
    for pattern, rewrite in cases:
        interpreter.set_tensor(inputs[1], one(pattern))
        interpreter.set_tensor(inputs[2], one(rewrite))
        if pattern == "(a|b":
            with pytest.raises(RuntimeError, match="Invalid pattern"):
                interpreter.invoke()
            continue
        interpreter.invoke()
        want = fn(tf.constant(x), tf.constant(one(pattern)), tf.constant(one(rewrite)))
        got = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
        expected = [v.numpy().tolist() for v in want.values()]
        assert sorted(repr(np.asarray(g).tolist()) for g in got) == sorted(map(repr, expected)), pattern


# Class bodies; each test pattern deletes the complement, [^body]+ (no capture group: RE2's DFA
# finds each run, so one pass over all code points takes milliseconds).
CLASSES = [
    r"\p{L}", r"\p{Lu}", r"\p{Ll}", r"\p{Lt}", r"\p{Lm}", r"\p{Lo}", r"\p{M}", r"\p{Mn}", r"\p{Mc}",
    r"\p{N}", r"\p{Nd}", r"\p{No}", r"\p{P}", r"\p{S}", r"\p{Sc}", r"\p{So}", r"\p{Z}", r"\p{Cf}",
    r"\p{Han}", r"\p{Latin}", r"\p{Greek}", r"\p{Arabic}", r"\p{Common}", r"\p{Inherited}", r"\s",
    r"\w", r"\d", r"[:punct:]", r"(?i)a-zσǆ", r"(?i)\x{100}-\x{24f}", r"(?i)\x{10400}-\x{1044f}ⓐ-ⓩ",
]  # fmt: skip


def test_unicode_classes_over_every_code_point(tf):
    """RE2's Unicode tables (ours generated from Unicode 15.0, TF's RE2 its own) and case folding:
    each class's members among all code points, kept by deleting the rest of one string holding
    them all."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000).encode()

    def negated(body: str) -> str:
        flags, body = (body[:4], body[4:]) if body.startswith("(?i)") else ("", body)
        return f"{flags}[^{body}]+"

    def fn(x):
        return {f"class_{i}": tf.strings.regex_replace(x, negated(c), "") for i, c in enumerate(CLASSES)}

    model = convert_fn(fn, ([1], tf.string))
    check_cases(fn, model, [[np.array([everything], dtype=object)]])


def test_keras_text_vectorization_standardize(tf):
    """TextVectorization's lower_and_strip_punctuation (StringLower + StaticRegexReplace): the
    layer's own preprocessing, split off."""
    import keras

    layer = keras.layers.TextVectorization(standardize="lower_and_strip_punctuation", split=None)

    def fn(x):
        return {"standardized": layer._preprocess(x)}

    model = convert_fn(fn, ([None, 1], tf.string))
    assert tflite_model.custom_op_counts(model) == {"StringLower": 1, "StaticRegexReplace": 1}
    check_cases(fn, model, [[take((len(WORDS), 1))], [take((3, 1), 4)]])


def tf_error(tf: Any, call: Any) -> str:
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        call()
    return info.value.message


@pytest.mark.parametrize("op", ["replace", "full_match"])
def test_invalid_pattern_attr_fails_at_prepare(tf, op):
    pattern = r"(a|b"
    call = {
        "replace": lambda x: tf.strings.regex_replace(x, pattern, "r"),
        "full_match": lambda x: tf.strings.regex_full_match(x, pattern),
    }[op]
    message = "Invalid pattern: (a|b, error: missing ): (a|b"
    assert message in tf_error(tf, lambda: call(tf.constant([b"a"])))
    model = convert_fn(lambda x: {"y": call(x)}, ([2], tf.string))
    name = {"replace": "StaticRegexReplace", "full_match": "StaticRegexFullMatch"}[op]
    assert tflite_model.custom_op_counts(model) == {name: 1}
    for runtime in RUNTIMES:
        with pytest.raises(Exception) as info:
            SignatureSession(model, runtime).set_inputs([take((2,))])
        text = str(info.value)
        assert name in text and "attr 'pattern'" in text and message in text, (runtime, text)


def test_invalid_or_non_scalar_pattern_tensor_fails_at_invoke(tf):
    """TF's shape function keeps a non-scalar pattern out of graphs; a TFLite input resized to [2]
    gets TF's kernel's error."""
    from tensorflow.python.ops import gen_string_ops

    def fn(x, pattern):
        return {"y": tf.strings.regex_replace(x, pattern, "r"), "m": tf.strings.regex_full_match(x, pattern)}

    model = convert_fn(fn, ([2], tf.string), ([], tf.string))
    x = take((2,))
    for pattern, expected in [
        (np.array([b"(a", b"b"], dtype=object), "Pattern must be scalar, but received [2]"),
        (np.array(b"a{2,1}", dtype=object), "Invalid pattern: a{2,1}, error: invalid repetition size: {2,1}"),
        (np.array(b"\\", dtype=object), "Invalid pattern: \\, error: trailing \\"),
    ]:
        assert expected in tf_error(tf, lambda p=pattern: gen_string_ops.regex_replace(x, p, b"r"))
        assert expected in tf_error(tf, lambda p=pattern: gen_string_ops.regex_full_match(x, p))
        for runtime in RUNTIMES:
            session = SignatureSession(model, runtime)
            session.set_inputs([x, pattern])
            with pytest.raises(Exception) as info:
                session.invoke()
            text = str(info.value)
            assert "input 'pattern'" in text and expected in text, (runtime, text)
