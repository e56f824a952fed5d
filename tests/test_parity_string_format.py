"""StringFormat and PrintV2 (tf.strings.format, tf.print): the TFLite kernels against TF's own,
bytewise, in both runtimes. StringFormat over every dtype TF prints (floats through TF's legacy
%g rule, half and bfloat16 through float, integers, bool, escaped strings, complex as '?'),
ranks 0-4 and empty tensors, summarize -1, 0, 1, 2, 3 and 10, special floats (NaN of both signs,
infinities, subnormals, -0, values needing 9 or 17 digits), template pieces with placeholders
'{}', '%s' and an empty one. PrintV2 through a converted tf.print: the same text on stdout,
stderr and a file:// stream, with `end` and `sep`, and TF's errors for a bad stream."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import run_tflite
from string_parity import assert_same, strings, tf_outputs

SUMMARIZE = (-1, 0, 1, 2, 3, 10)


def formats(tf, inputs, template: str, placeholder: str = "{}") -> dict:
    return {
        f"s{s + 1}": tf.raw_ops.StringFormat(
            inputs=inputs, template=template, placeholder=placeholder, summarize=s
        )
        for s in SUMMARIZE
    }


def check(tf, fn, specs, cases) -> None:
    model = convert_fn(fn, *specs)
    for n, inputs in enumerate(cases):
        want = tf_outputs(tf.function(fn), [tf.constant(x) for x in inputs])
        for runtime in RUNTIMES:
            got = run_tflite(model, list(inputs), runtime)
            assert_same(want, got, f"[{runtime}] case {n}, shapes {[np.shape(x) for x in inputs]}")


def test_every_dtype_and_rank(tf, rng):
    """One model, an input of each dtype TF summarizes, fed tensors of many shapes."""
    dtypes = [
        (tf.float32, 3), (tf.float64, 2), (tf.float16, 1), (tf.bfloat16, 1), (tf.int8, 1), (tf.int16, 1),
        (tf.int32, 4), (tf.int64, 1), (tf.uint8, 2), (tf.uint16, 1), (tf.uint32, 1), (tf.uint64, 1),
        (tf.bool, 2), (tf.string, 2), (tf.complex64, 1), (tf.int32, 0), (tf.float32, 0), (tf.string, 0),
    ]  # fmt: skip
    specs = [((None,) * rank, dtype) for dtype, rank in dtypes]

    def fn(*xs):
        return formats(tf, list(xs), "<" + "|".join(["{}"] * len(xs)) + ">")

    def values(dtype, shape):
        n = int(np.prod(shape))
        if dtype == tf.string:
            if not shape:  # a 0-d object array would reach TFLite as its pointer: fixed-width bytes
                return np.array(b"one", dtype="S3")
            return strings([bytes(rng.integers(32, 127, int(rng.integers(0, 4)), dtype=np.uint8)) for _ in
                            range(n)]).reshape(shape)  # fmt: skip
        if dtype == tf.bool:
            return rng.random(shape) < 0.5
        if dtype == tf.complex64:
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
        if dtype.is_floating:
            span = 4 if dtype in (tf.float16, tf.bfloat16) else 8  # within float16's range
            x = rng.standard_normal(shape) * 10.0 ** rng.integers(-span, span + 1, shape)
            return x.astype(dtype.as_numpy_dtype)
        info = np.iinfo(dtype.as_numpy_dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype.as_numpy_dtype, endpoint=True)

    layouts = [
        lambda r: (2,) * r,
        lambda r: (7,) * min(r, 2) + (1,) * max(r - 2, 0),
        lambda r: (0,) + (3,) * max(r - 1, 0) if r else (),
        lambda r: (3,) + (0,) * max(r - 1, 0) if r else (),
        lambda r: (1,) * r,
        lambda r: tuple([9, 2, 8, 3][:r]),
    ]
    cases = [[values(dtype, layout(rank)) for dtype, rank in dtypes] for layout in layouts]
    check(tf, fn, specs, cases)


def test_special_floats(tf):
    f32 = np.array(
        [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-40, np.finfo(np.float32).tiny, 0.1, 1 / 3,
         123456789.0, 1e10, 1e-5, 100000.0, 1234567.0, 3.4028235e38, 16777217.0, 2.5, -7.0],
        np.float32,
    )  # fmt: skip
    f64 = np.array(
        [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -2.2e-310, np.finfo(np.float64).tiny, 0.1,
         1 / 3, 123456789.0, 1e22, 1e-5, 1e16, 2.0**53 + 2, 1.7976931348623157e308, 0.3, 2.5, -7.0],
        np.float64,
    )  # fmt: skip
    f16 = np.array([np.nan, -np.inf, 6e-8, -6.1e-5, 0.1, 65504.0, 1 / 3, -0.0], np.float16)

    def fn(a, b, c):
        return formats(tf, [a, b, c], "{} / {} / {}")

    specs = [((None,), tf.float32), ((None,), tf.float64), ((None,), tf.float16)]
    check(tf, fn, specs, [[f32, f64, f16], [f32[::-1].copy(), f64[::-1].copy(), f16[::-1].copy()]])


def test_string_escapes_and_templates(tf):
    """Escaped strings (control bytes in octal, quotes, backslashes, UTF-8 unchanged) and templates
    split by '%s', by '{}' at both ends, and by an empty placeholder (one per character)."""
    texts = strings([b"a\nb\rc\td", b"q\"u'o\\te", b"\x00\x01\x1f\x7f", "é€😀".encode(), b"\xff\xfe", b""])

    def fn(s, x):
        out = {
            "percent": tf.raw_ops.StringFormat(
                inputs=[s, x], template="s=%s x=%s!", placeholder="%s", summarize=-1
            ),
            "ends": tf.raw_ops.StringFormat(inputs=[s, x], template="{}{}", placeholder="{}", summarize=2),
            "chars": tf.raw_ops.StringFormat(inputs=[x], template="ab", placeholder="", summarize=3),
            "none": tf.raw_ops.StringFormat(inputs=[], template="no placeholders", placeholder="{}"),
            "public": tf.strings.format("[{}] and {{{}}}", (s, x), summarize=1),
        }
        return out

    check(tf, fn, [((None,), tf.string), ((None,), tf.int64)], [[texts, np.arange(5, dtype=np.int64)]])


def print_model(tf, stream: str, end: str, sep: str):
    def fn(x, s):
        # As users write it: sys.stdout read while tracing (opbridge.convert redirects it then).
        where = getattr(sys, stream) if stream in ("stdout", "stderr") else stream
        tf.print("x:", x, "s:", s, {"k": x * 2}, output_stream=where, end=end, sep=sep, summarize=2)
        return x + 1

    traced = tf.function(
        fn, input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.string)]
    )
    traced.get_concrete_function()  # traced now: tf.print checks the stream then
    return traced, convert_fn(fn, ((None,), tf.float32), ((), tf.string))


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_print_streams(tf, capfd, stream):
    # tf.print takes only the process's own sys.stdout and sys.stderr, which pytest replaces.
    real, captured = getattr(sys, f"__{stream}__"), getattr(sys, stream)
    setattr(sys, stream, real)
    try:
        fn, model = print_model(tf, stream, end="<end>\n", sep=" | ")
    finally:
        setattr(sys, stream, captured)
    custom = tflite_model.custom_op_counts(model)
    assert "PrintV2" in custom and "StringFormat" in custom, custom
    x, s = np.array([1.5, -2.0, 3.25, 4.0, 0.1], np.float32), np.array(b"word\n", dtype="S5")
    capfd.readouterr()
    fn(tf.constant(x), tf.constant(s))
    want = getattr(capfd.readouterr(), "out" if stream == "stdout" else "err")
    assert want.startswith("x: | [1.5 -2 ... 4 0.1] | s: | "), want
    for runtime in RUNTIMES:
        out = run_tflite(model, [x, s], runtime)
        got = getattr(capfd.readouterr(), "out" if stream == "stdout" else "err")
        assert got == want, f"[{runtime}] printed {got!r}, TF printed {want!r}"
        np.testing.assert_array_equal(next(iter(out.values())), x + 1)


def test_print_to_file_and_bad_stream(tf, tmp_path):
    path = tmp_path / "printed.txt"
    fn, model = print_model(tf, f"file://{path}", end="\n", sep=" ")
    x, s = np.arange(12, dtype=np.float32), np.array(b"abc", dtype="S3")
    fn(tf.constant(x), tf.constant(s))
    want = path.read_bytes()
    assert want.startswith(b'x: [0 1 ... 10 11] s: "abc"'), want
    for runtime in RUNTIMES:
        path.write_bytes(b"before\n")
        run_tflite(model, [x, s], runtime)
        assert path.read_bytes() == b"before\n" + want, runtime

    def printing(stream):
        def fn(v):
            tf.raw_ops.PrintV2(input=tf.strings.as_string(v[0]), output_stream=stream)
            return v + 1

        return fn

    with pytest.raises(Exception, match="Unknown output stream: bogus, Valid streams are: stdout stderr"):
        tf.function(printing("bogus"))(tf.constant(x))
    # The attr as a hostile model could hold it (same length, so the flexbuffer stays valid).
    bad = convert_fn(printing("stdout"), ((None,), tf.float32)).replace(b"stdout", b"bogus_")
    for runtime in RUNTIMES:
        with pytest.raises(Exception, match=r"PrintV2.*Unknown output stream: bogus_"):
            run_tflite(bad, [x], runtime)
