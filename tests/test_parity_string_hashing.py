"""TF's string hashing ops against opbridge's TFLite kernels, bit for bit: Fingerprint (farmhash64),
StringToHashBucketFast/Strong/(legacy), SparseCross (hashed and string), SparseCrossHashed,
SparseCrossV2, and the Keras Hashing and HashedCrossing layers converted whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

BIG = 2**63 - 1  # num_buckets that keeps nearly all 64 bits of a hash visible
KEY = [98765, 132]


def strings_of_every_length(rng: np.random.Generator, longest: int = 300) -> np.ndarray:
    """Lengths 0..longest reach every farmhash branch (0, 1-3, 4-7, 8-16, 17-32, 33-64, the
    64-byte loop with 1..64 tail bytes); bytes >= 0x80 catch signed-char loads."""
    out = []
    for n in range(longest + 1):
        raw = rng.integers(0, 256, n, dtype=np.uint8)
        raw[-1:] |= 1  # no trailing NUL: the Python runtimes feed strings as numpy bytes, which drop it
        out.append(raw.tobytes())
    return np.array(out, object)


def expect_equal(
    tf: Any, fn: Callable[..., Any], model: bytes, feeds: Sequence[Sequence[np.ndarray]], num_threads: int = 1
) -> None:
    """Each feed through TF and through both runtimes (inputs by index): every output exactly equal."""
    for feed in feeds:
        want = {k: np.asarray(v) for k, v in fn(*[tf.constant(a) for a in feed]).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, list(feed), runtime, num_threads=num_threads)
            assert sorted(got) == sorted(want), (runtime, sorted(got))
            for name, w in want.items():
                g = got[name]
                # run_tflite makes zero-element outputs itself, a string one as numpy bytes.
                same_kind = g.dtype == w.dtype or (w.size == 0 and w.dtype == object and g.dtype.kind == "S")
                assert g.shape == w.shape and same_kind, (runtime, name, g.shape, w.shape, g.dtype)
                np.testing.assert_array_equal(g, w, err_msg=f"[{runtime}] output {name}")


def bucket_outputs(tf: Any) -> Callable[[Any], dict[str, Any]]:
    def fn(s: Any) -> dict[str, Any]:
        return {
            "fingerprint": tf.fingerprint(s) if s.shape.rank else tf.fingerprint(tf.reshape(s, [1])),
            "fast_big": tf.strings.to_hash_bucket_fast(s, BIG),
            "fast_1": tf.strings.to_hash_bucket_fast(s, 1),
            "fast_7": tf.strings.to_hash_bucket_fast(s, 7),
            "strong_big": tf.strings.to_hash_bucket_strong(s, BIG, KEY),
            "strong_negative_key": tf.strings.to_hash_bucket_strong(s, 1000, [-1, -(2**63)]),
            "legacy_big": tf.raw_ops.StringToHashBucket(string_tensor=s, num_buckets=BIG),
            "legacy_10": tf.raw_ops.StringToHashBucket(string_tensor=s, num_buckets=10),
        }

    return fn


BUCKET_OPS = {
    "Fingerprint": 1,
    "StringToHashBucketFast": 3,
    "StringToHashBucketStrong": 2,
    "StringToHashBucket": 2,
}


def test_every_length_and_bucket_count(tf, rng):
    """One model, every hash op; strings of 0..300 bytes, then other sizes by resizing the input."""
    fn = bucket_outputs(tf)
    model = convert_fn(fn, ((None,), tf.string))
    assert tflite_model.custom_op_counts(model) == BUCKET_OPS
    words = np.array([b"", b"a", b"b", b"c", b"hello", "ünïcödé".encode(), b"\x00\x00z", b"a\x00b"], object)
    expect_equal(tf, fn, model, [[strings_of_every_length(rng)], [words], [words[:1]], [words[:0]]])


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 1, 1), (1, 5), (0, 2, 2), (4, 1)], ids=str)
def test_ranks(tf, rng, shape):
    """Buckets keep the input's shape; Fingerprint hashes a row of several strings as the fingerprint
    of their fingerprints (one string per row: its own fingerprint)."""
    fn = bucket_outputs(tf)
    model = convert_fn(fn, ((None,) * len(shape), tf.string))
    n = int(np.prod(shape))
    data = np.array(
        [rng.integers(0, 256, rng.integers(0, 80), dtype=np.uint8).tobytes() for _ in range(n)], object
    )
    expect_equal(tf, fn, model, [[data.reshape(shape)]])


def test_scalar_strings(tf):
    fn = bucket_outputs(tf)
    model = convert_fn(fn, ((), tf.string))
    # Not b"": the Python runtimes cannot feed an empty scalar string (it arrives as other bytes).
    expect_equal(tf, fn, model, [[np.array(b"scalar", object)], [np.array(b"\xff", object)]])


NUMERIC = [
    np.float32, np.float64, np.float16, np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128,
]  # fmt: skip


def test_fingerprint_of_every_numeric_dtype(tf, rng):
    """A row is its raw bytes (dim1 * sizeof(T)): NaN payloads and -0.0 included."""

    def fn(*xs: Any) -> dict[str, Any]:
        return {f"fp_{np.dtype(d).name}": tf.fingerprint(x) for d, x in zip(NUMERIC, xs, strict=True)}

    model = convert_fn(fn, *[((None, None), tf.as_dtype(d)) for d in NUMERIC])
    assert tflite_model.custom_op_counts(model) == {"Fingerprint": len(NUMERIC)}

    def data(shape: tuple[int, ...]) -> list[np.ndarray]:
        raw = rng.integers(0, 256, (len(NUMERIC), *shape, 16), dtype=np.uint8)
        out = []
        for k, d in enumerate(NUMERIC):
            size = np.dtype(d).itemsize
            x = (
                raw[k, ..., :size].copy().view(d).reshape(shape)
                if d is not np.bool_
                else raw[k, ..., 0] % 2 == 1
            )
            out.append(x.astype(d))
        return out

    floats = [np.array([[np.nan, -0.0, np.inf, 1.5]], d) for d in (np.float32, np.float64, np.float16)]
    special = data((1, 4))
    special[:3] = floats
    expect_equal(tf, fn, model, [data((3, 5)), data((1, 1)), data((7, 33)), special, data((0, 3))])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fingerprint_method_must_be_farmhash64(tf, runtime):
    fn = tf.function(
        lambda x, m: tf.raw_ops.Fingerprint(data=x, method=m),
        input_signature=[tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.string)],
    )
    model = convert_fn(fn.python_function, ((None,), tf.float32), ((), tf.string))
    x = np.ones(3, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unsupported fingerprint method: md5"):
        fn(x, np.array(b"md5", object))
    with pytest.raises(RuntimeError, match=r"Fingerprint: unsupported fingerprint method 'md5'"):
        run_tflite(model, [x, np.array(b"md5", object)], runtime)
    (got,) = run_tflite(model, [x, np.array(b"farmhash64", object)], runtime).values()
    np.testing.assert_array_equal(got, fn(x, np.array(b"farmhash64", object)).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fingerprint_of_a_scalar_is_an_error_as_in_tf(tf, runtime):
    with pytest.raises(ValueError, match="at least rank 1"):
        tf.function(lambda x: tf.fingerprint(x)).get_concrete_function(tf.TensorSpec((), tf.float32))
    model = tflite_model.single_custom_op_model(
        "Fingerprint",
        [("data", [], np.float32), ("method", [], np.object_)],
        [("fingerprint", [1, 8], np.uint8)],
        options=flexbuffers.Dumps({"T": 0}),  # TFLite type codes: 0 is float32
    )
    with pytest.raises(RuntimeError, match=r"Fingerprint: input .data. must have rank >= 1, got shape \[\]"):
        run_tflite(model, [np.float32(1), np.array(b"farmhash64", object)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_strong_key_must_have_two_elements(tf, runtime):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Key must have 2 elements"):
        tf.raw_ops.StringToHashBucketStrong(input=["a"], num_buckets=3, key=[1, 2, 3])
    model = tflite_model.single_custom_op_model(
        "StringToHashBucketStrong",
        [("input", [1], np.object_)],
        [("output", [1], np.int64)],
        options=flexbuffers.Dumps({"num_buckets": 3, "key": [1, 2, 3]}),
    )
    with pytest.raises(
        RuntimeError, match=r"StringToHashBucketStrong: attr 'key' must have 2 elements, got 3"
    ):
        run_tflite(model, [np.array([b"a"], object)], runtime)


# --- SparseCross family -----------------------------------------------------------------------


def sparse_column(
    rng: np.random.Generator, batch: int, dtype: str, *, shuffle: bool = False
) -> list[np.ndarray]:
    """indices [n, 2], values [n], dense_shape [2] with 0-3 features per row (some rows empty)."""
    counts = rng.integers(0, 4, batch)
    rows = np.repeat(np.arange(batch), counts)
    cols = np.concatenate([np.arange(c) for c in counts]) if batch else np.zeros(0, np.int64)
    indices = np.stack([rows, cols], 1).astype(np.int64).reshape(-1, 2)
    if shuffle and len(indices) > 2:
        indices[[0, -1]] = indices[[-1, 0]]  # TF's walk stops at the first out-of-order row
    values = feature_values(rng, len(indices), dtype)
    return [indices, values, np.array([batch, max(int(counts.max(initial=0)), 1)], np.int64)]


def feature_values(rng: np.random.Generator, n: int, dtype: str) -> np.ndarray:
    if dtype == "string":
        return np.array(
            [rng.integers(97, 123, rng.integers(0, 12), dtype=np.uint8).tobytes() for _ in range(n)], object
        )
    # Values that differ only in their high 32 bits: keyed int64 columns hash just the low 4 bytes in TF.
    low = rng.integers(-3, 3, n)
    return (low + (rng.integers(0, 3, n) << 32) * rng.choice([-1, 1], n)).astype(np.int64)


def cross_inputs(
    rng: np.random.Generator, batch: int, width: int, *, shuffle: bool = False
) -> list[np.ndarray]:
    """Two sparse columns (string, int64) and two dense ones (string, int64) of `width` features."""
    feed = sparse_column(rng, batch, "string", shuffle=shuffle) + sparse_column(rng, batch, "int64")
    feed.append(feature_values(rng, batch * width, "string").reshape(batch, width))
    feed.append(feature_values(rng, batch * width, "int64").reshape(batch, width))
    return feed


CROSS_SPECS = (
    ((None, 2), "int64"), ((None,), "string"), ((2,), "int64"),
    ((None, 2), "int64"), ((None,), "int64"), ((2,), "int64"),
    ((None, None), "string"), ((None, None), "int64"),
)  # fmt: skip


def columns(tf: Any, i0: Any, v0: Any, s0: Any, i1: Any, v1: Any, s1: Any, d0: Any, d1: Any) -> list[Any]:
    return [tf.SparseTensor(i0, v0, s0), tf.SparseTensor(i1, v1, s1), d0, d1]


def cross_feeds(rng: np.random.Generator) -> list[list[np.ndarray]]:
    return [
        cross_inputs(rng, 5, 2),
        cross_inputs(rng, 3, 1, shuffle=True),
        cross_inputs(rng, 4, 0),  # a dense column without features: no crosses at all
        cross_inputs(rng, 1, 3),
        cross_inputs(rng, 0, 2),  # an empty batch
    ]


def specs(tf: Any, extra: Sequence[tuple[tuple[Any, ...], Any]] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    return [(shape, tf.as_dtype(d)) for shape, d in CROSS_SPECS] + list(extra)


def raw_lists(tf: Any, cols: Sequence[Any]) -> dict[str, list[Any]]:
    """The raw ops' four input lists from sparse tensors and dense matrices."""
    sp = [c for c in cols if isinstance(c, tf.SparseTensor)]
    return {
        "indices": [x.indices for x in sp],
        "values": [x.values for x in sp],
        "shapes": [x.dense_shape for x in sp],
        "dense_inputs": [c for c in cols if not isinstance(c, tf.SparseTensor)],
    }


def as_dict(prefix: str, sp: Any) -> dict[str, Any]:
    return {f"{prefix}_indices": sp.indices, f"{prefix}_values": sp.values, f"{prefix}_shape": sp.dense_shape}


def test_sparse_cross_v1_hashed_and_strings(tf, rng):
    """SparseCross as tf.sparse.cross_hashed writes it (hash_key start, int64 features raw), and
    its string form (raw op: "_X_" joins, int64 in decimal; internal_type int64)."""

    def fn(*t: Any) -> dict[str, Any]:
        cols = columns(tf, *t)
        out = as_dict("h0", tf.sparse.cross_hashed(cols, num_buckets=0))
        out |= as_dict("h1", tf.sparse.cross_hashed(cols[::-1], num_buckets=1, hash_key=-5))
        out |= as_dict("h1000", tf.sparse.cross_hashed([cols[0], cols[2]], num_buckets=1000, hash_key=2**40))
        i, v, s = tf.raw_ops.SparseCross(
            **raw_lists(tf, cols),
            hashed_output=False,
            num_buckets=0,
            hash_key=0,
            out_type=tf.string,
            internal_type=tf.int64,
        )
        # The kernel TF registers follows out_type, not hashed_output: int64 hashes anyway.
        quirk = tf.raw_ops.SparseCross(
            **raw_lists(tf, cols),
            hashed_output=False,
            num_buckets=0,
            hash_key=7,
            out_type=tf.int64,
            internal_type=tf.int64,
        )
        return out | {"s_indices": i, "s_values": v, "s_shape": s, "quirk_values": quirk.output_values}

    model = convert_fn(fn, *specs(tf))
    assert tflite_model.custom_op_counts(model) == {"SparseCross": 5}
    expect_equal(tf, fn, model, cross_feeds(rng))
    # Rows split over threads: each cross is computed the same way on any thread.
    expect_equal(tf, fn, model, [cross_inputs(rng, 400, 2)], num_threads=4)


def test_sparse_cross_v2_and_hashed(tf, rng):
    """SparseCrossV2 (tf.sparse.cross, a run-time separator) and SparseCrossHashed with strong_hash
    and salt fed at run time: keyed int64 columns hash their low 4 bytes (TF's quirk)."""

    def fn(*t: Any) -> dict[str, Any]:
        cols = columns(tf, *t[:8])
        sep, num_buckets, strong, salt = t[8:]
        lists = raw_lists(tf, cols)
        i, v, s = tf.raw_ops.SparseCrossV2(**lists, sep=sep)
        # An empty separator is a constant: the Python runtimes cannot feed an empty scalar string.
        empty_sep = tf.raw_ops.SparseCrossV2(**lists, sep="").output_values
        # TF 2.21 segfaults on strong_hash over a dense int64 column (KeyedDenseTensorColumn): the
        # run-time strong_hash op leaves that column out, a weak one keeps it (its raw values).
        hi, hv, hs = tf.raw_ops.SparseCrossHashed(
            **raw_lists(tf, cols[:3]), num_buckets=num_buckets, strong_hash=strong, salt=salt
        )
        weak = tf.raw_ops.SparseCrossHashed(**lists, num_buckets=num_buckets, strong_hash=False, salt=salt)
        return {
            "v2_indices": i,
            "v2_values": v,
            "v2_shape": s,
            "h_indices": hi,
            "h_values": hv,
            "h_shape": hs,
            "v2_empty_sep_values": empty_sep,
            "weak_values": weak.output_values,
        }

    extra = [((), tf.string), ((), tf.int64), ((), tf.bool), ((2,), tf.int64)]
    model = convert_fn(fn, *specs(tf, extra))
    assert tflite_model.custom_op_counts(model) == {"SparseCrossV2": 2, "SparseCrossHashed": 2}
    feeds = []
    for k, feed in enumerate(cross_feeds(rng)):
        for strong, buckets in ((False, 0), (True, 97), (True, -1), (False, BIG)):
            salt = np.array([k * 7919 - 3, -(2**62)], np.int64)
            feeds.append(
                [
                    *feed,
                    np.array(b"|x|" if k % 2 else b"::", object),
                    np.int64(buckets),
                    np.bool_(strong),
                    salt,
                ]
            )
    expect_equal(tf, fn, model, feeds)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_cross_errors_as_tf(tf, rng, runtime):
    """A batch size that disagrees between columns, a salt of the wrong length and indices that are
    not [n, 2] are errors in both."""

    def fn(i0, v0, s0, d0, salt):
        return tf.raw_ops.SparseCrossHashed(
            indices=[i0],
            values=[v0],
            shapes=[s0],
            dense_inputs=[d0],
            num_buckets=10,
            strong_hash=True,
            salt=salt,
        )

    spec = [
        ((None, None), tf.int64),
        ((None,), tf.string),
        ((2,), tf.int64),
        ((None, None), tf.int64),
        ((None,), tf.int64),
    ]
    model = convert_fn(fn, *spec)
    i0, v0, s0 = sparse_column(rng, 3, "string")
    dense = np.ones((2, 2), np.int64)
    salt = np.array([1, 2], np.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected batch size 3 got 2 at dense tensor 0"):
        fn(i0, v0, s0, dense, salt)
    with pytest.raises(
        RuntimeError, match=r"SparseCrossHashed: input dense_inputs 0 has batch size 2, expected 3"
    ):
        run_tflite(model, [i0, v0, s0, dense, salt], runtime)
    dense = np.ones((3, 2), np.int64)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match='Input "salt" must have length 2 but has length 3'
    ):
        fn(i0, v0, s0, dense, np.arange(3, dtype=np.int64))
    with pytest.raises(
        RuntimeError, match=r"SparseCrossHashed: input 'salt' must have length 2 but has length 3"
    ):
        run_tflite(model, [i0, v0, s0, dense, np.arange(3, dtype=np.int64)], runtime)
    three_columns = np.zeros((len(i0), 3), np.int64)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Expected D2 of index to be 2 got 3 at position 0"
    ):
        fn(three_columns, v0, s0, dense, salt)
    with pytest.raises(
        RuntimeError, match=r"SparseCrossHashed: input indices 0 must have 2 columns, got shape"
    ):
        run_tflite(model, [three_columns, v0, s0, dense, salt], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_negative_batch_size_is_an_error(tf, runtime):
    """TF's kernel sizes a vector by shapes[0][0] and dies on a negative one; ours refuses it."""
    model = convert_fn(
        lambda i, v, s: tf.sparse.cross([tf.SparseTensor(i, v, s)]).indices,
        ((None, 2), tf.int64),
        ((None,), tf.string),
        ((2,), tf.int64),
    )
    feed = [np.zeros((0, 2), np.int64), np.zeros(0, object), np.array([-1, 1], np.int64)]
    with pytest.raises(RuntimeError, match=r"SparseCrossV2: input shapes 0 gives a negative batch size -1"):
        run_tflite(model, feed, runtime)


# --- Keras layers, converted whole --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"salt": 133},
        {"salt": [7, 2**40]},
        {"output_mode": "one_hot"},
        {"output_mode": "multi_hot", "salt": 1},
    ],
    ids=str,
)
def test_keras_hashing(tf, rng, kwargs):
    import keras

    shape = (None,) if kwargs.get("output_mode") == "one_hot" else (None, None)
    layer = keras.layers.Hashing(num_bins=11, **kwargs)
    fn = tf.function(lambda s: {"out": layer(s)})
    model = convert_fn(fn.python_function, (shape, tf.string))
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("StringToHashBucketStrong" if "salt" in kwargs else "StringToHashBucketFast") == 1, (
        counts
    )
    data = strings_of_every_length(rng, 71)
    feeds = [[data[:24].reshape(4, 6)], [data[:1].reshape(1, 1)]] if shape == (None, None) else [[data]]
    expect_equal(tf, fn.python_function, model, feeds)


@pytest.mark.parametrize("output_mode", ["int", "one_hot"])
def test_keras_hashed_crossing(tf, rng, output_mode):
    import keras

    layer = keras.layers.HashedCrossing(num_bins=13, output_mode=output_mode)

    def fn(a: Any, b: Any) -> dict[str, Any]:
        return {"out": layer((a, b))}

    model = convert_fn(fn, ((None,), tf.string), ((None,), tf.int64))
    assert tflite_model.custom_op_counts(model).get("SparseCross") == 1, tflite_model.custom_op_counts(model)
    feeds = [[feature_values(rng, n, "string"), feature_values(rng, n, "int64")] for n in (9, 1)]
    expect_equal(tf, fn, model, feeds)


def constant_dense_cross(tf: Any, a: np.ndarray, b: np.ndarray) -> bytes:
    """A SparseCrossV2 of two dense columns given as constants (large, but small to store)."""
    a_const, b_const = tf.constant(a), tf.constant(b)

    def fn(sep: Any) -> dict[str, Any]:
        i, v, s = tf.raw_ops.SparseCrossV2(
            indices=[], values=[], shapes=[], dense_inputs=[a_const, b_const], sep=sep
        )
        return {"i": i, "v": v, "s": s}

    return convert_fn(fn, ((), tf.string))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_outputs_too_large_are_errors_before_allocating(tf, runtime):
    """2^30 crosses (two dense columns of 32768 features), or crossed strings past TFLite's int32
    offsets, are refused before anything is built (TF would try to allocate them)."""
    many = constant_dense_cross(tf, np.zeros((1, 32768), np.int64), np.zeros((1, 32768), np.int64))
    with pytest.raises(
        RuntimeError, match=r"SparseCrossV2: output 'output_values' would have more than 1073741823"
    ):
        run_tflite(many, [np.array(b"_", object)], runtime)
    long = np.full((1, 1500), b"x" * 1000, object)
    wide = constant_dense_cross(tf, long, long)
    with pytest.raises(
        RuntimeError, match=r"SparseCrossV2: output 'output_values' would hold more than 2147483647"
    ):
        run_tflite(wide, [np.array(b"_", object)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_internal_type_string_refuses_int64_columns_as_tf(tf, rng, runtime):
    def fn(i0, v0, s0):
        return tf.raw_ops.SparseCross(
            indices=[i0], values=[v0], shapes=[s0], dense_inputs=[], hashed_output=False, num_buckets=0,
            hash_key=0, out_type=tf.string, internal_type=tf.string,
        ).output_values  # fmt: skip

    model = convert_fn(fn, ((None, 2), tf.int64), ((None,), tf.int64), ((2,), tf.int64))
    feed = sparse_column(rng, 3, "int64")
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Input values should be of internal type 7 but received 9"
    ):
        fn(*feed)
    with pytest.raises(
        RuntimeError, match=r"SparseCross: input values 0 is int64 but attr 'internal_type' is string"
    ):
        run_tflite(model, feed, runtime)
