"""Checkpoint ops (TF V1 format), as TFLite's on-device training recipe's save/restore signatures
call them: a small MLP's weights. The path is a constant in the model (the recipe feeds it as an
input; a string input would be the same kernel work)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    directory = Path(tempfile.gettempdir()) / "opbridge-bench-checkpoints"
    directory.mkdir(exist_ok=True)
    hidden = max(16, 512 // scale)
    weights = {
        "dense/kernel": rng.standard_normal((784, hidden)).astype(np.float32),
        "dense/bias": rng.standard_normal(hidden).astype(np.float32),
        "dense_1/kernel": rng.standard_normal((hidden, 10)).astype(np.float32),
        "dense_1/bias": rng.standard_normal(10).astype(np.float32),
        "iterations": np.array(1000, np.int64),
    }
    names = list(weights)
    saved = str(directory / f"mlp-{hidden}.ckpt")
    written = str(directory / f"mlp-{hidden}-written.ckpt")
    # The file Restore reads, written by TF's own Save.
    tf.raw_ops.Save(filename=saved, tensor_names=names, data=list(weights.values()))

    def save(*data: Any) -> Any:
        tf.raw_ops.Save(filename=written, tensor_names=names, data=list(data))
        return tf.constant(0)

    def restore() -> Any:
        return tf.raw_ops.Restore(file_pattern=saved, tensor_name="dense/kernel", dt=tf.float32)

    return [
        Case("Save", f"MLP 784-{hidden}-10 f32 + i64 step (5 tensors)", save, list(weights.values())),
        Case("Restore", f"f32 [784,{hidden}] of the same file", restore, []),
    ]
