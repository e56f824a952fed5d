"""torch.sort / argsort / msort (Opbridge>Sort) and cummax / cummin (Opbridge>CumMaxMin) against
torch eager: every dim, descending, stable, ties, NaN, +-0, dtypes, empty and size-1 dims; the
model's inputs are fed by index."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from conftest import module
from opbridge import testing, tflite_model
from opbridge.parity_cases import compare
from opbridge.running import run_tflite
from opbridge.torch.testing import available_runtimes, reference_outputs

NAN, INF = float("nan"), float("inf")


def _with_ties(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """Few distinct values (so many ties); floats also get NaNs, +-inf and both zeros."""
    if dtype == torch.bool:
        return torch.randint(0, 2, shape).to(torch.bool)
    if dtype == torch.uint8:
        return torch.randint(0, 4, shape).to(dtype)
    if not dtype.is_floating_point:
        return torch.randint(-3, 3, shape).to(dtype)
    x = (torch.randint(-3, 3, shape) / 2).to(dtype)
    flat = x.reshape(-1)
    specials = torch.tensor([NAN, -0.0, 0.0, INF, -INF, NAN, -0.0, -0.0, 0.0], dtype=dtype)
    where = torch.randperm(flat.numel())[: min(flat.numel(), 3 * specials.numel())]
    flat[where] = specials.repeat(3)[: where.numel()]
    return x


def _zero_signs(values: torch.Tensor) -> torch.Tensor:
    """The values with each zero's sign made visible (1/-0 = -inf), which a comparison cannot see."""
    if not values.dtype.is_floating_point:
        return values
    values = values.float()  # litert-torch cannot legalize float16 comparisons
    return torch.where(values == 0, 1 / values, values)


def _stable_sorts(x: torch.Tensor) -> list[torch.Tensor]:
    outs: list[torch.Tensor] = []
    for dim in range(-x.dim(), x.dim()):
        for descending in (False, True):
            values, indices = torch.sort(x, dim=dim, descending=descending, stable=True)
            outs += [_zero_signs(values), indices]
    outs.append(torch.argsort(x, dim=1, descending=True, stable=True))
    return outs


DTYPES = (
    torch.float32,
    torch.float16,
    torch.int32,
    torch.int64,
    torch.int16,
    torch.int8,
    torch.uint8,
    torch.bool,
)


def test_stable_sort_every_dim_direction_and_dtype_with_ties_nan_and_zeros() -> None:
    torch.manual_seed(0)
    # 3 x 5 x 37: rows past libstdc++'s insertion-sort threshold (16) along the last dim.
    inputs = tuple(_with_ties((3, 5, 37), dtype) for dtype in DTYPES)

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(out for x in xs for out in _stable_sorts(x))

    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) == {"Opbridge>Sort"}


def test_default_sort_argsort_msort_without_ties_match_exactly() -> None:
    # Distinct values (one NaN per row at most: no tie), so torch's unstable sort has one answer.
    torch.manual_seed(1)
    f32 = torch.randn(4, 6, 40)
    f32[0, 0, 3] = NAN
    f32[2, 1, 0] = -INF
    f32[:, 2, 5] = INF
    i64 = torch.stack([torch.randperm(300) - 150 for _ in range(3)]) * (2**40)  # beyond int32
    i32 = torch.randperm(500).to(torch.int32).reshape(20, 25) - 250
    f64 = torch.randn(7, 9, dtype=torch.float64)

    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs: list[torch.Tensor] = []
        for x in (a, b, c, d):
            for dim in range(-x.dim(), x.dim()):
                outs += [*torch.sort(x, dim), *torch.sort(x, dim, descending=True)]
            outs += [torch.argsort(x), torch.argsort(x, dim=0, descending=True), torch.msort(x)]
        return tuple(outs)

    testing.assert_parity(module(fn), (f32, i64, i32, f64), rtol=0, atol=0, enable_x64=True)


def test_default_sort_with_ties_gives_the_stable_order() -> None:
    # torch's stable=False leaves ties in whatever order its algorithm does (x86-simd-sort's AVX-512
    # or AVX2 quicksort for float32/float64/int32/int64, std::sort for the rest: CPU-dependent). The
    # model gives the stable order: torch's own values, and torch's stable=True indices.
    torch.manual_seed(2)
    x = _with_ties((6, 64), torch.float32)
    n = _with_ties((6, 64), torch.int64)

    def unstable(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (*torch.sort(a), *torch.sort(b, dim=0, descending=True), torch.argsort(a, dim=-1))

    def stable(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            *torch.sort(a, stable=True),
            *torch.sort(b, dim=0, descending=True, stable=True),
            torch.argsort(a, dim=-1, stable=True),
        )

    from opbridge.torch import convert

    model = convert(module(unstable), sample_inputs=(x, n), enable_x64=True)
    expected = reference_outputs(module(stable), (x, n))
    compare(model, [x.numpy(), n.numpy()], expected, 0, 0, available_runtimes())
    # torch's unstable values equal the stable ones (only tied positions move; -0.0 == 0.0 here).
    got = reference_outputs(module(unstable), (x, n))
    for k in (0, 2):
        np.testing.assert_array_equal(got[k], expected[k])


def test_empty_size_one_and_scalar() -> None:
    def fn(
        e: torch.Tensor, one: torch.Tensor, s: torch.Tensor, row: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        return (
            *torch.sort(e, dim=1),
            *torch.sort(e, dim=0, descending=True),
            *torch.sort(one, dim=1),
            *torch.sort(one, dim=0, descending=True),
            *torch.sort(s),
            torch.argsort(s, descending=True),
            *torch.sort(row, stable=True),
        )

    inputs = (torch.zeros(3, 0), torch.tensor([[2.0], [NAN], [-0.0]]), torch.tensor(5.0), torch.tensor([NAN]))
    testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)


def test_without_x64_indices_are_int32_with_torchs_values() -> None:
    # litert-torch's default enable_x64=False makes every int64 tensor int32.
    from opbridge.parity_cases import _ordered
    from opbridge.torch import convert

    x = torch.tensor([[3.0, -1.0, 3.0, NAN, 0.0, -0.0]])
    model = convert(module(lambda a: torch.sort(a, descending=True, stable=True)), sample_inputs=(x,))
    values, indices = _ordered(run_tflite(model, [x.numpy()]))
    ref = torch.sort(x, descending=True, stable=True)
    assert indices.dtype == np.int32
    np.testing.assert_array_equal(values, ref.values.numpy())
    np.testing.assert_array_equal(indices, ref.indices.numpy())


def test_kernel_refuses_an_axis_out_of_range() -> None:
    from opbridge.torch import op

    with pytest.raises(
        ValueError, match=r"Opbridge>Sort.*axis must be in \[-2, 2\) for input of rank 2, got 2"
    ):
        op("Opbridge>Sort")(torch.zeros(2, 3), axis=2)


def test_litert_torch_alone_cannot_run_sort() -> None:
    # It converts (to STABLEHLO_SORT) only without int64 indices, and the runtime has no kernel for it.
    import litert_torch

    from opbridge.interpreter import Interpreter

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        edge = litert_torch.convert(module(lambda a: torch.sort(a, dim=1).values), (torch.randn(3, 8),))
    with pytest.raises((RuntimeError, ValueError), match="STABLEHLO_SORT"):
        Interpreter(model_content=bytes(edge.model_content()))


# ---- cummax / cummin (Opbridge>CumMaxMin) ----------------------------------------------------------


def _cums(x: torch.Tensor) -> list[torch.Tensor]:
    outs: list[torch.Tensor] = []
    for dim in range(-x.dim(), x.dim()):
        for fn in (torch.cummax, torch.cummin):
            values, indices = fn(x, dim)
            outs += [_zero_signs(values), indices]
    return outs


def test_cummax_cummin_every_dim_and_dtype_ties_nan_and_zeros() -> None:
    # torch's rule: ties take the later index (-0.0 replaces 0.0 and back), a NaN sticks with the
    # latest NaN's index.
    torch.manual_seed(3)
    inputs = tuple(_with_ties((3, 4, 21), dtype) for dtype in DTYPES)
    inputs += (
        torch.tensor(
            [[1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 0.0], [0.0, -0.0, 0.0, -0.0, -1.0, -1.0, 7.0, 7.0]]
        ),
    )

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(out for x in xs for out in _cums(x))

    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) == {"Opbridge>CumMaxMin"}


def test_cummax_cummin_empty_size_one_scalar_and_int64() -> None:
    def fn(
        e: torch.Tensor, one: torch.Tensor, s: torch.Tensor, big: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        return (
            *torch.cummax(e, 1),
            *torch.cummin(e, 0),
            *torch.cummax(one, 1),
            *torch.cummin(s, 0),
            *torch.cummax(big, 0),
        )

    big = torch.tensor([-(2**40), 2**33, 2**33, 2**62, -5])
    inputs = (torch.zeros(3, 0), torch.tensor([[2.0], [NAN]]), torch.tensor(5.0), big)
    testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
