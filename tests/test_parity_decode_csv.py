"""DecodeCSV (tf.io.decode_csv): opbridge's TFLite kernel vs TF's own.

TFLite has no kernel: opbridge.convert leaves CUSTOM "DecodeCSV" (record_defaults as constant
inputs, one output per column), which opbridge's kernel runs (ops/io/decode_csv.cc). Numbers are
compared bit for bit and strings byte for byte, in both runtimes, inputs fed by index; errors by
TF's messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession

OP = "DecodeCSV"
# One default per column type, and the same columns required (empty defaults).
DEFAULTS = [np.float32(0.5), np.float64(-1.25), np.int32(7), np.int64(-8), b"dflt"]
NUMBER_TEXTS = [
    "0",
    "-0",
    "+3",
    " 12 ",
    "\t-7\t",
    "2147483647",
    "-2147483648",
    "1.5",
    "-2.25e3",
    ".5",
    "5.",
    "1e-50",
    "1e40",
    "3.4028236e38",
    "1e309",
    "inf",
    "-Infinity",
    "nan",
    "0x1.8p1",
    "007",
    "123456789012",
]
STRING_TEXTS = ["a", "hello world", " x ", "1.5", "with,comma", 'say "hi"', "", "NA", "ü€", "a\x00b"]


def tf_dtype(tf, v):
    return tf.string if isinstance(v, bytes) else tf.as_dtype(np.asarray(v).dtype)


def decoder(tf, defaults, **attrs):
    return lambda r: tf.io.decode_csv(r, record_defaults=defaults, **attrs)


def model_for(tf, defaults, rank: int, **attrs) -> list[tuple[str, SignatureSession]]:
    model = convert_fn(decoder(tf, defaults, **attrs), ([None] * rank, tf.string))
    assert tflite_model.custom_op_counts(model) == {OP: 1}
    return [(runtime, SignatureSession(model, runtime)) for runtime in RUNTIMES]


def run(session: SignatureSession, records: np.ndarray) -> list[np.ndarray]:
    session.set_inputs([records])
    session.invoke()
    return list(session.outputs().values())


def assert_same(actual: np.ndarray, expected: np.ndarray, message: str) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, message
    if expected.dtype.kind in "OS":
        assert [bytes(a) for a in actual.ravel()] == [bytes(e) for e in expected.ravel()], message
    else:
        assert actual.dtype == expected.dtype, message
        np.testing.assert_array_equal(actual.view(np.uint8), expected.view(np.uint8), message)


def check(tf, runs, fn, records: np.ndarray, message: str) -> None:
    expected = [t.numpy() for t in fn(tf.constant(records))]
    for runtime, session in runs:
        got = run(session, records)
        assert len(got) == len(expected), message
        for i, (a, e) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, e, f"{message} column {i} {runtime}")


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def random_records(rng, count: int, delim: str = ",", quoting: bool = True, na: str = "") -> list[bytes]:
    """Valid records of the DEFAULTS' five columns: numbers in many spellings, empty or na fields
    (the default), quoted fields (delimiters and doubled quotes inside), stray CR/LF between
    fields."""
    records = []
    for _ in range(count):
        fields = []
        for column in range(5):
            kind = rng.integers(0, 10)
            if kind == 0:
                text = ""
            elif kind == 1 and na:
                text = na
            elif column < 2:
                text = str(NUMBER_TEXTS[rng.integers(len(NUMBER_TEXTS))])
            elif column < 4:
                text = str(int(rng.integers(-(2**31), 2**31)))
            else:
                text = STRING_TEXTS[rng.integers(len(STRING_TEXTS))]
                if not quoting:
                    text = text.replace('"', "'")
            needs_quotes = delim in text or '"' in text
            if quoting and (needs_quotes or rng.integers(0, 4) == 0):
                text = quote(text)
            elif needs_quotes:
                text = text.replace(delim, ";")
            if text and rng.integers(0, 12) == 0:  # (before an empty last field it would end the record)
                text = "\r\n"[rng.integers(0, 2)] + text
            fields.append(text)
        records.append(delim.join(fields).encode())
    return records


def test_matches_tf(tf, rng):
    fn = decoder(tf, DEFAULTS)
    runs = model_for(tf, DEFAULTS, 1)
    records = random_records(rng, 400)
    records += [b"1,2,3,4,", b'"1","2","3","4",""', b"\n1,2,3,4,x", b'1,2,3,4,"a""b"', b'1,2,3,4,""""']
    records += [b",,,,", b' 1 ,\t2\t,+3,-4,"' + "\u00fc".encode() + b'"']
    check(tf, runs, fn, np.array(records, dtype=object), "default attrs")
    check(tf, runs, fn, np.array([], dtype=object), "no records")
    # Many records over 2 threads: one model of the same node.
    big = np.array(random_records(rng, 3000), dtype=object)
    expected = [t.numpy() for t in fn(tf.constant(big))]
    for runtime in RUNTIMES:
        session = SignatureSession(convert_fn(fn, ([None], tf.string)), runtime, num_threads=2)
        for i, (a, e) in enumerate(zip(run(session, big), expected, strict=True)):
            assert_same(a, e, f"2 threads column {i} {runtime}")


def test_attrs(tf, rng):
    """field_delim, use_quote_delim=False (quotes are text), na_value, select_cols; rank-2 records."""
    defaults = [np.float64(0.0), np.int32(-1), b"?"]
    attrs = {"field_delim": "|", "use_quote_delim": False, "na_value": "NA", "select_cols": [0, 3, 4]}
    fn = decoder(tf, defaults, **attrs)
    runs = model_for(tf, defaults, 2, **attrs)
    rows = []
    for record in random_records(rng, 60, delim="|", quoting=False, na="NA"):
        fields = record.split(b"|")
        rows.append(b"|".join([fields[0], fields[4], b"skip", fields[2], fields[4], b'x"y|"z', b"tail"]))
    rows[:3] = [b"1|a|b|2|c", b"NA|x|y|NA|NA", b'2|"|"|3|"q"']
    check(tf, runs, fn, np.array(rows, dtype=object).reshape(3, -1), "attrs")
    # select_cols past the last column: the record has too few fields.
    quoted = decoder(tf, [b""], select_cols=[1])
    runs = model_for(tf, [b""], 0, select_cols=[1])
    check(tf, runs, quoted, np.array(b'a,"b,""c"""', dtype=object), "select quoted, scalar record")


def tf_text(error) -> str:
    """TF's message without the eager wrapper ({{function_node ...}} ... [Op:DecodeCSV])."""
    return str(error.message).split("}} ", 1)[-1].split(" [Op:")[0]


@pytest.mark.parametrize("required", [False, True], ids=["defaults", "required"])
def test_errors_as_in_tf(tf, required):
    defaults = [np.array([], type(d)) if required else d for d in DEFAULTS]
    defaults = [
        np.array([], np.str_).astype(object) if isinstance(d, bytes) and required else d for d in defaults
    ]
    fn = decoder(tf, defaults)
    model = convert_fn(fn, ([None], tf.string))
    bad = [
        b'1,2,3,4,a"b',  # quote inside an unquoted field
        b'1,2,3,4,"a"b"',  # unescaped quote inside a quoted one
        b'1,2,3,4,"ab',  # unterminated
        b'1,2,3,4,"',
        b"1,2,3,4\rx,y",  # CR inside a field
        b"1,2,3",  # too few fields
        b"1,2,3,4,5,6",  # too many
        b'1,2,3,4,5,6"',  # a quote error after the count is exceeded: the quote error is TF's
        b"x,2,3,4,5",  # not a float
        b"1,1e,3,4,5",  # not a double
        b"1,2,2147483648,4,5",  # int32 out of range
        b"1,2,3,9223372036854775808,5",  # int64 out of range
        b"1,2,3.0,4,5",
        b",2,3,4,5",  # empty: the default, or required
        b"1,2,3,4,",
        b"",
    ]
    for record in bad:
        try:
            fn(tf.constant([b"1,2,3,4,x", record]))
            message = None
        except tf.errors.InvalidArgumentError as e:
            message = tf_text(e)
        for runtime in RUNTIMES:
            session = SignatureSession(model, runtime)  # (a session's error text accumulates)
            if message is None:
                run(session, np.array([b"1,2,3,4,x", record], dtype=object))
                continue
            with pytest.raises(RuntimeError) as info:
                run(session, np.array([b"1,2,3,4,x", record], dtype=object))
            # TF's text (ours adds which record to the splitting errors).
            assert str(info.value).startswith(f"DecodeCSV: {message}"), (record, runtime, message, info.value)


def test_attr_errors(tf):
    """Attrs TF's constructor refuses (tf.io.decode_csv checks select_cols first in Python: the raw
    op's), and a model whose options say so."""
    from flatbuffers import flexbuffers

    defaults = [np.int32(0), np.int32(0)]
    model = convert_fn(decoder(tf, defaults), ([None], tf.string))
    records = np.array([b"1,2"], dtype=object)
    for attrs, message in [
        ({"select_cols": [1, 0]}, "select_cols should be strictly increasing indices"),
        ({"select_cols": [-1, 0]}, "select_cols should be non-negative indices"),
        ({"select_cols": [0]}, "select_cols should match output size"),
        ({"field_delim": "||"}, "field_delim should be only 1 char"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            tf.raw_ops.DecodeCSV(records=records.astype(bytes), record_defaults=defaults, **attrs)
        options = {"field_delim": ",", "use_quote_delim": True, "na_value": "", "select_cols": [], **attrs}
        bad = tflite_model.replace_custom_options(model, OP, bytes(flexbuffers.Dumps(options)))
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"DecodeCSV.*{message}"):
                run(SignatureSession(bad, runtime), records)
