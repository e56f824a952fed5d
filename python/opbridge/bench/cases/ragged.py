"""Ragged tensors made dense: RaggedTensorToTensor (RaggedTensor.to_tensor), as keras-hub's Whisper
audio converter pads/truncates waveforms with it, and as token batches are padded (ids and
strings); RaggedGather and RaggedRange as keras-hub's StartEndPacker/MultiSegmentPacker run them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    samples = max(1600, 16000 // scale)
    lengths = rng.integers(samples // 2, samples * 3 // 2, max(2, 8 // scale))
    audio = rng.standard_normal(int(lengths.sum())).astype(np.float32)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)

    rows = max(4, 256 // scale)
    row_lengths = rng.integers(0, 64, rows)
    ids = rng.integers(0, 32000, int(row_lengths.sum())).astype(np.int32)
    rowids = np.repeat(np.arange(rows), row_lengths).astype(np.int64)
    nrows = np.array(rows, np.int64)

    def waveforms(values: Any, row_splits: Any) -> Any:
        ragged = tf.RaggedTensor.from_row_splits(values, row_splits, validate=False)
        return ragged.to_tensor(shape=[None, samples])

    def tokens(values: Any, value_rowids: Any, n: Any) -> Any:
        ragged = tf.RaggedTensor.from_value_rowids(values, value_rowids, n, validate=False)
        return ragged.to_tensor(default_value=-1)

    # keras-hub's packers: token rows (ids and strings) gathered, ranges per row.
    words = np.array([f"tok{i % 97}".encode() for i in range(int(row_lengths.sum()))], object)
    token_splits = np.concatenate([[0], np.cumsum(row_lengths)]).astype(np.int64)
    order = rng.permutation(rows).astype(np.int32)

    def gather_rows(values: Any, row_splits: Any, indices: Any) -> Any:
        ragged = tf.gather(tf.RaggedTensor.from_row_splits(values, row_splits, validate=False), indices)
        return ragged.flat_values, ragged.row_splits

    def ranges(limits: Any) -> Any:
        ragged = tf.ragged.range(limits)
        return ragged.flat_values, ragged.row_splits

    def pad_words(values: Any, row_splits: Any) -> Any:
        return tf.RaggedTensor.from_row_splits(values, row_splits, validate=False).to_tensor("[PAD]")

    def to_sparse(values: Any, row_splits: Any) -> Any:
        sparse = tf.RaggedTensor.from_row_splits(values, row_splits, validate=False).to_sparse()
        return sparse.indices, sparse.values, sparse.dense_shape

    extra = [
        Case("RaggedGather", f"i32 {rows} token rows, permuted", gather_rows, [ids, token_splits, order]),
        Case(
            "RaggedGather", f"string {rows} token rows, permuted", gather_rows, [words, token_splits, order]
        ),
        Case("RaggedRange", f"i64 {rows} rows of range(length)", ranges, [row_lengths.astype(np.int64)]),
        Case(
            "RaggedTensorToTensor",
            f"string {rows} token rows -> [{rows},max]",
            pad_words,
            [words, token_splits],
        ),
        Case("RaggedTensorToSparse", f"i32 {rows} token rows", to_sparse, [ids, token_splits]),
    ]
    return [
        Case(
            "RaggedTensorToTensor",
            f"f32 {len(lengths)} waveforms -> [{len(lengths)},{samples}] ROW_SPLITS (Whisper)",
            waveforms,
            [audio, splits],
        ),
        Case(
            "RaggedTensorToTensor",
            f"i32 {rows} token rows -> [{rows},max] FIRST_DIM_SIZE+VALUE_ROWIDS",
            tokens,
            [ids, rowids, nrows],
        ),
        *extra,
    ]
