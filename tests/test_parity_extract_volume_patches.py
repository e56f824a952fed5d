"""ExtractVolumePatches (tf.extract_volume_patches): TFLite kernel vs TF's, bit for bit (a copy), in both
runtimes, for every dtype TF registers, VALID and SAME windows (including SAME strides that skip past the
end, where TF's Eigen kernel pads by a negative amount), empty inputs, and TF's errors."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, registered_cpu_dtypes
from opbridge.testing import assert_parity

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    ml_dtypes.bfloat16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
]

# (ksizes, strides, padding) over a 6x7x8 volume: windows larger than the stride, strides larger than
# the window, a window as large as the volume, 1x1x1 with strides skipping past the end (SAME: Eigen
# pads by -1), an even window with SAME (more padding after than before).
GEOMETRIES = [
    ([1, 3, 3, 3, 1], [1, 1, 1, 1, 1], "SAME"),
    ([1, 2, 3, 2, 1], [1, 2, 2, 3, 1], "VALID"),
    ([1, 2, 2, 4, 1], [1, 3, 1, 2, 1], "SAME"),
    ([1, 6, 7, 8, 1], [1, 1, 1, 1, 1], "VALID"),
    ([1, 1, 1, 1, 1], [1, 4, 5, 3, 1], "SAME"),
    ([1, 1, 1, 1, 1], [1, 4, 5, 3, 1], "VALID"),
    ([1, 4, 1, 2, 1], [1, 2, 1, 4, 1], "SAME"),
    ([1, 3, 2, 5, 1], [1, 5, 6, 7, 1], "SAME"),
]


def _all_geometries(tf: Any) -> Any:
    return lambda x: [tf.extract_volume_patches(x, k, s, p) for k, s, p in GEOMETRIES]


def _values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=np.int64 if info.min < 0 else np.uint64).astype(
            dtype
        )
    return rng.standard_normal(shape).astype(dtype)


def test_declares_every_dtype_tf_registers() -> None:
    assert registered_cpu_dtypes("ExtractVolumePatches") == {np.dtype(d).name for d in DTYPES}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    assert_parity(
        _all_geometries(tf), [_values(rng, (2, 6, 7, 8, 3), dtype)], rtol=0, atol=0, runtimes=RUNTIMES
    )


@pytest.mark.parametrize(
    "shape", [(0, 6, 7, 8, 2), (1, 1, 1, 1, 1), (1, 9, 4, 13, 1), (1, 6, 7, 8, 0)], ids=str
)
def test_odd_shapes(tf: Any, rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    """Empty batch and depth, a single voxel, other sizes (VALID windows larger than the volume are errors,
    so those geometries are left out here)."""
    geometries = [
        g
        for g in GEOMETRIES
        if g[2] == "SAME" or all(k <= n for k, n in zip(g[0][1:4], shape[1:4], strict=True))
    ]

    def fn(x: Any) -> list[Any]:
        return [tf.extract_volume_patches(x, k, s, p) for k, s, p in geometries]

    assert_parity(fn, [_values(rng, shape, np.float32)], rtol=0, atol=0, runtimes=RUNTIMES)


ERRORS = [
    ([1, 3, 2, 2, 1], [1, 1, 1, 1, 1], "VALID", (1, 1, 4, 4, 1), r"Computed output size would be negative"),
    ([2, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID", (1, 4, 4, 4, 1), r"Only support ksizes across space"),
    ([1, 2, 2, 2, 1], [1, 0, 1, 1, 1], "VALID", (1, 4, 4, 4, 1), r"strides is out of range"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("ksizes, strides, padding, shape, message", ERRORS)
def test_errors_as_in_tf(
    tf: Any,
    runtime: str,
    ksizes: list[int],
    strides: list[int],
    padding: str,
    shape: tuple[int, ...],
    message: str,
) -> None:
    """Bad attrs fail in TF when the kernel is made and in TFLite at prepare; a window larger than a VALID
    volume fails at run time (TF) or prepare (TFLite)."""
    from flatbuffers import flexbuffers

    from opbridge import tflite_model
    from opbridge.testing import run_tflite

    x = np.zeros(shape, np.float32)
    with pytest.raises(
        (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.OutOfRangeError),
        match=message,
    ):
        tf.raw_ops.ExtractVolumePatches(input=x, ksizes=ksizes, strides=strides, padding=padding)
    # The converter refuses a graph TF's shape function rejects, so the node is built by hand.
    options = flexbuffers.Dumps({"ksizes": ksizes, "strides": strides, "padding": padding})
    model = tflite_model.single_custom_op_model(
        "ExtractVolumePatches",
        [("input", shape, np.dtype(np.float32))],
        [("patches", (1, 1, 1, 1, 1), np.dtype(np.float32))],
        options=options,
    )
    with pytest.raises(RuntimeError, match=f"ExtractVolumePatches: .*{message}"):
        run_tflite(model, [x], runtime)
