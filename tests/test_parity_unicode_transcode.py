"""UnicodeDecode, UnicodeDecodeWithOffsets, UnicodeEncode and UnicodeTranscode (tf.strings.unicode_decode,
unicode_split, unicode_encode, unicode_transcode; Keras TextVectorization(split="character")): the TFLite
kernels against TF's own (ICU converters), exactly: valid multi-byte text in UTF-8, UTF-16-BE and
UTF-32-BE; every ill-formed class (overlongs, encoded surrogates, code points past U+10FFFF, truncated
sequences, bytes F5..FF, stray continuation bytes, lone UTF-16 surrogates, odd trailing bytes) under each
errors mode, replace_control_characters and replacement_char (surrogates included); empty strings, empty
batches, ranks; TF's checks and errors."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite
from string_parity import check_cases, strings, tf_outputs

ENCODINGS = ("UTF-8", "UTF-16-BE", "UTF-32-BE")

UTF8_TEXTS = [
    b"",
    b"plain ascii",
    b"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87",  # 2-, 3-, 4-byte characters
    b"ctl\x00\x01\x1f\x7f\x0a\x09end",  # controls: U+0000..U+001F are replaced when asked, U+007F never
    b"\xc0\xaf \xc1\xbf \xe0\x80\xaf \xf0\x80\x80\xaf",  # overlong forms
    b"\xed\xa0\x80 \xed\xbf\xbf \xed\x9f\xbf",  # encoded surrogates; U+D7FF, the last before them
    b"\xf4\x90\x80\x80 \xf4\x8f\xbf\xbf",  # past U+10FFFF, and U+10FFFF
    b"\xf5\x80 \xf8\x88\x80\x80\x80 \xfe\xff \xff",  # lead bytes F5..FF
    b"\x80\xbf \x80\x80\x80",  # stray continuation bytes
    b"a\xe2\x82",  # truncated at the end
    b"\xe2\x82a \xf0\x9f\x98b \xf0\x9fc \xc3",  # truncated inside, and a lone lead at the end
    b"\xef\xbf\xbe\xef\xbf\xbf \xef\xbb\xbf",  # noncharacters U+FFFE, U+FFFF; a BOM
]
UTF16_TEXTS = [
    b"\x00a\x00\xe9\x20\xac\xd8\x3d\xde\x00\x00b",  # a, e-acute, euro, U+1F600 as a pair, b
    b"\xd8\x01",  # a lone high surrogate at the end
    b"\xd8\x00\x00a",  # a high surrogate before a non-surrogate
    b"\xd8\x01\xd8\x01\xdc\x01",  # two highs, then a pair
    b"\xdc\x00\x00b",  # a lone low surrogate
    b"\xd8\x01\x01",  # a high surrogate and one trailing byte
    b"\x00a\x01",  # an odd trailing byte
    b"\xfe\xff\x00\x01\x00\x1f",  # a BOM (kept) and controls
]
UTF32_TEXTS = [
    b"\x00\x00\x00a\x00\x01\xf6\x00\x00\x10\xff\xff",  # a, U+1F600, U+10FFFF
    b"\x00\x11\x00\x00\x00\x00\x00b",  # past U+10FFFF
    b"\x00\x00\xd8\x00\x00\x00\xdf\xff",  # surrogates
    b"\xff\xff\xff\xff\x80\x00\x00\x01",  # "negative" units
    b"\x00\x00\x00a\x00\x01",  # two trailing bytes
    b"\x00\x00\x01",  # three bytes only
    b"\x00\x00\x00\x00\x00\x00\x00\x1f",  # controls
]
ALL_TEXTS = UTF8_TEXTS + UTF16_TEXTS + UTF32_TEXTS
# No text ends in NUL: the Python runtimes feed strings through numpy bytes_, which drops trailing NULs.
assert not any(t.endswith(b"\x00") for t in ALL_TEXTS)


def signature(tf, *specs):
    return [tf.TensorSpec(shape, dtype, name=f"input_{i}") for i, (shape, dtype) in enumerate(specs)]


def decode_fn(tf, errors_modes, inputs=1):
    """Every input encoding, errors mode and replace_control_characters as nodes of one model, with
    replacement_char variants (a plain letter, a surrogate, NUL) and int32 row splits. With 3 inputs,
    each encoding decodes its own."""

    def fn(*args):
        out = {}
        for i, enc in enumerate(ENCODINGS):
            s = args[i % inputs]
            for errors in errors_modes:
                for rcc in (False, True):
                    key = f"{enc}_{errors}_{rcc}"
                    splits, chars, starts = tf.raw_ops.UnicodeDecodeWithOffsets(
                        input=s, input_encoding=enc, errors=errors, replace_control_characters=rcc
                    )
                    out.update({f"splits_{key}": splits, f"chars_{key}": chars, f"starts_{key}": starts})
            for k, (rc, tsplits) in enumerate(((0x41, tf.int32), (0xD800, tf.int64), (0, tf.int32))):
                splits, chars = tf.raw_ops.UnicodeDecode(
                    input=s,
                    input_encoding=enc,
                    errors=errors_modes[0],
                    replacement_char=rc,
                    replace_control_characters=k == 2,
                    Tsplits=tsplits,
                )
                out.update({f"d_splits_{enc}_{k}": splits, f"d_chars_{enc}_{k}": chars})
        return out

    return tf.function(fn, input_signature=signature(tf, *[([None], tf.string)] * inputs))


def test_decode_every_encoding_mode_and_ill_formed_class(tf):
    f = decode_fn(tf, ("replace", "ignore"))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"UnicodeDecodeWithOffsets": 12, "UnicodeDecode": 9}
    cases = [(strings(ALL_TEXTS),), (strings([b""]),), (strings([b"", b"", b"\xff"]),)]
    cases += [(strings([t]),) for t in ALL_TEXTS[2:11]]
    check_cases(f, model, cases)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_decode_strict(tf, runtime):
    """errors='strict' decodes well-formed text as the other modes do (controls replaced, not refused,
    with replace_control_characters) and refuses anything ill-formed, as TF does."""
    f = decode_fn(tf, ("strict",), inputs=3)
    model = opbridge.convert(f)
    good = [
        strings([b"", b"h\xc3\xa9 \x01\x00 \xf0\x9f\x98\x80"]),
        strings([b"\x00a\x00\x01\xd8\x3d\xde\x01", b""]),
        strings([b"\x00\x00\x00\x01\x00\x10\xff\xff"]),
    ]
    check_cases(f, model, [good], [runtime])
    for k, bad in enumerate((b"ok\xe2\x82", b"\xdc\x00\x00a", b"\x00\x11\x00\x01")):
        inputs = list(good)
        inputs[k] = strings([b"", bad])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid formatting on input string"):
            tf_outputs(f, inputs)
        with pytest.raises(RuntimeError, match="Invalid formatting on input string"):
            run_tflite(model, inputs, runtime)


def test_decode_as_users_call_it(tf):
    """tf.strings.unicode_split / unicode_decode / unicode_decode_with_offsets on rank 0, 1 and 2 input,
    read back as flat values and row splits."""

    def fn(v, m):
        a = tf.strings.unicode_split(v, "UTF-8")
        b = tf.strings.unicode_decode(m, "UTF-8", errors="ignore")
        c, offsets = tf.strings.unicode_decode_with_offsets(tf.reshape(v[:1], []), "UTF-8")
        return {
            "a_values": a.values,
            "a_splits": a.row_splits,
            "b_values": b.flat_values,
            "b_splits": b.nested_row_splits[-1],
            "c": c,
            "offsets": offsets,
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([None, None], tf.string)))
    model = opbridge.convert(f)
    # unicode_split decodes and encodes each character back.
    assert tflite_model.custom_op_counts(model) == {
        "UnicodeDecode": 2,
        "UnicodeEncode": 1,
        "UnicodeDecodeWithOffsets": 1,
    }
    grid = strings([[b"ab\xc3\xa9", b""], [b"\xff\xe4\xb8\xad", b"z"]])
    check_cases(f, model, [(strings(UTF8_TEXTS), grid), (strings([b"\xf0\x9f\x98\x80x"]), grid[:1])])


def encode_fn(tf, errors_modes, splits_dtype):
    def fn(values, splits):
        out = {}
        for enc in ENCODINGS:
            for errors in errors_modes:
                out[f"{enc}_{errors}"] = tf.raw_ops.UnicodeEncode(
                    input_values=values, input_splits=splits, output_encoding=enc, errors=errors
                )
            for rc in (0x41, 0xD800, 0xDFFF, 0x10FFFF):
                out[f"{enc}_rc_{rc}"] = tf.raw_ops.UnicodeEncode(
                    input_values=values, input_splits=splits, output_encoding=enc, replacement_char=rc
                )
        return out

    return tf.function(fn, input_signature=signature(tf, ([None], tf.int32), ([None], splits_dtype)))


CODE_POINTS = [0x61, 0xE9, 0x20AC, 0x1F600, 0x10FFFF, 0xFFFE, 0xFFFF, 0, 0x1F, 0xD7FF, 0xE000]
BAD_CODE_POINTS = [-1, -(2**31), 0x110000, 2**31 - 1, 0xD800, 0xDC00, 0xDBFF, 0xDFFF]


@pytest.mark.parametrize("splits_dtype", ["int64", "int32"])
def test_encode_every_encoding_mode_and_bad_code_point(tf, splits_dtype):
    dtype = np.dtype(splits_dtype)
    f = encode_fn(tf, ("replace", "ignore"), getattr(tf, splits_dtype))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"UnicodeEncode": 18}
    values = np.array(CODE_POINTS + BAD_CODE_POINTS + [0xD800, 0xDC00, 0x62, 0xDBFF], np.int32)
    n = len(values)
    cases = [
        (values, np.array([0, 3, 3, 11, 15, 19, n], dtype)),  # rows, an empty one among them
        (values, np.array([0, n], dtype)),
        (values[:4], np.array([0, 0, 4, 4], dtype)),
        (values[:1], np.array([0, 1], dtype)),
    ]
    check_cases(f, model, cases)


def test_encode_as_users_call_it(tf):
    """tf.strings.unicode_encode of a ragged tensor (rank 2 and 3), and a dense one (the wrapper splits
    it into uniform rows)."""

    def fn(values, splits, dense):
        ragged = tf.RaggedTensor.from_row_splits(values, splits)
        nested = tf.RaggedTensor.from_uniform_row_length(ragged, 1)
        return {
            "a": tf.strings.unicode_encode(ragged, "UTF-8"),
            "b": tf.strings.unicode_encode(nested, "UTF-16-BE", errors="ignore").flat_values,
            "c": tf.strings.unicode_encode(dense, "UTF-32-BE"),
        }

    f = tf.function(
        fn, input_signature=signature(tf, ([None], tf.int32), ([None], tf.int64), ([None, None], tf.int32))
    )
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model).get("UnicodeEncode") == 3
    values = np.array([0x68, 0xE9, -5, 0x1F600, 0x61, 0xD800], np.int32)
    dense = np.array([[0x41, 0x20AC], [0x10FFFF, 0x110000]], np.int32)
    check_cases(f, model, [(values, np.array([0, 2, 2, 6], np.int64), dense)])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_encode_errors(tf, runtime):
    """TF's checks of the splits and, with errors='strict', of the code points; the same messages."""
    f = encode_fn(tf, ("strict",), tf.int64)
    model = opbridge.convert(f)
    values = np.array(CODE_POINTS, np.int32)
    check_cases(f, model, [(values, np.array([0, 2, len(values)], np.int64))], [runtime])
    bad = [
        (values, np.array([1, len(values)]), "First value in input_splits must be zero"),
        (values, np.array([0, 2]), "Last value in input_splits must be equal to length of input_tensor"),
        (
            values,
            np.array([0, 5, 2, len(values)]),
            "Values in input_splits must be equal or in ascending order",
        ),
        (
            values,
            np.array([0, 20, len(values)]),
            "Values in input_splits must be less than or equal to input",
        ),
        (np.array([0x61, 0xD800], np.int32), np.array([0, 2]), "Code point is out of range for Unicode"),
        (np.array([0x61, -3], np.int32), np.array([0, 1, 2]), "Code point is out of range for Unicode"),
    ]
    for v, s, message in bad:
        s = s.astype(np.int64)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf_outputs(f, [v, s])
        with pytest.raises(RuntimeError, match=f"UnicodeEncode: {message}"):
            run_tflite(model, [v, s], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_encode_errors_row_by_row(tf, runtime):
    """TF checks row by row: row 1's bad code point is reported before row 2's descending split."""
    f = tf.function(
        lambda v, s: tf.raw_ops.UnicodeEncode(
            input_values=v, input_splits=s, output_encoding="UTF-8", errors="strict"
        ),
        input_signature=signature(tf, ([None], tf.int32), ([None], tf.int64)),
    )
    model = opbridge.convert(f)
    inputs = [np.array([0x61, -3, 0x62], np.int32), np.array([0, 2, 1, 3], np.int64)]
    message = "Code point is out of range for Unicode, or is a surrogate"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf_outputs(f, inputs)
    with pytest.raises(RuntimeError, match=f"UnicodeEncode: {message}"):
        run_tflite(model, inputs, runtime)


def test_transcode_every_pair_and_mode(tf):
    """Each input encoding to each output one, replace; ignore and replace_control_characters; a
    surrogate replacement_char (ICU's UTF-8 writes U+FFFD for it, UTF-16 and UTF-32 keep it); rank 2."""

    def fn(s):
        out = {}
        for src in ENCODINGS:
            for dst in ENCODINGS:
                out[f"{src}_{dst}"] = tf.raw_ops.UnicodeTranscode(
                    input=s, input_encoding=src, output_encoding=dst
                )
                out[f"{src}_{dst}_ignore_rcc"] = tf.raw_ops.UnicodeTranscode(
                    input=s,
                    input_encoding=src,
                    output_encoding=dst,
                    errors="ignore",
                    replace_control_characters=True,
                )
                out[f"{src}_{dst}_surrogate"] = tf.raw_ops.UnicodeTranscode(
                    input=s, input_encoding=src, output_encoding=dst, replacement_char=0xDBFF
                )
        out["user"] = tf.strings.unicode_transcode(
            tf.reshape(s, [-1, 1]), "UTF-8", "UTF-16-BE", "replace", 0x3F, True
        )
        return out

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string)))
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"UnicodeTranscode": 28}
    check_cases(
        f, model, [(strings(ALL_TEXTS),), (strings([b""]),), (strings([b"\xd8\x3d\xd8\x3d\xde\x01"]),)]
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_transcode_strict(tf, runtime):
    """errors='strict' refuses ill-formed input and, unlike the decode ops, a control character that
    replace_control_characters replaces."""

    def fn(s8, s16):
        return {
            "plain": tf.raw_ops.UnicodeTranscode(
                input=s8, input_encoding="UTF-8", output_encoding="UTF-16-BE", errors="strict"
            ),
            "rcc": tf.raw_ops.UnicodeTranscode(
                input=s16,
                input_encoding="UTF-16-BE",
                output_encoding="UTF-8",
                errors="strict",
                replace_control_characters=True,
            ),
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string), ([None], tf.string)))
    model = opbridge.convert(f)
    good = [
        strings([b"h\xc3\xa9\x01 \xf0\x9f\x98\x80", b""]),
        strings([b"\x00a\x00\xe9", b"\xd8\x3d\xde\x00\x00z"]),
    ]
    check_cases(f, model, [good], [runtime])
    for bad in ([strings([b"\xff"]), good[1]], [good[0], strings([b"\x00a", b"\x00\x01"])]):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid formatting on input string"):
            tf_outputs(f, bad)
        with pytest.raises(RuntimeError, match="UnicodeTranscode: Invalid formatting on input string"):
            run_tflite(model, bad, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_input_encoding_names(tf, runtime):
    """ICU matches converter names loosely ("utf8", "utf_16be" work in TF and here); an encoding
    opbridge does not implement (TF takes any ICU converter) is refused when the node is prepared,
    naming it, rather than decoded wrongly."""

    def fn(s):
        return {
            "utf8": tf.raw_ops.UnicodeDecode(input=s, input_encoding="utf8")[1],
            "utf16": tf.raw_ops.UnicodeTranscode(input=s, input_encoding="utf_16be", output_encoding="UTF-8"),
        }

    f = tf.function(fn, input_signature=signature(tf, ([None], tf.string)))
    check_cases(f, opbridge.convert(f), [(strings([b"\x00a\xc3\xa9\xff"]),)], [runtime])
    g = tf.function(
        lambda s: tf.raw_ops.UnicodeDecode(input=s, input_encoding="ISO-8859-1")[1],
        input_signature=signature(tf, ([None], tf.string)),
    )
    with pytest.raises(RuntimeError, match="input_encoding 'ISO-8859-1' is not supported by opbridge"):
        run_tflite(opbridge.convert(g), [strings([b"abc"])], runtime)


def test_text_vectorization_character_split(tf):
    """Keras TextVectorization(split="character") end to end: lowercase and strip punctuation, split into
    characters (UnicodeDecode + UnicodeEncode), look up a vocabulary, pad to a dense int tensor."""
    import keras

    vocab = ["a", "b", "c", "\u00e9", "\u4e2d", " ", "\U0001f600"]
    layers = {
        "default": keras.layers.TextVectorization(split="character", vocabulary=vocab),
        "raw": keras.layers.TextVectorization(split="character", standardize=None, vocabulary=vocab),
    }
    f = tf.function(
        lambda s: {k: layer(s) for k, layer in layers.items()},
        input_signature=[tf.TensorSpec([None], tf.string, name="input_0")],
    )
    model = opbridge.convert(f)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("UnicodeDecode") == 2 and counts.get("UnicodeEncode") == 2, counts
    texts = [b"Abc, \xc3\xa9!", b"", b"\xe4\xb8\xad\xf0\x9f\x98\x80 xyz", b"\xff bad \xe2\x82"]
    check_cases(f, model, [(strings(texts),), (strings(texts[:1]),)])
