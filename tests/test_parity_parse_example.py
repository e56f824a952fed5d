"""ParseExampleV2 (tf.io.parse_example, tf.io.parse_single_example): the TFLite kernel against
TF's own, bytewise, in both runtimes. Random Examples over every feature kind (FixedLenFeature
with and without default, scalar and multi-dim; FixedLenSequenceFeature; VarLenFeature;
RaggedFeature with int32 and int64 splits) and value type (float, int64, string), written by our
own serializer so that packed and unpacked lists, repeated keys, unknown fields, empty Features
and keys no feature asks for all occur; TF's errors (missing, wrong type, wrong size, stride,
corrupt bytes) as ours; random corruptions of valid Examples (TF's result or TF's error, never a
crash); a Keras-style serving function (parse, then dense layers)."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.conversion import convert_model
from opbridge.running import SignatureSession
from string_parity import assert_same

# --- a protobuf writer of our own: packed or not, keys repeated, unknown fields -------------------


def varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def delimited(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def feature_bytes(kind: str, values: list[Any], packed: bool) -> bytes:
    if kind == "bytes":
        body = b"".join(delimited(1, v) for v in values)
        return delimited(1, body)
    if kind == "float":
        raw = [struct.pack("<f", v) for v in values]
        body = delimited(1, b"".join(raw)) if packed and values else b"".join(b"\x0d" + r for r in raw)
        return delimited(2, body)
    ints = [varint(v) for v in values]
    body = delimited(1, b"".join(ints)) if packed and values else b"".join(b"\x08" + r for r in ints)
    return delimited(3, body)


def example_bytes(entries: list[tuple[bytes, bytes]], unknown: bytes = b"") -> bytes:
    """An Example of map entries (key, serialized Feature), in order (keys may repeat)."""
    features = b"".join(delimited(1, delimited(1, k) + delimited(2, f)) for k, f in entries)
    return unknown + delimited(1, features)


# --- the features of the main model ---------------------------------------------------------------

KIND = {"float": "float32", "int64": "int64", "bytes": "string"}


def feature_specs(tf):
    F, S = tf.io.FixedLenFeature, tf.io.FixedLenSequenceFeature
    return {
        "f_fix": F([2], tf.float32, default_value=[1.5, -2.0]),
        "i_req": F([], tf.int64),
        "s_fix": F([2, 2], tf.string, default_value=[[b"a", b"b"], [b"c", b""]]),
        "f_req": F([3, 1], tf.float32),
        "f_seq": S([3], tf.float32, allow_missing=True, default_value=0.5),
        "s_seq": S([], tf.string, allow_missing=True, default_value=b"pad"),
        "i_seq": S([2], tf.int64, allow_missing=True),
        "i_var": tf.io.VarLenFeature(tf.int64),
        "s_var": tf.io.VarLenFeature(tf.string),
        "f_var": tf.io.VarLenFeature(tf.float32),
        "f_rag": tf.io.RaggedFeature(tf.float32),
        "i_rag": tf.io.RaggedFeature(tf.int64, row_splits_dtype=tf.int64),
        "s_rag": tf.io.RaggedFeature(tf.string),
    }


# (value kind, how many values: fixed count, or a stride for sequences, 0 for any), required
LAYOUT = {
    "f_fix": ("float", 2, False),
    "i_req": ("int64", 1, True),
    "s_fix": ("bytes", 4, False),
    "f_req": ("float", 3, True),
    "f_seq": ("float", -3, False),
    "s_seq": ("bytes", -1, False),
    "i_seq": ("int64", -2, False),
    "i_var": ("int64", 0, False),
    "s_var": ("bytes", 0, False),
    "f_var": ("float", 0, False),
    "f_rag": ("float", 0, False),
    "i_rag": ("int64", 0, False),
    "s_rag": ("bytes", 0, False),
}


def random_values(rng: np.random.Generator, kind: str, n: int) -> list[Any]:
    if kind == "float":
        v = rng.standard_normal(n).astype(np.float32)
        if n and rng.random() < 0.3:
            v[rng.integers(0, n)] = rng.choice([np.nan, np.inf, -0.0, 1e-40])
        return [float(x) for x in v]
    if kind == "int64":
        return [int(x) for x in rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64, endpoint=True)]
    return [rng.integers(0, 256, rng.integers(0, 6), dtype=np.uint8).tobytes() for _ in range(n)]


def random_example(rng: np.random.Generator) -> bytes:
    entries: list[tuple[bytes, bytes]] = []
    for key, (kind, count, required) in LAYOUT.items():
        if not required and rng.random() < 0.25:
            continue
        n = count if count > 0 else int(rng.integers(0, 5)) * (-count if count < 0 else 1)
        packed = bool(rng.random() < 0.7)
        if rng.random() < 0.15:  # an earlier entry of the key, of any type: the last one wins
            other = str(rng.choice(["float", "int64", "bytes"]))
            entries.append((key.encode(), feature_bytes(other, random_values(rng, other, 2), packed)))
        entries.append((key.encode(), feature_bytes(kind, random_values(rng, kind, n), packed)))
        if rng.random() < 0.1:  # an empty Feature after it: absent if dense, else an empty list
            entries.append((key.encode(), b""))
    if rng.random() < 0.3:  # a key nobody asks for, of any bytes
        entries.insert(int(rng.integers(0, len(entries) + 1)), (b"other", b"\x2a\x03xyz"))
    order = rng.permutation(len(entries))
    # Repeated keys keep their relative order (the last entry of a key is the one TF takes).
    by_key: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for k, f in entries:
        by_key.setdefault(k, []).append(f)
    keys = [entries[i][0] for i in order]
    shuffled = [(k, by_key[k].pop(0)) for k in keys]
    unknown = b"\x10\x07" if rng.random() < 0.2 else b""  # field 2, varint: skipped
    return example_bytes(shuffled, unknown)


def flat_outputs(parsed: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in parsed.items():
        if hasattr(value, "indices"):  # SparseTensor
            out[key + "_indices"] = value.indices
            out[key + "_values"] = value.values
            out[key + "_shape"] = value.dense_shape
        elif hasattr(value, "row_splits"):  # RaggedTensor
            out[key + "_values"] = value.values
            out[key + "_splits"] = value.row_splits
        else:
            out[key] = value
    return out


def convert(tf, fn, shape) -> bytes:
    signature = [tf.TensorSpec(shape, tf.string, name="serialized")]
    return convert_model(tf.function(fn, input_signature=signature)).model


class Runner:
    """One interpreter per runtime for a model, fed every byte (object arrays)."""

    def __init__(self, model: bytes) -> None:
        self.sessions = {r: SignatureSession(model, r) for r in RUNTIMES}

    def run(self, runtime: str, *inputs: np.ndarray) -> dict[str, np.ndarray]:
        session = self.sessions[runtime]
        interpreter = session.interpreter
        details = interpreter.get_input_details()
        arrays = [x if x.ndim else np.array(bytes(x.item()), dtype=f"S{len(x.item())}") for x in inputs]
        for detail, a in zip(details, arrays, strict=True):
            interpreter.resize_tensor_input(detail["index"], a.shape, strict=False)
        interpreter.allocate_tensors()
        for detail, a in zip(details, arrays, strict=True):
            if a.size:
                interpreter.set_tensor(detail["index"], a)
        session.invoke()
        return session.outputs()


class ByPosition(Runner):
    """The stock converter names a function's outputs Identity, Identity_1, ... in the order of
    its flattened result (a dict's sorted keys): the keys again."""

    def __init__(self, model: bytes, keys: list[str]) -> None:
        super().__init__(model)
        self.keys = keys

    def run(self, runtime: str, *inputs: np.ndarray) -> dict[str, np.ndarray]:
        got = super().run(runtime, *inputs)
        return {key: got["Identity" if k == 0 else f"Identity_{k}"] for k, key in enumerate(self.keys)}


def tf_result(tf, fn, *inputs: np.ndarray) -> tuple[dict[str, np.ndarray] | None, str | None]:
    """fn run eagerly (the same kernel as in a graph, and an error text without the graph's
    traceback): its outputs, or its error's text."""
    try:
        out = fn(*[tf.constant(x, dtype=tf.string) for x in inputs])
    except tf.errors.InvalidArgumentError as e:
        return None, e.message.split("}} ", 1)[-1].rsplit(" [Op:", 1)[0]
    except UnicodeDecodeError:
        # TF's error quotes the Example's bytes and its Python wrapper fails to decode them.
        return None, "Could not parse example input, value: '"
    return {k: np.asarray(v.numpy()) for k, v in out.items()}, None


def check(tf, fn, runner: Runner, serialized: np.ndarray, context: str, *more: np.ndarray) -> str | None:
    """TF's outputs bytewise in each runtime, or TF's error text as ours; returns the error."""
    want, error = tf_result(tf, fn, serialized, *more)
    for runtime in RUNTIMES:
        if error is None:
            assert_same(want, runner.run(runtime, serialized, *more), f"[{runtime}] {context}")
            continue
        with pytest.raises(RuntimeError) as info:
            runner.run(runtime, serialized, *more)
        # TFLite's error reporter prints with %s: the text stops at a NUL byte.
        expected = "ParseExampleV2: " + error.split("\x00")[0]
        if not error.isascii():  # the runtimes' messages decode bytes their own way
            expected = expected[: expected.index("value: '") + 8] if "value: '" in expected else expected
        assert expected in str(info.value), (context, runtime, error, str(info.value))
    return error


@pytest.fixture(scope="module")
def batch_model(tf):
    specs = feature_specs(tf)

    def fn(serialized):
        return flat_outputs(tf.io.parse_example(serialized, specs))

    model = convert(tf, fn, [None])
    assert tflite_model.custom_op_counts(model) == {"ParseExampleV2": 1}
    return fn, Runner(model)


def test_random_batches(tf, batch_model):
    fn, runner = batch_model
    rng = np.random.default_rng(7)
    for size in (0, 1, 2, 7, 64):
        batch = np.array([random_example(rng) for _ in range(size)], dtype=object)
        assert check(tf, fn, runner, batch, f"batch of {size}") is None


def test_single_example(tf):
    """parse_single_example: ParseExampleV2 on a scalar (no batch dims)."""
    specs = feature_specs(tf)

    def fn(serialized):
        return flat_outputs(tf.io.parse_single_example(serialized, specs))

    model = convert(tf, fn, [])
    assert tflite_model.custom_op_counts(model) == {"ParseExampleV2": 1}
    runner = Runner(model)
    rng = np.random.default_rng(11)
    for n in range(6):
        one = np.array(random_example(rng), dtype=object)
        assert check(tf, fn, runner, one, f"single example {n}") is None
    # TF parses one example with other code (FastParseSingleExample) and other error texts.
    failed = 0
    for name, examples in errors_of(tf):
        for k, example in enumerate(examples):
            failed += check(tf, fn, runner, np.array(example, dtype=object), f"{name} {k}") is not None
    assert failed >= 10


def errors_of(tf) -> list[tuple[str, list[bytes]]]:
    good = [
        (b"i_req", feature_bytes("int64", [3], True)),
        (b"f_req", feature_bytes("float", [1.0, 2.0, 3.0], True)),
    ]

    def ex(*extra: tuple[bytes, bytes], drop: bytes = b"") -> bytes:
        return example_bytes([e for e in good if e[0] != drop] + list(extra))

    return [
        ("missing required", [ex(), ex(drop=b"i_req")]),
        ("missing in the second", [ex(), ex(drop=b"f_req"), ex(drop=b"i_req")]),
        ("dense wrong type", [ex((b"f_fix", feature_bytes("int64", [1, 2], True)))]),
        ("sparse wrong type", [ex(), ex((b"i_var", feature_bytes("float", [1.0], True)))]),
        ("ragged wrong type", [ex((b"s_rag", feature_bytes("int64", [1], False)))]),
        ("dense too many", [ex((b"f_fix", feature_bytes("float", [1.0, 2.0, 3.0], False)))]),
        ("dense too few strings", [ex((b"s_fix", feature_bytes("bytes", [b"x"], False)))]),
        ("stride", [ex((b"f_seq", feature_bytes("float", [1.0, 2.0], True)))]),
        ("corrupt", [ex(), b"\x0a\x05garbage"]),
        ("truncated", [ex()[:-3]]),
        ("unsupported datatype", [ex((b"i_var", b"\x22\x00"))]),
        ("bad list", [ex((b"i_var", b"\x1a\x02\x0a\x05"))]),
        (
            "wrong type then right (last wins)",
            [
                ex(
                    (b"f_fix", feature_bytes("int64", [1], True)),
                    (b"f_fix", feature_bytes("float", [4.0, 5.0], True)),
                )
            ],
        ),
        ("group field", [b"\x0b" + ex()]),
        ("unknown fields", [b"\x11" + b"\x00" * 8 + b"\x1d\x01\x02\x03\x04" + ex() + b"\x22\x01z"]),
    ]


def test_errors_as_tf(tf, batch_model):
    fn, runner = batch_model
    failed = set()
    for name, examples in errors_of(tf):
        error = check(tf, fn, runner, np.array(examples, dtype=object), name)
        if error is not None:
            failed.add(name)
    # The error cases do fail in TF (the test would otherwise only compare successes).
    assert {"missing required", "dense wrong type", "sparse wrong type", "corrupt", "stride"} <= failed


def test_random_corruptions(tf, batch_model):
    """Valid Examples with bytes flipped, dropped or inserted: TF's outputs or TF's error."""
    fn, runner = batch_model
    rng = np.random.default_rng(3)
    errors = 0
    for n in range(120):
        raw = bytearray(random_example(rng))
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(0, len(raw)))
            what = rng.integers(0, 3)
            if what == 0:
                raw[at] = int(rng.integers(0, 256))
            elif what == 1:
                del raw[at]
            else:
                raw.insert(at, int(rng.integers(0, 256)))
        errors += (
            check(tf, fn, runner, np.array([bytes(raw)], dtype=object), f"corruption {n}: {bytes(raw)!r}")
            is not None
        )
    assert 10 < errors < 120


def test_keras_serving_function(tf):
    """A serving signature as Keras/Estimator exports: serialized Examples in, parse, dense layers."""
    tf.keras.utils.set_random_seed(5)
    dense = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(2)])
    dense.build((None, 5))
    specs = {
        "x": tf.io.FixedLenFeature([4], tf.float32),
        "age": tf.io.FixedLenFeature([], tf.int64, default_value=30),
    }

    def serve(serialized):
        f = tf.io.parse_example(serialized, specs)
        x = tf.concat([f["x"], tf.cast(f["age"], tf.float32)[:, None] / 100.0], axis=1)
        return {"logits": dense(x)}

    model = convert(tf, serve, [None])
    assert tflite_model.custom_op_counts(model) == {"ParseExampleV2": 1}
    runner = Runner(model)
    rng = np.random.default_rng(9)
    batch = []
    for i in range(16):
        entries = [(b"x", feature_bytes("float", random_values(rng, "float", 4), bool(i % 2)))]
        if i % 3:
            entries.append((b"age", feature_bytes("int64", [int(rng.integers(0, 99))], True)))
        batch.append(example_bytes(entries))
    serialized = np.array(batch, dtype=object)
    want, error = tf_result(tf, serve, serialized)
    assert error is None
    parsed = tf.io.parse_example(serialized, specs)
    for runtime in RUNTIMES:
        got = runner.run(runtime, serialized)
        # The dense layers are TFLite's FULLY_CONNECTED against TF's MatMul (float sums in another
        # order): the parse is exact, the logits agree to float rounding.
        np.testing.assert_allclose(got["logits"], want["logits"], rtol=1e-5, atol=1e-6)
    assert parsed["x"].shape == (16, 4)


def test_select_tf_ops_route(tf, batch_model):
    """Converted the stock Select TF ops way (a FlexParseExampleV2 node, its options TF's NodeDef):
    the same kernel runs it, dense_shapes again from the declared output shapes."""
    fn, _ = batch_model
    function = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.string, name="serialized")])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    model = converter.convert()
    assert tflite_model.custom_op_counts(model) == {"FlexParseExampleV2": 1}
    runner = ByPosition(model, sorted(fn(tf.constant([], tf.string))))
    rng = np.random.default_rng(17)
    batch = np.array([random_example(rng) for _ in range(9)], dtype=object)
    assert check(tf, fn, runner, batch, "select TF ops") is None


def test_example_names(tf):
    """example_names (the op's `names` input) name the failing example in TF's texts; their count
    must match the batch's (or be 0)."""
    specs = {"a": tf.io.FixedLenFeature([2], tf.float32), "b": tf.io.VarLenFeature(tf.int64)}

    def fn(serialized, names):
        return flat_outputs(tf.io.parse_example(serialized, specs, example_names=names))

    signature = [
        tf.TensorSpec([None], tf.string, name="serialized"),
        tf.TensorSpec([None], tf.string, name="names"),
    ]
    model = convert_model(tf.function(fn, input_signature=signature)).model
    runner = Runner(model)
    good = example_bytes([(b"a", feature_bytes("float", [1.0, 2.0], True))])
    bad = example_bytes([(b"a", feature_bytes("float", [1.0], True))])
    missing = example_bytes([(b"b", feature_bytes("int64", [4], False))])
    cases = [
        ([good, good], [b"x", b"y"], False),
        ([good, bad], [b"first", b"second \xc3\xa9"], True),
        ([missing], [b"m"], True),
        ([good, missing], [], True),
        ([good], [b"x", b"y"], True),  # TF: names must have serialized's shape
    ]
    for serialized, names, fails in cases:
        error = check(
            tf,
            fn,
            runner,
            np.array(serialized, dtype=object),
            f"names {names}",
            np.array(names, dtype=object),
        )
        assert (error is not None) == fails, (names, error)
