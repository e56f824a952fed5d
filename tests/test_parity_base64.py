"""DecodeBase64 and EncodeBase64 (tf.io.decode_base64 / tf.io.encode_base64): the TFLite kernels
against TF's own, bytewise, in both runtimes: random binary strings of every length 0..130 and a
few of kilobytes, pad true and false, ranks 0-3 and empty tensors, decoding of padded, unpadded
and malformed inputs (misplaced padding, the standard alphabet's '+' and '/', whitespace, bytes
>= 128, lengths 1 mod 4) where TF's error is ours, and round trips."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession
from string_parity import assert_same, strings, tf_outputs

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def exact_input(value) -> np.ndarray:
    """A string input as TFLite's Python set_tensor keeps every byte of: an object array of bytes
    (a numpy bytes_ array, which opbridge.testing.run_tflite feeds, loses each element's trailing
    NULs), or for rank 0 a bytes_ scalar of exactly its length (set_tensor copies a 0-d array's raw
    buffer; an empty one cannot be fed, so rank-0 cases here are never empty)."""
    a = np.asarray(value, dtype=object)
    if a.ndim:
        return a
    b = bytes(a.item())
    assert b, "TFLite's Python set_tensor cannot feed an empty 0-d string"
    return np.array(b, dtype=f"S{len(b)}")


def run_exact(model: bytes, inputs, runtime: str, **kw) -> dict[str, np.ndarray]:
    """run_tflite with every input byte kept (exact_input), fed by index."""
    session = SignatureSession(model, runtime, **kw)
    interpreter = session.interpreter
    details = interpreter.get_input_details()
    arrays = [exact_input(v) for v in inputs]
    for detail, a in zip(details, arrays, strict=True):
        interpreter.resize_tensor_input(detail["index"], a.shape, strict=False)
    interpreter.allocate_tensors()
    for detail, a in zip(details, arrays, strict=True):
        if a.size:  # the Python runtimes refuse to touch an empty tensor
            interpreter.set_tensor(detail["index"], a)
    session.invoke()
    return session.outputs()


def check_cases(fn, model: bytes, cases) -> None:
    """Each case (the model's inputs, by index) through TF and each runtime: the same bytes."""
    for n, inputs in enumerate(cases):
        want = tf_outputs(fn, inputs)
        for runtime in RUNTIMES:
            shapes = [np.shape(x) for x in inputs]
            assert_same(want, run_exact(model, inputs, runtime), f"[{runtime}] case {n}, shapes {shapes}")


# Bytes a numpy bytes_ array would drop (exact_input keeps them).
TRAILING_NULS = strings([b"\x00", b"a\x00", b"\x00\x00", b"ab\x00\x00", b"\x00\x00\x00\x00"])


def random_bytes(rng: np.random.Generator, lengths) -> np.ndarray:
    return strings([rng.integers(0, 256, int(n), dtype=np.uint8).tobytes() for n in lengths])


def tf_error(tf, fn, args) -> str | None:
    """The text of TF's kernel error for fn(*args), or None if it succeeds."""
    try:
        fn(*args)
    except tf.errors.InvalidArgumentError as e:
        # In graph mode the kernel's text is the line before "\t [[{{node ...}}]]".
        found = re.search(r"([^\n]+)\n\t \[\[\{\{node", e.message)
        return found.group(1) if found else e.message.split("\n")[0]
    return None


def assert_fails_as_tf(model: bytes, args, message: str, context) -> None:
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as info:
            run_exact(model, list(args), runtime)
        assert f"DecodeBase64: {message}" in str(info.value), (context, runtime, str(info.value))


@pytest.mark.parametrize("pad", [False, True])
def test_encode_every_length_and_rank(tf, rng, pad):
    def fn(v, g, s):
        return {
            "vector": tf.io.encode_base64(v, pad=pad),
            "grid": tf.io.encode_base64(g, pad=pad),
            "scalar": tf.io.encode_base64(s, pad=pad),
        }

    model = convert_fn(fn, ([None], tf.string), ([None, None, None], tf.string), ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"EncodeBase64": 3}
    vector = np.concatenate([random_bytes(rng, range(131)), TRAILING_NULS])
    long = random_bytes(rng, [999, 1000, 1001, 4096, 4097, 4098])
    grid = random_bytes(rng, rng.integers(0, 40, 24)).reshape(2, 3, 4)
    check_cases(
        tf.function(fn),
        model,
        [
            (vector, grid, strings(b"\x00\xff\xfe")),
            (long, grid[:, :0], strings(b"a\x00")),
            (vector[:0], grid[:0], strings(random_bytes(rng, [5])[0])),
        ],
    )


def test_decode_tf_encodings(tf, rng):
    """TF's encodings, padded and not, of every length 0..130 and a few kilobytes, decode to TF's
    bytes (the original ones) in every rank."""

    def fn(v, g, s):
        return {
            "vector": tf.io.decode_base64(v),
            "grid": tf.io.decode_base64(g),
            "scalar": tf.io.decode_base64(s),
        }

    model = convert_fn(fn, ([None], tf.string), ([None, None, None], tf.string), ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeBase64": 3}
    f = tf.function(fn)
    raw = np.concatenate([random_bytes(rng, [*range(131), 999, 1000, 1001, 4096, 4097, 4098]), TRAILING_NULS])
    for pad in (False, True):
        encoded = tf.io.encode_base64(raw, pad=pad).numpy()
        grid = encoded[:24].reshape(2, 3, 4)
        check_cases(
            f, model, [(encoded, grid, strings(encoded[7])), (encoded[:0], grid[:, :0], strings(encoded[1]))]
        )
        assert f(encoded, grid, strings(encoded[1]))["vector"].numpy().tolist() == raw.tolist()


# Each alone: TF decodes it to the same bytes, or fails with the same text.
EDGE_CASES = [
    b"",
    b"A",
    b"AB",
    b"AP",  # unused low bits set: not checked
    b"ABC",
    b"ABD",
    b"ABCD",
    b"AB==",
    b"AP==",
    b"ABC=",
    b"ABD=",
    b"A===",
    b"====",
    b"A=",
    b"AB=",
    b"AB=C",
    b"A=BC",
    b"=ABC",
    b"ABCDE",
    b"ABCD=",
    b"ABCD==",
    b"ABCD===",
    b"ABCDA===",
    b"ABCDAB==",
    b"ABCDABC=",
    b"AB==AB==",
    b"AB==ABCD",
    b"-_-_",
    b"+/+/",
    b"ab+c",
    b"ab/c",
    b"AB CD",
    b" ABCD",
    b"ABCD\n",
    b"ABCD\nEFGH",
    b"AB\tC",
    b"\x80AAA",
    b"AAA\xff",
    b"AB\x00C",
    b"AAAAA",  # 1 mod 4, the blocks before valid: the length error
    b"A!AAA",  # an invalid character before the last block wins over the length
    b"AAAA!",  # the last 1 character is never looked at: the length error
    b"AAAAAAAA!",
    b"AAAA!AAAA",
    b"AAAAAA!A",
    b"AAAAAAA\x80",
    b"aGVsbG8gd29ybGQ",
    b"aGVsbG8gd29ybGQ=",
    b"aGVsbG8gd29ybGQ==",
]


def test_decode_edge_cases_one_by_one(tf):
    f = tf.function(tf.io.decode_base64, input_signature=[tf.TensorSpec([None], tf.string, name="input_0")])
    model = convert_fn(tf.io.decode_base64, ([None], tf.string))
    failures = 0
    for text in EDGE_CASES:
        args = [strings([text])]
        message = tf_error(tf, f, args)
        if message is None:
            check_cases(f, model, [args])
        else:
            failures += 1
            assert_fails_as_tf(model, args, message, text)
    assert failures > 20  # the list exercises TF's errors as much as its successes


def test_decode_random_near_base64(tf, rng):
    """Random strings over the alphabet, '=' and a few invalid bytes, lengths 0..13: the ones TF
    decodes, together in one tensor; each it refuses, alone, with TF's text."""
    f = tf.function(tf.io.decode_base64, input_signature=[tf.TensorSpec([None], tf.string, name="input_0")])
    model = convert_fn(tf.io.decode_base64, ([None], tf.string))
    symbols = list(ALPHABET) + [ord("=")] * 24 + [ord("+"), ord(" "), 0x80, 0x00]
    good, bad = [], []
    for n in rng.integers(0, 14, 600):
        text = bytes(rng.choice(symbols, int(n)).tolist()) if n else b""
        if rng.random() < 0.5:  # well-formed but for padding: more of them decode
            text = bytes(rng.choice(list(ALPHABET), int(n)).tolist()) + b"=" * int(rng.integers(0, 3))
        message = tf_error(tf, f, [strings([text])])
        (good if message is None else bad).append((text, message))
    assert len(good) > 100 and len(bad) > 150, (len(good), len(bad))
    check_cases(f, model, [(strings([t for t, _ in good]),)])
    for text, message in bad[:120]:
        assert_fails_as_tf(model, [strings([text])], message, text)


def test_decode_first_failing_element_is_the_error(tf, rng):
    """TF stops at the first element that fails; so do we, with that element's error, however the
    tensor is split over threads (many valid strings before and after)."""
    f = tf.function(tf.io.decode_base64, input_signature=[tf.TensorSpec([None], tf.string, name="input_0")])
    model = convert_fn(tf.io.decode_base64, ([None], tf.string))
    valid = list(tf.io.encode_base64(random_bytes(rng, rng.integers(0, 300, 400))).numpy())
    for first, second in ((b"AAAAA", b"AB=C"), (b"AB=C", b"AAAAA")):
        for at in (0, 57, 399):
            batch = [*valid[:at], first, *valid[at : at + 100], second, *valid[at + 100 :]]
            args = [strings(batch)]
            message = tf_error(tf, f, args)
            assert message is not None and message == tf_error(tf, f, [strings([first])])
            for runtime in RUNTIMES:
                with pytest.raises(RuntimeError) as info:
                    run_exact(model, args, runtime, num_threads=4)
                assert f"DecodeBase64: {message}" in str(info.value), (first, at, runtime)


@pytest.mark.parametrize("pad", [False, True])
def test_round_trip(tf, rng, pad):
    """encode then decode in one model gives TF's (and the original) bytes; decode then encode
    gives TF's canonical form of strings whose unused bits are set."""

    def fn(raw, b64):
        return {
            "there_and_back": tf.io.decode_base64(tf.io.encode_base64(raw, pad=pad)),
            "back_and_there": tf.io.encode_base64(tf.io.decode_base64(b64), pad=pad),
        }

    model = convert_fn(fn, ([None, None], tf.string), ([None], tf.string))
    assert tflite_model.custom_op_counts(model) == {"EncodeBase64": 2, "DecodeBase64": 2}
    raw = random_bytes(rng, rng.integers(0, 200, 60)).reshape(6, 10)
    b64 = strings([b"AP", b"ABD", b"AP==", b"ABD=", b"-_-_", b"", b"_w", b"__8"])
    check_cases(tf.function(fn), model, [(raw, b64), (raw[:0], b64[:0])])
    assert tf.function(fn)(raw, b64)["there_and_back"].numpy().tolist() == raw.tolist()
