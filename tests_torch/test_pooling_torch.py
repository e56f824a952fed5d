"""F.adaptive_max_pool1d/2d/3d (aten_pooling.py) against torch eager: values and int64 indices,
uneven and overlapping windows, upsampling sizes, 3-D (unbatched) input, ties, NaN and -inf; the
model's inputs are fed by index."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing, tflite_model

NAN, INF = float("nan"), float("inf")


def _planes() -> torch.Tensor:
    torch.manual_seed(7)
    x = torch.randn(2, 3, 7, 9)
    x[0, 0, 1, 1] = NAN  # two NaNs in one window: the last one's index (torch's rule)
    x[0, 0, 2, 2] = NAN
    x[0, 1, 5, 8] = NAN
    x[1, 1, :3, :4] = 3.0  # ties: the first
    x[1, 2, :, :4] = -INF  # windows of -inf: the first element
    x[1, 0] = torch.randint(-2, 2, (7, 9)).float()  # many ties everywhere
    return x


def test_adaptive_max_pool2d_values_and_indices() -> None:
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            *F.adaptive_max_pool2d(x, 3, return_indices=True),  # uneven windows 7 -> 3, 9 -> 3
            *F.adaptive_max_pool2d(x, (4, 5), return_indices=True),  # overlapping windows
            *F.adaptive_max_pool2d(x, (1, 1), return_indices=True),  # global
            *F.adaptive_max_pool2d(x[0], (10, 2), return_indices=True),  # unbatched, upsampling rows
            F.adaptive_max_pool2d(x, (7, 9)),  # identity windows
        )

    model = testing.assert_parity(module(fn), (_planes(),), rtol=0, atol=0, enable_x64=True)
    assert not tflite_model.custom_op_counts(model)  # builtins only


def test_adaptive_max_pool1d_and_3d() -> None:
    torch.manual_seed(8)
    a = torch.randint(-3, 3, (2, 3, 10)).float()
    a[0, 1, 4] = NAN
    b = torch.randn(1, 2, 5, 6, 4)
    b[0, 0, 1, 2, 3] = NAN

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            *F.adaptive_max_pool1d(a, 4, return_indices=True),
            *F.adaptive_max_pool1d(a[0], 3, return_indices=True),
            *F.adaptive_max_pool3d(b, (2, 3, 2), return_indices=True),
            *F.adaptive_max_pool3d(b[0], (3, 4, 3), return_indices=True),
        )

    testing.assert_parity(module(fn), (a, b), rtol=0, atol=0, enable_x64=True)


def test_float64_with_x64_is_refused() -> None:
    from opbridge.torch import convert

    x = torch.randn(1, 2, 5, 5, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"aten\.adaptive_max_pool2d: float64 needs"):
        convert(module(lambda a: F.adaptive_max_pool2d(a, 2)), sample_inputs=(x,), enable_x64=True)
