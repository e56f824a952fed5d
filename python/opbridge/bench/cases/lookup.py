"""Lookup tables: HashTableV2 / MutableHashTableV2 and the ops that import, insert, find and size.

The functions capture their tables, so opbridge.convert takes the SavedModel route: the model
imports each static table once per interpreter in a CALL_ONCE init subgraph, and a timed invoke
is the main subgraph's HashTableV2 (a name lookup) and the finds."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    from tensorflow.python.ops import gen_lookup_ops as lookup

    n = (1 << 16) // (scale * scale)
    keys = rng.choice(1 << 40, n, replace=False).astype(np.int64)
    values = rng.normal(size=n).astype(np.float32)
    # string -> int32: a string -> int64 table alone would become TFLite's builtin HASHTABLE.
    # Letters only: the fuzz seeds' fixed-width bytes would drop trailing NULs.
    words = np.array([f"w{i}".encode() for i in range(n)], dtype=object)
    numbers = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values), -1.0)
    vocab = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(words, np.arange(n, dtype=np.int32)), np.int32(-1)
    )
    caches = [tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, -1.0) for _ in range(2)]
    queries = np.where(rng.random(n) < 0.8, rng.choice(keys, n), rng.integers(0, 1 << 40, n)).astype(np.int64)
    word_queries = words[rng.integers(0, n, n)]

    def import_find(k: Any, v: Any) -> Any:
        # A table the function makes and fills itself (anonymous: one per node, per interpreter).
        handle = lookup.hash_table_v2(key_dtype=tf.int64, value_dtype=tf.float32)
        lookup.lookup_table_import_v2(handle, k, v)
        return lookup.lookup_table_find_v2(handle, k, tf.constant(0.0))

    def insert_find(cache: Any) -> Any:
        def fn(k: Any, v: Any) -> Any:
            # Finds what it inserted (keys are distinct): the same output whatever ran before.
            cache.insert(k, v)
            return cache.lookup(k)

        return fn

    return [
        Case(
            "HashTableV2",
            f"string->int32 vocab of {n}, [{n}] words",
            lambda s: vocab.lookup(s),
            [word_queries],
        ),
        Case("LookupTableFindV2", f"int64->float of {n}, [{n}] keys", lambda k: numbers.lookup(k), [queries]),
        Case(
            "LookupTableSizeV2",
            f"int64->float of {n}",
            lambda k: numbers.size() + tf.size(k, tf.int64),
            [keys[:4]],
        ),
        Case(
            "LookupTableImportV2",
            f"[{n // 16}] int64->float pairs",
            import_find,
            [keys[: n // 16], values[: n // 16]],
        ),
        Case(
            "MutableHashTableV2",
            f"insert + find [{n // 16}] int64->float",
            insert_find(caches[0]),
            [keys[: n // 16], values[: n // 16]],
        ),
        Case(
            "LookupTableInsertV2", f"insert + find [{n}] int64->float", insert_find(caches[1]), [keys, values]
        ),
    ]
