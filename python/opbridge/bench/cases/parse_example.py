"""tf.io.parse_example: what serving signatures of TFX, Estimator and Keras models run first, on a
batch of 256 serialized tf.train.Examples of 20 features (dense float vectors and int64 scalars
with and without defaults, a string, variable-length int64 and string lists, a float sequence),
and on 1024 Examples of 3 dense features (the per-example overhead)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _serialized(tf: Any, features: dict[str, Any]) -> bytes:
    """An Example's bytes, never ending in NUL (the fuzz seeds store strings as numpy bytes_, which
    drop trailing NULs): such an Example gets an unknown varint field after it, which parsers skip."""
    data = tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()
    return data + b"\x10\x01" if data.endswith(b"\x00") else data


def _feature(tf: Any, kind: str, values: Any) -> Any:
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if kind == "int64":
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def _wide(tf: Any, rng: np.random.Generator, n: int) -> tuple[Any, np.ndarray]:
    specs: dict[str, Any] = {}
    for k in range(8):
        specs[f"dense_f{k}"] = tf.io.FixedLenFeature([4], tf.float32, default_value=[0.0] * 4)
    for k in range(4):
        specs[f"dense_i{k}"] = tf.io.FixedLenFeature([], tf.int64, default_value=-1 if k % 2 else None)
    for k in range(2):
        specs[f"dense_s{k}"] = tf.io.FixedLenFeature([], tf.string, default_value="")
    for k in range(3):
        specs[f"var_i{k}"] = tf.io.VarLenFeature(tf.int64)
    for k in range(2):
        specs[f"var_s{k}"] = tf.io.VarLenFeature(tf.string)
    specs["seq_f"] = tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True)
    examples = []
    for _ in range(n):
        f = {}
        for k in range(8):
            if rng.random() < 0.9:
                f[f"dense_f{k}"] = _feature(tf, "float", rng.standard_normal(4).astype(np.float32))
        for k in range(4):
            if k % 2 == 0 or rng.random() < 0.8:
                f[f"dense_i{k}"] = _feature(tf, "int64", [int(rng.integers(0, 1 << 40))])
        for k in range(2):
            f[f"dense_s{k}"] = _feature(tf, "bytes", [bytes(rng.integers(97, 123, 12, dtype=np.uint8))])
        for k in range(3):
            f[f"var_i{k}"] = _feature(tf, "int64", rng.integers(0, 100000, int(rng.integers(0, 8))).tolist())
        for k in range(2):
            words = [bytes(rng.integers(97, 123, int(rng.integers(3, 10)), dtype=np.uint8)) for _ in range(3)]
            f[f"var_s{k}"] = _feature(tf, "bytes", words[: int(rng.integers(0, 4))])
        f["seq_f"] = _feature(
            tf, "float", rng.standard_normal(2 * int(rng.integers(0, 5))).astype(np.float32)
        )
        examples.append(_serialized(tf, f))
    return specs, np.array(examples, dtype=object)


def _narrow(tf: Any, rng: np.random.Generator, n: int) -> tuple[Any, np.ndarray]:
    specs = {
        "x": tf.io.FixedLenFeature([8], tf.float32),
        "id": tf.io.FixedLenFeature([], tf.int64),
        "w": tf.io.FixedLenFeature([], tf.float32, default_value=1.0),
    }
    examples = []
    for _ in range(n):
        f = {
            "x": _feature(tf, "float", rng.standard_normal(8).astype(np.float32)),
            "id": _feature(tf, "int64", [int(rng.integers(0, 1 << 30))]),
        }
        examples.append(_serialized(tf, f))
    return specs, np.array(examples, dtype=object)


def _flat(tf: Any, specs: dict[str, Any]) -> Any:
    def fn(serialized: Any) -> dict[str, Any]:
        out = {}
        for key, value in tf.io.parse_example(serialized, specs).items():
            if isinstance(value, tf.SparseTensor):
                out[key + "_indices"], out[key + "_values"] = value.indices, value.values
                out[key + "_shape"] = value.dense_shape
            else:
                out[key] = value
        return out

    return fn


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    wide_specs, wide = _wide(tf, rng, max(8, 256 // scale))
    narrow_specs, narrow = _narrow(tf, rng, max(8, 1024 // scale))
    return [
        Case("ParseExampleV2", f"[{wide.size}] Examples, 20 features", _flat(tf, wide_specs), [wide]),
        Case(
            "ParseExampleV2", f"[{narrow.size}] Examples, 3 dense features", _flat(tf, narrow_specs), [narrow]
        ),
    ]
