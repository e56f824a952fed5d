from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _with_num_segments(reduce: Any, count: int) -> Any:
    """tf.sparse.segment_<reduce> with num_segments, as a function of (data, indices, ids)."""
    return lambda d, i, s: reduce(d, i, s, count)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = 1_000_000 // (scale * scale)
    found = [
        Case(
            "UniqueWithCounts",
            f"i32 [{n}], 1000 distinct",
            tf.unique_with_counts,
            [rng.integers(0, 1000, n).astype(np.int32)],
        ),
        Case(
            "UniqueWithCounts",
            f"f32 [{n // 10}], all distinct",
            tf.unique_with_counts,
            [rng.standard_normal(n // 10).astype(np.float32)],
        ),
    ]
    # Segment reductions: n / 16 rows of 16 features in ~1000 sorted segments.
    rows = n // 16
    ids = np.sort(rng.integers(0, 1000, rows)).astype(np.int32)
    data = rng.standard_normal((rows, 16)).astype(np.float32)
    for name in ("max", "min", "mean", "prod"):
        found.append(
            Case(
                f"Segment{name.capitalize()}",
                f"f32 [{rows},16], 1000 segments",
                getattr(tf.math, f"segment_{name}"),
                [data, ids],
            )
        )
    found.append(
        Case(
            "SegmentSum",
            f"f64 [{rows},16], 1000 segments",
            tf.math.segment_sum,
            [data.astype(np.float64), ids],
        )
    )
    found.append(
        Case(
            "SegmentMax",
            f"f32 [{n}], 1000 segments",
            tf.math.segment_max,
            [rng.standard_normal(n).astype(np.float32), np.sort(rng.integers(0, 1000, n)).astype(np.int32)],
        )
    )
    # searchsorted: 8 sorted rows of 10k, n / 8 queries per row.
    sorted_rows = np.sort(rng.standard_normal((8, 10_000)), axis=1).astype(np.float32)
    queries = rng.standard_normal((8, n // 8)).astype(np.float32)
    found += [
        Case(
            "LowerBound",
            f"f32 [8,10000] x [8,{n // 8}]",
            lambda s, v: tf.searchsorted(s, v, side="left"),
            [sorted_rows, queries],
        ),
        Case(
            "UpperBound",
            f"f32 [8,10000] x [8,{n // 8}]",
            lambda s, v: tf.searchsorted(s, v, side="right"),
            [sorted_rows, queries],
        ),
    ]
    # bincount: n values in 1000 bins, weighted; and 256 rows of n / 256 values each.
    values = rng.integers(0, 1000, n).astype(np.int32)
    weights = rng.uniform(0, 1, n).astype(np.float32)
    found += [
        Case(
            "DenseBincount",
            f"i32 [{n}] -> 1000 bins, f32 weights",
            lambda v, w: tf.math.bincount(v, weights=w),
            [values, weights],
        ),
        Case(
            "DenseBincount",
            f"i32 [256,{n // 256}] -> [256,1000], binary",
            lambda v: tf.math.bincount(v, axis=-1, binary_output=True),
            [values[: n // 256 * 256].reshape(256, -1)],
        ),
    ]
    # Ragged rows of about 16 token ids (TextVectorization's multi_hot/count), 200 bins.
    splits = np.arange(0, n + 1, 16, dtype=np.int64)
    splits[-1] = n
    found += [
        Case(
            "RaggedBincount",
            f"i32 [{n}] in {len(splits) - 1} rows -> 200 bins, f32 weights",
            lambda sp, v, w: tf.raw_ops.RaggedBincount(splits=sp, values=v, size=200, weights=w),
            [splits, values, weights],
        ),
        Case(
            "RaggedBincount",
            f"i32 [{n}] in {len(splits) - 1} rows -> 200 bins, binary",
            lambda sp, v: tf.raw_ops.RaggedBincount(
                splits=sp, values=v, size=200, weights=tf.zeros([0], tf.float32), binary_output=True
            ),
            [splits, values],
        ),
    ]
    # Medians / k-th values of rows (robust statistics, percentile clipping).
    rows = rng.standard_normal((max(1, n // 1000), 1000)).astype(np.float32)
    found += [
        Case(
            "NthElement",
            f"f32 [{rows.shape[0]},1000] n=500",
            lambda v: tf.raw_ops.NthElement(input=v, n=500),
            [rows],
        ),
        Case(
            "NthElement",
            f"f32 [{rows.shape[0] * 100},10] n=1 reverse",
            lambda v: tf.raw_ops.NthElement(input=v, n=1, reverse=True),
            [rows.reshape(-1, 10)],
        ),
    ]
    # float64 top-k / argsort (the converter's TOPK_V2 takes float32 only) and the
    # unsorted segment reductions of float64 rows into 1000 segments.
    scores = rng.standard_normal((max(1, 1024 // scale), 1000))
    keys = rng.standard_normal((max(1, 256 // scale), 1024))
    unsorted_rows = 65536 // (scale * scale)
    unsorted_ids = rng.integers(0, 1000, unsorted_rows).astype(np.int32)
    unsorted_data = rng.standard_normal((unsorted_rows, 16))
    found += [
        Case("TopKV2", f"f64 [{scores.shape[0]},1000] k=5", lambda v: tf.math.top_k(v, 5), [scores]),
        Case(
            "InTopKV2",
            f"f32 [{scores.shape[0]},1000] k=5",
            lambda p, t: tf.math.in_top_k(t, p, 5),
            [scores.astype(np.float32), rng.integers(0, 1000, scores.shape[0]).astype(np.int32)],
        ),
        Case(
            "TopKV2",
            f"f64 argsort [{keys.shape[0]},1024]",
            lambda v: tf.argsort(v, direction="DESCENDING"),
            [keys],
        ),
    ]
    for name in ("max", "min", "prod"):
        reduce = getattr(tf.math, f"unsorted_segment_{name}")
        found.append(
            Case(
                f"UnsortedSegment{name.capitalize()}",
                f"f64 [{unsorted_rows},16] -> 1000 segments",
                lambda d, i, fn=reduce: fn(d, i, 1000),
                [unsorted_data, unsorted_ids],
            )
        )
    # Sparse segment reductions (embedding-bag style): n / 4 picked rows of 64 into ~1000 segments.
    table = rng.standard_normal((4096, 64)).astype(np.float32)
    picks = rng.integers(0, 4096, n // 4).astype(np.int32)
    bags = np.sort(rng.integers(0, 1000, n // 4)).astype(np.int32)
    for name in ("sum", "mean", "sqrt_n"):
        found.append(
            Case(
                f"SparseSegment{'SqrtN' if name == 'sqrt_n' else name.capitalize()}",
                f"f32 [4096,64], {n // 4} picks, 1000 segments",
                getattr(tf.sparse, f"segment_{name}"),
                [table, picks, bags],
            )
        )
    for name in ("sum", "mean", "sqrt_n"):
        found.append(
            Case(
                f"SparseSegment{'SqrtN' if name == 'sqrt_n' else name.capitalize()}WithNumSegments",
                f"f32 [4096,64], {n // 4} picks, 1024 segments",
                _with_num_segments(getattr(tf.sparse, f"segment_{name}"), 1024),
                [table, picks, bags],
            )
        )
    # Opbridge>Sort is torch.sort's kernel: TF has no such op, so its TF column is opbridge's own
    # kernel through the TF op (tf.sort is TopKV2 with k = n, a descending-only other op).
    from opbridge import _tf_library

    sort = _tf_library.load().opbridge_sort
    own = "reference: opbridge's own kernel through the TF op"
    rows = max(1, n // 1000)
    scores = rng.standard_normal((rows, 1000)).astype(np.float32)
    found += [
        Case("Opbridge>Sort", f"f32 [{rows},1000] last axis", lambda x: sort(x, axis=-1), [scores], note=own),
        Case(
            "Opbridge>Sort",
            f"f32 [1000,{rows}] axis 0 descending",
            lambda x: sort(x, axis=0, descending=True),
            [np.ascontiguousarray(scores.T)],
            note=own,
        ),
        Case(
            "Opbridge>Sort",
            f"i64 [{n}] few distinct",
            lambda x: sort(x, axis=0),
            [rng.integers(0, 100, n).astype(np.int64)],
            note=own,
        ),
    ]
    # Opbridge>CumMaxMin (torch.cummax / cummin), likewise against itself through the TF op.
    cum = _tf_library.load().opbridge_cum_max_min
    found += [
        Case("Opbridge>CumMaxMin", f"f32 [{rows},1000] cummax last axis", cum, [scores], note=own),
        Case(
            "Opbridge>CumMaxMin",
            f"f32 [1000,{rows}] cummin axis 0",
            lambda x: cum(x, axis=0, min=True),
            [np.ascontiguousarray(scores.T)],
            note=own,
        ),
    ]
    return found
