"""StringToNumber and AsString (tf.strings.to_number / tf.strings.as_string): the TFLite kernels
against TF's own, exactly (numbers bit for bit, strings byte for byte), in both runtimes.

StringToNumber: every out_type TF registers, on strings TF parses (whitespace, signs, inf/nan with
payloads, exponents, overflow to inf, underflow to 0, subnormals, halfway cases of both float
widths, the integer limits) and strings it refuses (each one an error naming it in both runtimes,
the first bad one when there are several, also on two threads).

AsString: every input dtype TF's kernel formats, every attr combination of precision, scientific,
shortest, width and fill (one model holding one node per combination), on the values where printf
is delicate (ties, -0.0, NaN signs, inf, subnormals, the extremes), and TF's attr errors."""

from __future__ import annotations

import itertools
import math
import re
import struct
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession
from opbridge.testing import run_tflite
from string_parity import strings


def spec(tf, i, shape, dtype):
    return tf.TensorSpec(shape, dtype, name=f"input_{i}")


def error_bytes(e: BaseException) -> bytes:
    """An error's text as bytes: a message holding bytes that are not UTF-8 (a string the op could
    not convert) reaches TF's Python as a UnicodeDecodeError over the whole text."""
    if isinstance(e, UnicodeDecodeError):
        return bytes(e.object)
    return str(e).encode()


def escaped(message: bytes) -> bytes:
    """TF's text as the TFLite adapter reports it: bytes that are not UTF-8 as \\xNN (cpp/core/
    utf8_escape.h), so the runtimes' Python gets the op's error, not a UnicodeDecodeError."""
    return message.decode("utf-8", "backslashreplace").encode()


def tf_error(tf, fn, x) -> bytes | None:
    """TF's error text for fn(x), as bytes, without the graph's prefix and suffixes; None if none."""
    try:
        fn(x)
    except (tf.errors.InvalidArgumentError, UnicodeDecodeError) as e:
        text = e.message.encode() if isinstance(e, tf.errors.OpError) else error_bytes(e)
        text = re.sub(rb"^\{\{function_node [^}]*\}\} ", b"", text.split(b"\n")[0])
        return re.sub(rb" \[Op:[^]]*\].*$", b"", text.split(b" [[")[0])
    return None


def run_exact(model: bytes, inputs, runtime: str, **kw) -> dict[str, np.ndarray]:
    """run_tflite feeding string inputs as object arrays, which TFLite's Python set_tensor copies
    byte for byte (run_tflite's numpy bytes_ arrays drop each string's trailing NULs)."""
    session = SignatureSession(model, runtime, **kw)
    interpreter = session.interpreter
    details = interpreter.get_input_details()
    arrays = [np.asarray(v, dtype=object) if np.asarray(v).dtype.kind in "OS" else v for v in inputs]
    for detail, a in zip(details, arrays, strict=True):
        interpreter.resize_tensor_input(detail["index"], np.shape(a), strict=False)
    interpreter.allocate_tensors()
    for detail, a in zip(details, arrays, strict=True):
        if np.size(a) and np.ndim(a):
            interpreter.set_tensor(detail["index"], a)
        elif np.size(a):  # a 0-d string: a bytes_ scalar of exactly its length
            interpreter.set_tensor(detail["index"], np.array(bytes(np.asarray(a).item()), dtype="S"))
    session.invoke()
    return session.outputs()


def tflite_error(model, x, runtime, **kw) -> bytes:
    with pytest.raises(RuntimeError) as err:  # not UnicodeDecodeError: the adapter escapes
        run_exact(model, x, runtime, **kw)
    return error_bytes(err.value)


def bits(a: np.ndarray) -> np.ndarray:
    """Numbers as their bytes' integers (NaN payloads and -0.0 included), strings as bytes."""
    a = np.asarray(a)
    if a.dtype == object or a.dtype.kind == "S":
        return np.array([bytes(x) for x in a.ravel()], dtype=object).reshape(a.shape)
    if a.dtype.kind in "fc":
        return a.view(np.dtype(f"u{a.dtype.itemsize // (2 if a.dtype.kind == 'c' else 1)}"))
    return a


def assert_exact(want: np.ndarray, got: np.ndarray, context: str) -> None:
    want, got = np.asarray(want), np.asarray(got)
    assert got.shape == want.shape, f"{context}: shape {got.shape}, TF gives {want.shape}"
    if want.dtype == object or want.dtype.kind == "S":
        assert got.dtype == object or got.dtype.kind == "S", f"{context}: {got.dtype}, TF gives strings"
        w, g = bits(want).ravel().tolist(), bits(got).ravel().tolist()
        bad = [(i, w[i], g[i]) for i in range(len(w)) if w[i] != g[i]]
        assert not bad, f"{context}: {len(bad)} differ, first (index, TF, ours): {bad[:5]}"
    else:
        assert got.dtype == want.dtype, f"{context}: {got.dtype}, TF gives {want.dtype}"
        w, g = bits(want), bits(got)
        bad = np.flatnonzero(w.ravel() != g.ravel())[:5]
        assert bad.size == 0, (
            f"{context}: differ at {bad}: TF {want.ravel()[bad]!r}, ours {got.ravel()[bad]!r}"
        )


# ---------------------------------------------------------------------------------------------
# StringToNumber

OUT_TYPES = [np.float32, np.float64, np.int32, np.int64, np.uint32, np.uint64]


def halfway_strings(dtype, rng, count) -> list[bytes]:
    """Exact decimal midpoints between neighbouring floats (TF rounds them to even), and one
    ulp-fraction either side of them."""
    info = np.finfo(dtype)
    out = []
    for k in range(count):
        if k % 4 == 0:
            x = dtype(rng.uniform(-1e4, 1e4))
        elif k % 4 == 1:
            x = dtype(10.0 ** rng.uniform(-30, 30))
        elif k % 4 == 2:  # subnormals
            x = info.smallest_subnormal * dtype(rng.integers(1, 1000))
        else:
            x = dtype(10.0 ** rng.uniform(30, 38 if dtype == np.float32 else 300))
        y = np.nextafter(x, dtype(np.inf), dtype=dtype)
        mid = (Fraction(float(x)) + Fraction(float(y))) / 2
        for delta in (
            Fraction(0),
            Fraction(float(y) - float(x)) / 10**6,
            -Fraction(float(y) - float(x)) / 10**6,
        ):
            out.append(decimal_text(mid + delta).encode())
    return out


def decimal_text(q: Fraction, digits: int = 800) -> str:
    """The exact (up to `digits` significant digits) decimal text of a binary fraction."""
    sign = "-" if q < 0 else ""
    q = abs(q)
    if q == 0:
        return sign + "0"
    exp10 = math.floor(math.log10(q.numerator) - math.log10(q.denominator))
    scaled = q / Fraction(10) ** (exp10 - digits)
    mantissa = scaled.numerator // scaled.denominator
    return f"{sign}{mantissa}e{exp10 - digits}"


def candidate_strings(rng) -> list[bytes]:
    # fmt: off
    fixed = [
        b"0", b"1", b"-1", b"+1", b"007", b"-0", b"+0", b" 1", b"1 ", b" \t\n\v\f\r12\r\n ", b"1\x00",
        b"\x001", b"1\x00x", b"", b" ", b"-", b"+", b"+-1", b"-+1", b"--1", b"++1", b"- 1", b"1 2",
        b"1,5", b"1_0", b"0x10", b"0X1p3", b"0x1.8p1", b"1e", b"1e+", b"1e-", b"e5", b"1e5", b"1E-5",
        b"1e+05", b".5", b"5.", b".", b"-.5e-3", b"+.5", b"1.5.2", b"1e5.5", b"1ee5", b"inf", b"-Inf",
        b"+INF", b"INFINITY", b"-infinity", b"infin", b"infinityy", b"nan", b"-nan", b"NaN", b"+nan",
        b"nan(123)", b"NaN(0x10)", b"nan()", b"nan(abc", b"nan(a-b)", b"nan(_Z9)", b"-nan(7)",
        b"nan(99999999999999999999999)", b"nan(" + b"1" * 200 + b")", b"nanx", b"1e400", b"-1e400",
        b"1e-400", b"-1e-400", b"1e-310", b"4.9e-324", b"2.4703282292062327e-324",
        b"2.4703282292062328e-324", b"1.7976931348623157e308", b"1.7976931348623159e308",
        b"3.4028235e38", b"3.4028236e38", b"3.5e38", b"1.4e-45", b"7e-46", b"7.1e-46", b"1" * 40,
        b"0." + b"0" * 40 + b"1", b"1" * 400 + b"e-400", b"0" * 500 + b"1", b"2147483647",
        b"2147483648", b"-2147483648", b"-2147483649", b"4294967295", b"4294967296",
        b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
        b"-9223372036854775809", b"18446744073709551615", b"18446744073709551616",
        b"99999999999999999999999", b"00000000000000000000000000000000000000001", b"\xa01", b"1\xa0",
        b"\xc2\xa01", b"\xef\xbc\x91", b"1.0", b"1e0", b"0e999999999999", b"1e-99999999999999999999",
        b"1e99999999999999999999", b"0.000000000000000000000000000000000000000000001e45",
        b"123456789012345678901234567890", b"0.1", b"0.2", b"0.3",
        b"3.14159265358979323846264338327950288", b"-0.0", b"-0e5", b"1_000", b"1e1_0", b"\t-7\t",
        b"12abc", b"abc", b"true", b"1f", b"1d", b"1L",
    ]
    # fmt: on
    randoms = []
    for x in rng.standard_normal(40) * 10.0 ** rng.integers(-40, 40, 40):
        randoms += [repr(float(x)).encode(), b"%.9g" % np.float32(x), b"%.25e" % x, b"%.3f" % x]
    for n in rng.integers(-(2**63), 2**63 - 1, 20, dtype=np.int64):
        randoms += [b"%d" % n, b"%d" % (n >> 32), b"%d" % abs(int(n))]
    return fixed + randoms + halfway_strings(np.float32, rng, 40) + halfway_strings(np.float64, rng, 40)


def to_number_fn(tf, dtype, shape):
    return tf.function(
        lambda s: tf.strings.to_number(s, out_type=tf.as_dtype(dtype)),
        input_signature=[spec(tf, 0, shape, tf.string)],
    )


@pytest.fixture(scope="module")
def cases(tf):
    """Per out_type: (the converted models, the strings TF parses, the strings it refuses, with its
    messages)."""
    rng = np.random.default_rng(7)
    texts = candidate_strings(rng)
    out = {}
    for dtype in OUT_TYPES:
        f = to_number_fn(tf, dtype, [None])
        good, bad = [], []
        for s in texts:
            message = tf_error(tf, f, strings([s]))
            if message is None:
                good.append(s)
            else:
                bad.append((s, message))
        model = opbridge.convert(f)
        assert tflite_model.custom_op_counts(model) == {"StringToNumber": 1}
        out[dtype] = (f, model, good, bad)
    return out


@pytest.mark.parametrize("dtype", OUT_TYPES, ids=lambda d: np.dtype(d).name)
def test_string_to_number_parses_as_tf(tf, cases, dtype):
    f, model, good, bad = cases[dtype]
    assert len(good) > 20 and len(bad) > 20, (len(good), len(bad))
    want = f(strings(good)).numpy()
    for runtime in RUNTIMES:
        (got,) = run_exact(model, [strings(good)], runtime).values()
        assert_exact(want, got, f"[{runtime}] {np.dtype(dtype).name}")
    # Shapes: 2-D, a scalar, empty ones.
    g = to_number_fn(tf, dtype, [None, None])
    g_model = opbridge.convert(g)
    s = tf.function(
        lambda s: tf.strings.to_number(s, out_type=tf.as_dtype(dtype)),
        input_signature=[spec(tf, 0, [], tf.string)],
    )
    s_model = opbridge.convert(s)
    grid = strings(good[:20]).reshape(4, 5)
    for fn, m, x in (
        (g, g_model, grid),
        (g, g_model, grid[:0]),
        (g, g_model, grid[:, :0]),
        (s, s_model, strings(good[1])),
    ):
        w = fn(x).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(m, [x], runtime).values()
            assert_exact(w, got, f"[{runtime}] {np.dtype(dtype).name} shape {x.shape}")


@pytest.mark.parametrize("dtype", OUT_TYPES, ids=lambda d: np.dtype(d).name)
def test_string_to_number_refuses_as_tf(tf, cases, dtype):
    """Each string TF refuses fails the op in both runtimes with TF's message, naming the first bad
    string when a later one is bad too."""
    f, model, good, bad = cases[dtype]
    for s, message in bad:
        # TF prints the string up to its first NUL.
        assert message == b"StringToNumberOp could not correctly convert string: " + s.split(b"\0")[0], (
            message
        )
        x = strings([good[0], s, good[1], b"zz"])
        assert tf_error(tf, f, x) == message, s
        for runtime in RUNTIMES:
            got = tflite_error(model, [x], runtime)
            assert b"StringToNumber: " + escaped(message) in got, (s, runtime, got)


@pytest.mark.parametrize("dtype", OUT_TYPES, ids=lambda d: np.dtype(d).name)
def test_string_to_number_two_threads(tf, cases, dtype):
    """On two threads: the same numbers, and the first bad string of many is the one named."""
    f, model, good, bad = cases[dtype]
    rng = np.random.default_rng(3)
    many = strings([good[i] for i in rng.integers(0, len(good), 20000)])
    want = f(many).numpy()
    worse = many.copy()
    worse[12000], worse[15000], worse[19000] = bad[-1][0], bad[1][0], b"zz"
    message = tf_error(tf, f, worse)
    assert message == bad[-1][1]
    for runtime in RUNTIMES:
        (got,) = run_exact(model, [many], runtime, num_threads=2).values()
        assert_exact(want, got, f"[{runtime}] 2 threads")
        got = tflite_error(model, [worse], runtime, num_threads=2)
        assert b"StringToNumber: " + escaped(message) in got, runtime


# ---------------------------------------------------------------------------------------------
# AsString

F64_VALUES = [
    0.0, -0.0, 1.0, -1.0, 0.5, 0.125, 0.375, 2.5, 3.5, -2.5, 9.5, 0.05, 0.15, 0.25, 99.995, 1 / 3,
    -2 / 3, 1e-5, 1.5e-5, 123456.789, 1e15, 1e16, 2.0**53 + 2, 1e17, 1e21, 1e22, 1e300, -1e300,
    1.7976931348623157e308, 2.2250738585072014e-308, 1e-310, 5e-324, -5e-324, 0.1, 1e-4, 9.9999e-5,
    99999.5, 999999.5, 0.000123456, math.pi, -math.e, float("nan"), float("-nan"), float("inf"),
    float("-inf"), struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000123))[0],
]  # fmt: skip


def float_values(dtype, rng) -> np.ndarray:
    base = np.array(F64_VALUES, np.float64)
    extra = rng.standard_normal(24) * 10.0 ** rng.integers(-12, 12, 24)
    with np.errstate(over="ignore", invalid="ignore"):  # NaN and inf narrowed on purpose
        v = np.concatenate([base, extra]).astype(dtype)
    info = np.finfo(dtype)
    specials = np.array(
        [info.max, -info.max, info.tiny, info.smallest_subnormal, -info.smallest_subnormal], dtype
    )
    return np.concatenate([v, specials])


INT_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT_TYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]
COMPLEX_TYPES = [np.complex64, np.complex128]
FILLS = ["", " ", "+", "-", "0", "#"]
MODES = {"fixed": {}, "scientific": {"scientific": True}, "shortest": {"shortest": True}}


def int_values(dtype, rng) -> np.ndarray:
    info = np.iinfo(dtype)
    fixed = [info.min, info.min + 1, info.max, info.max - 1, 0, 1, 7, 10, 99, 100]
    if info.min < 0:
        fixed += [-1, -7, -10, -100]
    rand = rng.integers(info.min, info.max, 16, dtype=dtype, endpoint=True)
    return np.concatenate([np.array(fixed, dtype), rand])


def check_as_string(tf, x: np.ndarray, combos: list[dict], label: str, threads: int | None = None) -> None:
    """One model with an AsString node per attr combination, against TF, in both runtimes."""
    dtype = tf.as_dtype(x.dtype)

    def fn(v):
        return {f"o{k}": tf.strings.as_string(v, **kw) for k, kw in enumerate(combos)}

    f = tf.function(fn, input_signature=[spec(tf, 0, [None] * x.ndim, dtype)])
    model = opbridge.convert(f)
    assert tflite_model.custom_op_counts(model) == {"AsString": len(combos)}
    for arg in (x, x[:0]) if x.ndim else (x,):
        want = {k: v.numpy() for k, v in f(arg).items()}
        for runtime in RUNTIMES:
            kw = {"num_threads": threads} if threads else {}
            got = run_tflite(model, [arg], runtime, **kw)
            for k, kwargs in enumerate(combos):
                assert_exact(want[f"o{k}"], got[f"o{k}"], f"[{runtime}] {label} {kwargs} shape {arg.shape}")


@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
def test_as_string_integers(tf, rng, dtype):
    combos = [{"width": w, "fill": f} for w in (-1, 0, 1, 5, 25) for f in FILLS]
    check_as_string(tf, int_values(dtype, rng), combos, np.dtype(dtype).name)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", list(MODES))
def test_as_string_floats(tf, rng, dtype, mode):
    combos = [
        {**MODES[mode], "precision": p, "width": w, "fill": f}
        for p, w, f in itertools.product((-1, 0, 1, 2, 17, 40), (-1, 0, 12, 30), FILLS)
    ]
    check_as_string(tf, float_values(dtype, rng), combos, f"{np.dtype(dtype).name} {mode}")


@pytest.mark.parametrize("dtype", COMPLEX_TYPES, ids=lambda d: np.dtype(d).name)
def test_as_string_complex(tf, rng, dtype):
    part = np.float32 if dtype == np.complex64 else np.float64
    v = float_values(part, rng)
    x = np.empty(v.shape, dtype)
    x.real, x.imag = v, np.roll(v, 3)
    x = np.concatenate([x, np.array([complex(float("nan"), -0.0), complex(-0.0, float("-inf"))], dtype)])
    combos = [
        {**MODES[m], "precision": p, "width": w, "fill": f}
        for m, p, w, f in itertools.product(MODES, (-1, 0, 3), (-1, 9), FILLS)
    ]
    check_as_string(tf, x, combos, np.dtype(dtype).name)


def test_as_string_bool_shapes_and_threads(tf, rng):
    check_as_string(
        tf,
        np.array([[True, False, True], [False, False, True]]),
        [{}, {"width": 8}, {"width": 8, "fill": "0"}, {"fill": "-", "width": 3}],
        "bool",
    )
    check_as_string(tf, np.array(3.25, np.float32), [{}, {"precision": 1}], "scalar")
    big = (rng.standard_normal((300, 70)) * 1e3).astype(np.float32)
    check_as_string(tf, big, [{}, {"shortest": True}, {"precision": 2, "width": 12, "fill": "0"}], "2T", 2)
    check_as_string(
        tf, rng.integers(-(2**62), 2**62, (300, 70)), [{}, {"width": 25, "fill": "-"}], "2T int", 2
    )


ERROR_CASES = [
    (np.int32, {"precision": 2}),
    (np.int64, {"scientific": True}),
    (np.uint8, {"shortest": True}),
    (np.bool_, {"precision": 0}),
    (np.bool_, {"scientific": True}),
    (np.float32, {"fill": "00"}),
    (np.float32, {"fill": "x"}),
    (np.int32, {"fill": "*", "width": 4}),
    (np.float64, {"scientific": True, "shortest": True}),
    (np.complex64, {"scientific": True, "shortest": True, "fill": "ab"}),
    (np.int16, {"precision": 1, "fill": "xx", "scientific": True}),
    (np.float32, {"precision": 2**31}),
    (np.float32, {"width": -(2**31) - 1}),
]


@pytest.mark.parametrize("dtype,attrs", ERROR_CASES, ids=lambda v: str(v))
def test_as_string_attr_errors_as_tf(tf, dtype, attrs):
    f = tf.function(
        lambda v: tf.strings.as_string(v, **attrs), input_signature=[spec(tf, 0, [None], tf.as_dtype(dtype))]
    )
    x = np.zeros(3, dtype)
    message = tf_error(tf, f, x)
    assert message, attrs
    model = opbridge.convert(f)
    for runtime in RUNTIMES:
        got = tflite_error(model, [x], runtime)
        assert message in got and b"AsString" in got, (runtime, message, got)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_as_string_random_bit_patterns(tf, rng, dtype):
    """Many values from random bit patterns (every exponent, NaN payloads, subnormals), to catch a
    rounding or digit-count difference the hand-picked values miss."""
    width = np.dtype(dtype).itemsize
    raw = rng.integers(0, 2 ** (8 * width), 40000, dtype=np.uint64).astype(f"u{width}").view(dtype)
    moderate = (rng.standard_normal(40000) * 10.0 ** rng.integers(-20, 20, 40000)).astype(dtype)
    combos = [{"scientific": True, "precision": p} for p in (-1, 0, 3, 16)]
    combos += [{"shortest": True, "precision": p} for p in (-1, 0, 1, 9, 17)]
    check_as_string(tf, raw, combos, "bit patterns")
    check_as_string(tf, moderate, [{}, {"precision": 0}, {"precision": 3}, {"precision": 25}], "moderate %f")


def test_as_string_strings(tf):
    """String inputs: TF takes them (and precision, scientific, shortest with them), truncating to
    precision bytes and padding with spaces to width, NULs counted."""
    x = strings([b"", b"a", b"ab\x00c", b"h\xc3\xa9llo", b"longer than twelve", b"\x00\x00x"])
    combos = [
        {"precision": p, "width": w, "fill": f}
        for p, w, f in itertools.product((-1, 0, 2, 30), (-1, 0, 3, 12), FILLS)
    ]
    combos += [{"scientific": True, "width": 5}, {"shortest": True, "precision": 1}]
    check_as_string(tf, x, combos, "string")
