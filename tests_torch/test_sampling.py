"""grid_sample, max_pool2d(return_indices=True) + max_unpool2d and interpolate on opbridge's kernels:
torch eager vs the converted model in LiteRT."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing, tflite_model
from opbridge.catalog import attr_info
from opbridge.torch import convert

_GRID_MODES = [
    m for m in ("bilinear", "nearest", "bicubic") if m in attr_info("Opbridge>GridSample", "mode").allowed
]
_GRID_CASES = list(itertools.product(_GRID_MODES, ("zeros", "border", "reflection"), (False, True)))


def _grid(n: int, h: int, w: int, dtype: torch.dtype) -> torch.Tensor:
    """Normalized coordinates reaching past the image (so every padding mode matters), pixel centres
    and corners included."""
    g = torch.rand(n, h, w, 2, dtype=dtype) * 2.6 - 1.3
    g[0, 0, :3] = torch.tensor([[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0]], dtype=dtype)
    return g


def _all_grid_samples(image: torch.Tensor, grid: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(
        F.grid_sample(image, grid, mode=m, padding_mode=p, align_corners=a) for m, p, a in _GRID_CASES
    )


def test_grid_sample_every_mode_float32() -> None:
    # litert-torch alone: "failed to legalize operation 'tfl.equal'" for reflection; the others
    # lower to ~100 builtins each. Up- and down-sampling grids, odd sizes, N=2, C=3.
    image = torch.randn(2, 3, 7, 9)
    grid = _grid(2, 11, 4, torch.float32)
    # Non-finite coordinates as torch's CPU kernel treats them (NaN, +-inf clipped or folded).
    grid[0, 1, 1, 0] = math.nan
    grid[1, 2, 0, 1] = math.inf
    grid[1, 0, 2, 0] = -math.inf
    model = testing.assert_parity(module(_all_grid_samples), (image, grid), rtol=1e-5, atol=2e-5)
    assert tflite_model.custom_op_counts(model) == {"Opbridge>GridSample": len(_GRID_CASES)}
    assert set(tflite_model.op_histogram(model)) <= {"Opbridge>GridSample", "TRANSPOSE"}


def test_grid_sample_every_mode_float64() -> None:
    image = torch.randn(3, 2, 5, 6, dtype=torch.float64)
    grid = _grid(3, 4, 7, torch.float64)
    model = testing.assert_parity(
        module(_all_grid_samples), (image, grid), rtol=1e-12, atol=1e-12, enable_x64=True
    )
    # NCHW <-> NHWC by opbridge's Transpose: TFLite's TRANSPOSE has no float64.
    n = len(_GRID_CASES)
    assert tflite_model.custom_op_counts(model) == {"Opbridge>GridSample": n, "Transpose": 2 * n}


def test_grid_sample_bicubic_is_in_the_kernel() -> None:
    # Bicubic is torch's third mode; the kernel must have it (the cases above then cover it).
    assert "bicubic" in _GRID_MODES


def test_grid_sample_dtype_errors_name_the_op() -> None:
    with pytest.raises(ValueError, match="grid_sample: dtype float16"):
        convert(
            module(lambda a, g: F.grid_sample(a, g, align_corners=False)),
            sample_inputs=(torch.randn(1, 1, 3, 3).half(), torch.rand(1, 2, 2, 2).half()),
        )


# --- max_pool2d(return_indices=True), max_unpool2d -----------------------------------------------

# (kernel, stride, padding, ceil_mode): non-square, overlapping, padded, ceil windows hanging off
# the input, windows larger than the stride.
_POOLS = [
    (2, None, 0, False),
    (3, 2, 1, True),
    (3, 2, 1, False),
    (2, 2, 1, True),
    ((3, 2), (2, 1), (1, 0), True),
    (3, 3, 0, True),
    (4, 3, 2, False),
]


def _pool_input() -> torch.Tensor:
    x = torch.randn(2, 3, 7, 9)
    x[0, 0, :3, :3] = -math.inf  # a window of -inf only: torch's first index inside the input
    x[1, 1, 2, 3] = x[1, 1, 3, 4] = x[0, 2, 0, 0] = math.nan  # NaN wins; the last NaN's index
    x[1, 2, 4:6, 4:6] = 0.5  # ties: the first maximum
    return x


def _pools(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out: list[torch.Tensor] = []
    for k, s, p, c in _POOLS:
        out += F.max_pool2d(x, k, s, p, ceil_mode=c, return_indices=True)
    return tuple(out)


def test_max_pool2d_with_indices_matches_torch_exactly() -> None:
    # litert-torch alone converts this, with wrong indices (off by up to 51 here).
    model = testing.assert_parity(module(_pools), (_pool_input(),), rtol=0, atol=0, enable_x64=True)
    # Each pooling: the values/indices and the NaN positions (torch's NaN rule).
    assert tflite_model.custom_op_counts(model) == {"MaxPoolWithArgmax": 2 * len(_POOLS)}


def test_max_pool2d_with_indices_3d_input_and_int32_without_x64() -> None:
    x = _pool_input()[0]

    def pool(a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return F.max_pool2d(a, 3, 2, 1, return_indices=True)

    # Without enable_x64 litert-torch makes every int64 int32: same index values.
    model = convert(module(pool), sample_inputs=(x,))
    from opbridge.running import run_tflite

    out = list(run_tflite(model, [x.numpy()]).values())
    values, index = pool(x)
    torch.testing.assert_close(torch.from_numpy(out[0]), values, rtol=0, atol=0, equal_nan=True)
    assert out[1].dtype.name == "int32"
    torch.testing.assert_close(torch.from_numpy(out[1]).long(), index, rtol=0, atol=0)


class _SegNet(torch.nn.Module):
    """Encoder/decoder unpooling decoder features at the encoder's argmax (overlapping windows too, so
    indices repeat: torch's later write wins)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1, self.enc2 = torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.Conv2d(4, 5, 3, padding=1)
        self.dec2, self.dec1 = torch.nn.Conv2d(5, 5, 3, padding=1), torch.nn.Conv2d(5, 4, 3, padding=1)
        self.out = torch.nn.Conv2d(4, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a = torch.relu(self.enc1(x))
        p1, i1 = F.max_pool2d(a, 2, return_indices=True, ceil_mode=True)
        b = torch.relu(self.enc2(p1))
        p2, i2 = F.max_pool2d(b, 3, 2, 1, return_indices=True)
        u2 = F.max_unpool2d(self.dec2(p2), i2, 3, 2, 1, output_size=b.shape[-2:])
        u1 = F.max_unpool2d(self.dec1(u2), i1, 2, output_size=a.shape[-2:])
        return self.out(u1), i1, i2


def test_segnet_pool_unpool_converts_and_matches_torch() -> None:
    # litert-torch alone: converts, then "BROADCAST_TO ... failed to prepare" at load.
    x = torch.randn(2, 3, 11, 13)
    model = testing.assert_parity(_SegNet().eval(), (x,), rtol=1e-5, atol=1e-5, enable_x64=True)
    assert tflite_model.custom_op_counts(model) == {"MaxPoolWithArgmax": 4}


def test_max_pool2d_with_indices_unsupported_attrs_are_named() -> None:
    # Dilation is supported since aten_misc.py (tests_torch/test_misc_torch.py).
    # float64: TFLite's PAD/SLICE/TRANSPOSE/REVERSE have no float64 (litert-torch alone fails too).
    with pytest.raises(ValueError, match=r"max_pool2d\(return_indices=True\): dtype float64"):
        convert(
            module(lambda a: F.max_pool2d(a, 2, return_indices=True)),
            sample_inputs=(torch.randn(1, 2, 8, 8, dtype=torch.float64),),
            enable_x64=True,
        )


# --- interpolate ----------------------------------------------------------------------------------


def _resizes(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out = []
    for mode in ("bilinear", "bicubic"):
        for size in ((4, 5), (11, 13), (3, 9), (7, 1)):
            out.append(F.interpolate(x, size=size, mode=mode, antialias=True))
        for scale in (0.45, 1.7, (0.6, 2.5)):
            out.append(F.interpolate(x, scale_factor=scale, mode=mode, antialias=True))
        # align_corners: torch's scale (in-1)/(out-1), same centres and support; (3, 4) puts the
        # last centres past the input, where ScaleAndTranslate has no taps: torch's weight matrices.
        for size in ((5, 7), (13, 17), (1, 1), (3, 4)):
            out.append(F.interpolate(x, size=size, mode=mode, antialias=True, align_corners=True))
    for size in ((4, 5), (11, 13), (14, 18), (7, 4), (1, 1)):
        out.append(F.interpolate(x, size=size, mode="nearest"))
    for scale in (0.6, 1.7, (0.33, 3.0)):
        out.append(F.interpolate(x, scale_factor=scale, mode="nearest"))
    return tuple(out)


def test_interpolate_antialias_and_nearest_match_torch() -> None:
    # litert-torch alone: "Lowering not found: aten._upsample_bilinear2d_aa" (and bicubic); nearest
    # converts, wrong for non-integer scales (max abs error 4.2 here).
    # Not covered: torch 2.13's CPU antialiased resize to a width of 1 with a changed height
    # repeats the first output row (a torch bug, not reproduced).
    x = torch.randn(2, 3, 7, 9)
    model = testing.assert_parity(module(_resizes), (x,), rtol=1e-5, atol=1e-5)
    assert tflite_model.custom_op_counts(model) == {"ScaleAndTranslate": 20}
    assert "ScaleAndTranslate" in tflite_model.op_histogram(model)


def test_interpolate_antialias_float64_is_refused_by_name() -> None:
    # ScaleAndTranslate computes in float32; a float32 result would silently lose torch's precision.
    x = torch.randn(1, 2, 16, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"interpolate\(bilinear, antialias=True\): dtype float64"):
        convert(
            module(lambda a: F.interpolate(a, size=(5, 5), mode="bilinear", antialias=True)),
            sample_inputs=(x,),
        )
