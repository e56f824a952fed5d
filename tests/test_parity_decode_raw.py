"""DecodeRaw and DecodePaddedRaw (tf.io.decode_raw, without and with fixed_length): the TFLite
kernels against TF's, byte for byte, in both runtimes:
every out_type TF registers, little and big endian (complex parts swapped each on its own),
random bytes (NaN payloads, subnormals, bool bytes other than 0 and 1, trailing NULs), empty
strings and empty tensors, rank 2 inputs, long strings on 1 and 2 threads; TF's errors for strings
of different lengths and lengths that are not a multiple of the element size."""

from __future__ import annotations

import numpy as np

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases
from conftest import convert_fn, registered_cpu_dtypes
from opbridge import tflite_model

TYPES = ["float16", "float32", "float64", "int32", "uint16", "uint8", "int16", "int8", "int64"]
TYPES += ["complex64", "complex128", "bool", "bfloat16"]


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("DecodeRaw", "out_type") == set(TYPES)


def random_strings(rng: np.random.Generator, shape, length: int) -> np.ndarray:
    n = int(np.prod(shape))
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
    if n and length:
        out[0] = b"\x00" * length  # zeros, and trailing NULs the feeding must keep
    return out.reshape(shape)


def test_every_type_and_byte_order(tf, rng):
    def fn(s):
        return {
            f"{t}_{'le' if le else 'be'}": tf.io.decode_raw(s, tf.as_dtype(t), little_endian=le)
            for t in TYPES
            for le in (True, False)
        }

    model = convert_fn(fn, ((None, None), tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeRaw": 2 * len(TYPES)}
    cases = [
        [random_strings(rng, shape, length)] for shape, length in [((3, 4), 32), ((2, 1), 16), ((1, 2), 0)]
    ]
    cases += [[random_strings(rng, (0, 3), 16)], [random_strings(rng, (2, 2), 4096)]]
    check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


def test_errors_as_tf(tf):
    """Each model holds one DecodeRaw (with two failing nodes, which one TF reports is its
    executor's choice)."""
    texts = []
    for out_type, little_endian, inputs in [
        (
            "float32",
            True,
            [[b"abc", b"abcd"], [b"abcd", b"abc"], [b"", b"ab"], [b"abc"], [b"ab", b"ab", b"abc"]],
        ),
        ("complex128", False, [[b"abcdabcd"], [b"a" * 16, b"a" * 15]]),
    ]:

        def raw(s, out_type=out_type, little_endian=little_endian):
            return tf.io.decode_raw(s, tf.as_dtype(out_type), little_endian=little_endian)

        fn = any_shape(tf, raw, tf.string)
        model = convert_fn(raw, ((None,), tf.string))
        for s in inputs:
            texts.append(assert_fails_as_tf(tf, fn, model, "DecodeRaw", [np.array(s, dtype=object)]))
    assert (
        texts[0] == "DecodeRaw requires input strings to all be the same size, but element 1 has size 3 != 4"
    )
    assert texts[3] == "Input to DecodeRaw has length 3 that is not a multiple of 4, the size of float"
    assert texts[5] == "Input to DecodeRaw has length 8 that is not a multiple of 16, the size of complex128"


PADDED_TYPES = ["float32", "float64", "int32", "uint16", "uint8", "int16", "int8", "int64", "bfloat16"]


def test_padded_every_type_and_byte_order(tf, rng):
    """DecodePaddedRaw (decode_raw with fixed_length, an input here): strings of any length cut or
    zero-padded to it, in both byte orders, on 1 and 2 threads."""
    assert registered_cpu_dtypes("DecodePaddedRaw", "out_type") == set(PADDED_TYPES)

    def fn(s, k):
        return {
            f"{t}_{'le' if le else 'be'}": tf.io.decode_raw(
                s, tf.as_dtype(t), little_endian=le, fixed_length=k
            )
            for t in PADDED_TYPES
            for le in (True, False)
        }

    model = convert_fn(fn, ((None, None), tf.string), ((), tf.int32))
    assert tflite_model.custom_op_counts(model) == {"DecodePaddedRaw": 2 * len(PADDED_TYPES)}

    def ragged(shape, longest: int) -> np.ndarray:
        n = int(np.prod(shape))
        lengths = rng.integers(0, longest + 1, n)
        return np.array(
            [rng.integers(0, 256, m, dtype=np.uint8).tobytes() for m in lengths], dtype=object
        ).reshape(shape)

    cases = [
        [ragged((3, 5), 40), np.int32(16)],
        [ragged((2, 2), 9), np.int32(8)],
        [ragged((0, 4), 9), np.int32(8)],
    ]
    cases += [[ragged((4, 64), 3000), np.int32(2048)]]
    check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


def test_padded_errors_as_tf(tf):
    def raw(s, k):
        return tf.io.decode_raw(s, tf.int16, fixed_length=k, little_endian=False)

    fn = any_shape(tf, raw, tf.string, tf.int32)
    model = convert_fn(raw, ((None,), tf.string), (None, tf.int32))
    s = np.array([b"abc", b""], dtype=object)
    texts = [
        assert_fails_as_tf(tf, fn, model, "DecodePaddedRaw", [s, k])
        for k in (np.int32(5), np.int32(0), np.int32(-2), np.int32(-3), np.array([4], np.int32))
    ]
    assert texts == [
        "fixed_length (5) must be a multiple of the size of out_type (2)",
        "fixed_length (0) must be greater than zero.",
        "fixed_length (-2) must be greater than zero.",
        "fixed_length (-3) must be a multiple of the size of out_type (2)",
        "k must be scalar, got shape [1]",
    ]
