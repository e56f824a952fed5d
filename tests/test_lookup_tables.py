"""Lookup tables (HashTableV2, MutableHashTableV2, LookupTableImportV2/FindV2/InsertV2/SizeV2) as
opbridge resources vs TF's own kernels, in both runtimes: every key/value pair TF registers (one
model per table kind), CALL_ONCE init subgraphs, resize + re-invoke, per-interpreter mutable state,
Keras StringLookup/IntegerLookup, and TF's errors (uninitialized table, wrong key dtype, conflicting
import, insert into a static table)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession

TABLE_OPS = ("HashTableV2", "LookupTableImportV2", "LookupTableFindV2", "LookupTableSizeV2")
MUTABLE_OPS = ("MutableHashTableV2", "LookupTableInsertV2", "LookupTableFindV2", "LookupTableSizeV2")

# TF's registered pairs (lookup_table_op.cc); int64 -> variant is left out (no TFLite tensor).
STATIC_PAIRS = (
    [("int32", v) for v in ("float64", "float32", "int32", "string")]
    + [("int64", v) for v in ("float64", "float32", "int32", "int64", "string")]
    + [("string", v) for v in ("bool", "float64", "float32", "int32", "int64", "string")]
)
MUTABLE_PAIRS = (
    [("int32", v) for v in ("float64", "float32", "int32")]
    + [("int64", v) for v in ("float64", "float32", "int32", "int64", "string")]
    + [("string", v) for v in ("bool", "float64", "float32", "int32", "int64")]
)

KEYS = {
    "int32": np.array([3, -7, 2**31 - 1, 0], np.int32),
    "int64": np.array([3, -(2**40), 2**62, 0], np.int64),
    "string": np.array([b"a", b"", b"b\x00c", "h\u00e9llo".encode()], object),
}
VALUES = {
    "float64": np.array([0.5, -1.25, 1e300, -0.0]),
    "float32": np.array([0.5, -1.25, 3e38, 7.0], np.float32),
    "int32": np.array([1, -2, 2**31 - 1, 0], np.int32),
    "int64": np.array([1, -(2**50), 2**63 - 1, 0], np.int64),
    "bool": np.array([True, False, True, False]),
    "string": np.array([b"x", b"", b"yy", b"\x00\xff"], object),
}
DEFAULTS = {"float64": -1.5, "float32": -1.5, "int32": -1, "int64": -1, "bool": False, "string": b"<unk>"}


def _queries(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Keys drawn from the table's keys and some that miss."""
    misses = {
        "int32": np.array([1, -(2**31), 4], np.int32),
        "int64": np.array([1, 2**63 - 1, 4], np.int64),
        "string": np.array([b"b", b"a ", b"\x00b"], object),
    }[kind]
    pool = np.concatenate([KEYS[kind], misses])
    return pool[rng.integers(0, len(pool), n)]


def _key(pair: tuple[str, str]) -> str:
    return f"{pair[0]}_{pair[1]}"


def _assert_same(expected: dict[str, Any], actual: dict[str, np.ndarray]) -> None:
    assert set(actual) == set(expected)
    for name, value in expected.items():
        want = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        got = actual[name]
        assert got.shape == want.shape, name
        assert got.dtype == want.dtype or want.dtype == object, name
        np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.fixture(scope="module")
def static_case(tf):
    import opbridge

    class Tables(tf.Module):
        def __init__(self) -> None:
            self.tables = {
                _key(p): tf.lookup.StaticHashTable(
                    tf.lookup.KeyValueTensorInitializer(
                        tf.constant(KEYS[p[0]], tf.as_dtype(p[0])),
                        tf.constant(VALUES[p[1]], tf.as_dtype(p[1])),
                    ),
                    tf.constant(DEFAULTS[p[1]], tf.as_dtype(p[1])),
                )
                for p in STATIC_PAIRS
            }

        @tf.function(
            input_signature=[
                tf.TensorSpec(None, tf.as_dtype(k), name=k) for k in ("int32", "int64", "string")
            ]
        )
        def lookup(self, int32, int64, string):
            keys = {"int32": int32, "int64": int64, "string": string}
            out = {}
            for p in STATIC_PAIRS:
                out[f"find_{_key(p)}"] = self.tables[_key(p)].lookup(keys[p[0]])
                out[f"size_{_key(p)}"] = self.tables[_key(p)].size()
            return out

    module = Tables()
    return module, opbridge.convert(module.lookup)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_static_tables_every_pair(static_case, runtime, rng):
    module, model = static_case
    counts = tflite_model.custom_op_counts(model)
    for op in TABLE_OPS:
        assert counts.get(op, 0) >= 1, counts
    assert counts["LookupTableFindV2"] == len(STATIC_PAIRS)
    ops = tflite_model.op_histogram(model)
    assert ops.get("CALL_ONCE") == 1 and "Placeholder" not in ops, ops
    session = SignatureSession(model, runtime)
    # Resized and re-invoked: the init subgraph ran once, the tables stay.
    for shape in [(2, 3), (9,), (1, 1, 4)]:
        n = int(np.prod(shape))
        inputs = {k: _queries(k, n, rng).reshape(shape) for k in ("int32", "int64", "string")}
        session.set_inputs(inputs)
        session.invoke()
        _assert_same(module.lookup(**inputs), session.outputs())


def SPECS(tf) -> list[Any]:
    """The mutable model's inputs: keys, values (one per dtype, in VALUES' order), queries."""
    specs = [tf.TensorSpec([None], tf.as_dtype(k), name=f"k_{k}") for k in KEYS]
    specs += [tf.TensorSpec([None], tf.as_dtype(v), name=f"v_{v}") for v in VALUES]
    return specs + [tf.TensorSpec([None], tf.as_dtype(k), name=f"q_{k}") for k in KEYS]


class _Mutable:
    """tf.Module factory: mutable tables of every pair, insert then find."""

    @staticmethod
    def build(tf):
        class Mutable(tf.Module):
            def __init__(self) -> None:
                self.tables = {
                    _key(p): tf.lookup.experimental.MutableHashTable(
                        tf.as_dtype(p[0]), tf.as_dtype(p[1]), DEFAULTS[p[1]]
                    )
                    for p in MUTABLE_PAIRS
                }

            @tf.function(input_signature=SPECS(tf))
            def step(
                self,
                k_int32,
                k_int64,
                k_string,
                v_float64,
                v_float32,
                v_int32,
                v_int64,
                v_bool,
                v_string,
                q_int32,
                q_int64,
                q_string,
            ):
                keys = {"int32": k_int32, "int64": k_int64, "string": k_string}
                values = {
                    "float64": v_float64,
                    "float32": v_float32,
                    "int32": v_int32,
                    "int64": v_int64,
                    "bool": v_bool,
                    "string": v_string,
                }
                queries = {"int32": q_int32, "int64": q_int64, "string": q_string}
                out = {}
                for p in MUTABLE_PAIRS:
                    table = self.tables[_key(p)]
                    table.insert(keys[p[0]], values[p[1]])
                    out[f"find_{_key(p)}"] = table.lookup(queries[p[0]])
                    out[f"size_{_key(p)}"] = table.size()
                return out

        return Mutable


def _mutable_inputs(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """n pairs (keys repeat within a call: the later value wins) and 7 queries."""
    inputs = {f"k_{k}": _queries(k, n, rng) for k in KEYS}
    inputs.update({f"v_{v}": VALUES[v][rng.integers(0, 4, n)] for v in VALUES})
    inputs.update({f"q_{k}": _queries(k, 7, rng) for k in KEYS})
    return inputs


@pytest.fixture(scope="module")
def mutable_case(tf):
    import opbridge

    cls = _Mutable.build(tf)
    source = cls()  # kept alive: a tf.function method holds its object weakly
    return cls, opbridge.convert(source.step), source


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_mutable_tables_per_interpreter(tf, mutable_case, runtime, rng):
    cls, model, _ = mutable_case
    counts = tflite_model.custom_op_counts(model)
    for op in MUTABLE_OPS:
        assert counts.get(op, 0) >= 1, counts
    assert "Placeholder" not in counts
    # Two interpreters of one model keep their own tables, as two TF objects do.
    refs = [cls(), cls()]
    sessions = [SignatureSession(model, runtime), SignatureSession(model, runtime)]

    def step(i: int, n: int) -> None:
        inputs = _mutable_inputs(rng, n)
        sessions[i].set_inputs(inputs)
        sessions[i].invoke()
        args = [inputs[s.name] for s in SPECS(tf)]
        _assert_same(refs[i].step(*args), sessions[i].outputs())

    step(0, 5)
    step(1, 3)
    step(0, 6)  # resized: inserts overwrite, the table grows
    step(1, 2)  # (SignatureSession resizes only away from the model's own [1])
    step(0, 4)


def _string_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct keys of every length the table's byte hash reads differently (0, 1-3, 4-7, 8-16,
    over 16 in 16-byte blocks and a tail): the empty key, 1-, 2- and 3-byte keys, then numbered
    keys with 0-63 random bytes (NUL and non-ASCII included). No key ends in NUL: numpy's
    fixed-width bytes, which the runtimes' string inputs pass through, drop trailing NULs."""
    short = [b""] + [bytes([c]) for c in range(1, 256)] + [bytes([c, 1 + c % 255]) for c in range(256)]
    short += [bytes([c, 0, c]) for c in range(1, 256)]
    rest = [
        f"k{i}:".encode() + rng.integers(0, 256, i % 64, dtype=np.uint8).tobytes() + b"."
        for i in range(n - len(short))
    ]
    return np.array(short + rest, object)


def _changed(key: bytes, rng: np.random.Generator) -> bytes:
    """key with one byte changed (never to a trailing NUL), or b"?" for the empty key."""
    if not key:
        return b"?"
    at = int(rng.integers(0, len(key)))
    return key[:at] + bytes([key[at] ^ (2 if key[at] == 1 else 1)]) + key[at + 1 :]


@pytest.fixture(scope="module")
def large_case(tf):
    """Tables of thousands of keys, where probing runs past full slot groups: random int64 keys,
    int32 keys in a run (hashes of neighbours), string keys; and a mutable table found with a
    default per key."""
    from tensorflow.python.ops import gen_lookup_ops

    import opbridge

    rng = np.random.default_rng(7)
    n = 16000  # 49% of 32768 slots: many full slot groups
    keys = {
        "int64": rng.choice(1 << 40, n, replace=False).astype(np.int64),
        "int32": (np.arange(n) * 7 - n).astype(np.int32),
        "string": _string_keys(rng, n),
    }
    values = rng.normal(size=n).astype(np.float32)

    class Tables(tf.Module):
        def __init__(self) -> None:
            self.tables = {
                k: tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys[k], values), -1.0)
                for k in keys
            }
            self.cache = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, -1.0)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.as_dtype(k), name=k) for k in keys])
        def lookup(self, int64, int32, string):
            queries = {"int64": int64, "int32": int32, "string": string}
            out = {f"find_{k}": self.tables[k].lookup(queries[k]) for k in keys}
            self.cache.insert(int64[::2], tf.cast(int64[::2] % 1000, tf.float32))
            defaults = -tf.cast(tf.range(tf.size(int64)), tf.float32)
            handle = self.cache.resource_handle
            out["find_mutable"] = gen_lookup_ops.lookup_table_find_v2(handle, int64, defaults)
            return out

    def queries(k: str, size: int) -> np.ndarray:
        misses = {
            "int64": rng.integers(0, 1 << 40, size).astype(np.int64),
            "int32": rng.integers(-(2**31), 2**31 - 1, size).astype(np.int32),
            # Keys with one byte changed (mostly misses) and others of every length.
            "string": np.array(
                [_changed(keys["string"][j], rng) for j in rng.integers(0, n, size // 2)]
                + [f"m{i}".encode() * (i % 9) for i in range(size - size // 2)],
                object,
            ),
        }[k]
        return np.where(rng.random(size) < 0.7, keys[k][rng.integers(0, n, size)], misses)

    converted = Tables()  # kept alive: the traced function holds its module weakly
    return Tables, opbridge.convert(converted.lookup), queries, converted


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_large_tables(large_case, runtime):
    cls, model, queries, _ = large_case
    module = cls()
    session = SignatureSession(model, runtime)
    for size in (5000, 30000):
        inputs = {k: queries(k, size) for k in ("int64", "int32", "string")}
        session.set_inputs(inputs)
        session.invoke()
        _assert_same(module.lookup(**inputs), session.outputs())


@pytest.fixture(scope="module")
def keras_case(tf):
    import keras

    import opbridge

    words = keras.Input([None], dtype="string", name="words")
    ids = keras.Input([None], dtype="int64", name="ids")
    vocab = ["the", "cat", "sat", "on"]
    outputs = {
        "str_int": keras.layers.StringLookup(vocabulary=vocab, mask_token="", num_oov_indices=2)(words),
        "str_onehot": keras.layers.StringLookup(vocabulary=vocab, output_mode="one_hot")(words[:, 0]),
        "int_int": keras.layers.IntegerLookup(vocabulary=[5, 7, 9, 1000], mask_token=0)(ids),
        "int_onehot": keras.layers.IntegerLookup(vocabulary=[5, 7], output_mode="one_hot")(ids[:, 0]),
    }
    model = keras.Model({"words": words, "ids": ids}, outputs)
    return model, opbridge.convert(model)


def test_keras_string_inputs_have_object_specs(tf, keras_case):
    # `opbridge convert model.keras` reads the inputs' specs: Keras names the dtype "string".
    from opbridge.source import ModelSource

    specs = {s.name: s for s in ModelSource(tf, keras_case[0]).input_specs()}
    assert (specs["words"].dtype, specs["ids"].dtype) == (np.dtype(object), np.dtype(np.int64))
    assert specs["words"].shape == (None, None)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_keras_lookup_layers(keras_case, runtime, rng):
    model, converted = keras_case
    counts = tflite_model.custom_op_counts(converted)
    for op in TABLE_OPS[:3]:
        assert counts.get(op, 0) >= 1, counts
    session = SignatureSession(converted, runtime)
    pool = np.array([b"the", b"cat", b"", b"sat", b"on", b"dog", b"The", b"on "], object)
    # Not (1, 1): TFLite's builtin SELECT_V2 keeps a declared-scalar output when
    # every input has one element (select.cc), where TF gives [1, 1].
    for rows, cols in [(2, 1), (3, 4), (6, 2)]:
        inputs = {
            "words": pool[rng.integers(0, len(pool), (rows, cols))],
            "ids": rng.choice(np.array([0, 1, 2, 3, 4, 5, 7, 9, 1000, -3], np.int64), (rows, cols)),
        }
        session.set_inputs(inputs)
        session.invoke()
        _assert_same(model(inputs), session.outputs())


def _tf_error(tf, fn, *args) -> str:
    with pytest.raises(tf.errors.OpError) as info:
        fn(*args)
    return info.value.message


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_table_errors(tf, runtime):
    """Hostile or wrong graphs: TF errors at run time, so must opbridge (naming the op), never crash."""
    from tensorflow.python.ops import gen_lookup_ops as lookup

    import opbridge

    def table(name: str):
        # A name per graph: TF keeps a named table for the process, across calls.
        return lookup.hash_table_v2(
            key_dtype=tf.int64, value_dtype=tf.float32, shared_name=f"{name}_{runtime}"
        )

    spec = [tf.TensorSpec([None], tf.int64, name="k")]

    @tf.function(input_signature=spec)
    def uninitialized(k):
        return lookup.lookup_table_find_v2(table("uninitialized"), k, tf.constant(0.0))

    @tf.function(input_signature=spec)
    def wrong_key_dtype(k):
        handle = table("wrong_key_dtype")
        lookup.lookup_table_import_v2(handle, tf.constant([1, 2], tf.int64), tf.constant([1.0, 2.0]))
        return lookup.lookup_table_find_v2(handle, tf.cast(k, tf.int32), tf.constant(0.0))

    @tf.function(input_signature=spec)
    def conflicting_import(k):
        handle = table("conflicting_import")
        lookup.lookup_table_import_v2(handle, k, tf.cast(tf.range(tf.size(k)), tf.float32))
        return lookup.lookup_table_find_v2(handle, k, tf.constant(0.0))

    @tf.function(input_signature=spec)
    def insert_into_static(k):
        handle = table("insert_into_static")
        lookup.lookup_table_import_v2(handle, tf.constant([1], tf.int64), tf.constant([1.0]))
        lookup.lookup_table_insert_v2(handle, k, tf.cast(k, tf.float32))
        return lookup.lookup_table_size_v2(handle)

    @tf.function(input_signature=spec)
    def bad_default(k):
        handle = table("bad_default")
        lookup.lookup_table_import_v2(handle, tf.constant([1], tf.int64), tf.constant([1.0]))
        return lookup.lookup_table_find_v2(handle, k, tf.constant([0.0, 1.0]))

    @tf.function(input_signature=spec)
    def conflicting_dtypes(k):
        # One name, two kinds of table: TF's "Conflicting key/value dtypes".
        a = table("conflicting_dtypes")
        b = lookup.mutable_hash_table_v2(
            key_dtype=tf.int64, value_dtype=tf.int32, shared_name=f"conflicting_dtypes_{runtime}"
        )
        return lookup.lookup_table_size_v2(a) + lookup.lookup_table_size_v2(b) + tf.size(k, tf.int64)

    cases = [
        (
            conflicting_dtypes,
            np.array([1], np.int64),
            "is a HashTable of int64 to float, not",
            "MutableHashTableV2",
        ),
        (uninitialized, np.array([1], np.int64), "Table not initialized.", "LookupTableFindV2"),
        (wrong_key_dtype, np.array([1], np.int64), "is int32 but the table is", "LookupTableFindV2"),
        (conflicting_import, np.array([1, 1], np.int64), None, "LookupTableImportV2"),
        (insert_into_static, np.array([1], np.int64), "Insert not supported", "LookupTableInsertV2"),
        (bad_default, np.array([1, 2, 3], np.int64), "for default value, got [2]", "LookupTableFindV2"),
    ]
    for fn, k, message, op in cases:
        tf_message = _tf_error(tf, fn, k)
        model = opbridge.convert(fn)
        assert tflite_model.custom_op_counts(model).get(op, 0) >= 1
        session = SignatureSession(model, runtime)
        session.set_inputs([k])
        with pytest.raises(RuntimeError) as info:
            session.invoke()
        text = str(info.value)
        assert op in text, text
        if message is None:  # key 1 given twice, with values 0 and 1: TF's words
            assert "different value for same key" in tf_message and "different value for same key" in text
        else:
            assert message in text, text

    # Repeated keys with equal values are no conflict (TF compares the values).
    @tf.function(input_signature=spec)
    def repeated_keys(k):
        handle = table("repeated_keys")
        lookup.lookup_table_import_v2(handle, k, tf.cast(k, tf.float32))
        return lookup.lookup_table_find_v2(handle, k + 1, tf.constant(-1.0)), lookup.lookup_table_size_v2(
            handle
        )

    k = np.array([0, 0, 2, 1], np.int64)
    session = SignatureSession(opbridge.convert(repeated_keys), runtime)
    session.set_inputs([k])
    session.invoke()
    want = repeated_keys(k)
    _assert_same({name: want[i] for i, name in enumerate(sorted(session.outputs()))}, session.outputs())


def _resource_handle_model(handle: bytes | None) -> bytes:
    """LookupTableSizeV2 on a hostile handle: a resource tensor that no table op wrote (a model input
    without data, or a constant of the given bytes)."""
    from ai_edge_litert import schema_py_generated as schema

    constants = {} if handle is None else {"table_handle": handle}
    model = tflite_model.single_custom_op_model(
        "LookupTableSizeV2", [("table_handle", [], np.int32)], [("size", [], np.int64)], constants=constants
    )
    t = schema.ModelT.InitFromPackedBuf(model, 0)
    t.subgraphs[0].tensors[0].type = schema.TensorType.RESOURCE
    builder = tflite_model.flatbuffers.Builder(1024)
    builder.Finish(t.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("handle", "message"),
    [
        (None, "has no data"),
        (b"\x01\x00", "holds 2 bytes, too few for 1 resource handles"),
        (np.int32(12345).tobytes(), "holds resource id 12345, which names no resource of this interpreter"),
    ],
)
def test_hostile_handles(runtime, handle, message):
    from opbridge.interpreter import Interpreter

    interpreter = Interpreter(model_content=_resource_handle_model(handle), runtime=runtime)
    with pytest.raises(RuntimeError) as info:
        interpreter.allocate_tensors()
        interpreter.invoke()
    assert "LookupTableSizeV2" in str(info.value) and message in str(info.value), str(info.value)
