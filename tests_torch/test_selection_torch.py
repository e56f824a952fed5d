"""torch.topk / kthvalue / median / nanmedian / mode (Opbridge>Sort, Opbridge>CumMaxMin) against torch
eager: every dim, largest/smallest, sorted, k from 0 to n, keepdim, dtypes, NaN, +-inf, ties, int64
beyond int32, 0-d; the model's inputs are fed by index. Where torch's CPU tie order comes from
libstdc++'s selection algorithms (topk, kthvalue, mode beyond 16 elements), values are checked
against torch and indices must point at those values (see aten_selection.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import module
from opbridge import testing, tflite_model
from opbridge.parity_cases import _ordered
from opbridge.running import run_tflite
from opbridge.torch.testing import reference_outputs

NAN, INF = float("nan"), float("inf")


def _distinct(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """Values without ties along any dim (a permutation); floats get -inf, inf and one NaN per
    row of every dim at most (NaNs tie with each other in torch's comparators)."""
    n = int(np.prod(shape))
    x = (torch.randperm(n) - n // 2).to(dtype).reshape(shape)
    if dtype.is_floating_point:
        x = x / 4
        x.view(-1)[[1, n // 2, n - 2]] = torch.tensor([NAN, -INF, INF], dtype=dtype)
    return x


def _with_ties(shape: tuple[int, ...], dtype: torch.dtype, nan: bool = True) -> torch.Tensor:
    x = torch.randint(-3, 3, shape).to(dtype)
    if dtype.is_floating_point:
        x = x / 2
        if nan:
            x[torch.rand(shape) < 0.15] = NAN
        x[torch.rand(shape) < 0.1] = -0.0
    return x


def _topks(x: torch.Tensor) -> list[torch.Tensor]:
    outs: list[torch.Tensor] = []
    for dim in range(-x.dim(), x.dim()):
        n = x.shape[dim]
        for k, largest in ((1, True), (n // 2, False), (n, True), (0, False), (min(3, n), True)):
            outs += [*torch.topk(x, k, dim=dim, largest=largest)]
    return outs


def test_topk_without_ties_every_dim_k_direction_and_dtype() -> None:
    # 3 x 5 x 70: the last dim takes torch's partial_sort path for k = 1 (k * 64 <= n), the others
    # its nth_element + sort path; both agree with the sort wherever no two values tie.
    torch.manual_seed(1)
    inputs = (
        _distinct((3, 5, 70), torch.float32),
        _distinct((4, 6), torch.float16),
        _distinct((4, 6), torch.int32),
        _distinct((3, 7), torch.int8),
        torch.stack([torch.randperm(9) * 2**40 - 2**42 for _ in range(3)]),  # int64 beyond int32
        torch.tensor([[3, 200, 7, 0, 255]], dtype=torch.uint8),
        torch.tensor(2.5),
    )

    def fn(a, b, c, d, e, f, s):  # noqa: ANN001
        outs = [out for x in (a, b, c, d, e, f) for out in _topks(x)]
        return (*outs, *torch.topk(s, 1), *torch.topk(a, 2, sorted=False), *torch.topk(s, 0, dim=-1))

    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) == {"Opbridge>Sort"}


def _check_points_at(x: np.ndarray, dim: int, values: np.ndarray, indices: np.ndarray) -> None:
    """Each index names an element of x equal to its value (NaN to NaN, same zero sign)."""
    if values.ndim < x.ndim:  # reduced without keepdim
        values, indices = np.expand_dims(values, dim), np.expand_dims(indices, dim)
    picked = np.take_along_axis(x, indices.astype(np.int64), axis=dim)
    np.testing.assert_array_equal(picked, values)
    if np.issubdtype(x.dtype, np.floating):
        np.testing.assert_array_equal(np.signbit(picked), np.signbit(values))


def test_topk_kthvalue_mode_with_ties_give_torchs_values_and_matching_indices() -> None:
    torch.manual_seed(2)
    x = _with_ties((4, 40), torch.float32)
    n = _with_ties((6, 33), torch.int64)

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            *torch.topk(a, 5),
            *torch.topk(a, 3, dim=0, largest=False),
            *torch.topk(b, 33, largest=False),
            *torch.topk(b, 2, dim=0),
            *torch.topk(a, 9, sorted=False),
            *torch.kthvalue(a, 7),
            *torch.kthvalue(b, 4, dim=0, keepdim=True),
            *torch.mode(b),
            *torch.mode(torch.round(a.nan_to_num(0.5))),
        )

    from opbridge.torch import convert

    model = convert(module(fn), sample_inputs=(x, n), enable_x64=True)
    got = _ordered(run_tflite(model, [x.numpy(), n.numpy()]))
    expected = reference_outputs(module(fn), (x, n))
    dims = (-1, 0, -1, 0, -1, -1, 0, -1, -1)
    sources = (x, x, n, n, x, x, n, n, torch.round(x.nan_to_num(0.5)))
    for j, (dim, src) in enumerate(zip(dims, sources, strict=True)):
        values, indices = got[2 * j], got[2 * j + 1]
        want = expected[2 * j]
        if j == 4:  # sorted=False: torch leaves nth_element's order; the model sorts.
            want = np.sort(want, axis=-1)[..., ::-1]  # descending, NaN first
        np.testing.assert_array_equal(values, want, err_msg=f"output {2 * j}")
        assert indices.dtype == np.int64
        _check_points_at(src.numpy(), dim, values, indices)
    # mode of <= 16 elements: torch's index is the last occurrence, so the model's is torch's.
    # (checked in test_median_nanmedian_mode_ties_and_nan_match_torch_exactly)


def test_median_nanmedian_mode_ties_and_nan_match_torch_exactly() -> None:
    # median/nanmedian(dim): torch's nth_element orders (value, index), so its tied index is the
    # stable sort's: exact. Rows with NaN (median: the first NaN), +-0, keepdim, every dim.
    torch.manual_seed(3)
    f = _with_ties((5, 6, 9), torch.float32)
    f[0, 0] = NAN  # a row that is all NaN along the last dim
    h = _with_ties((4, 8), torch.float16)
    i = _with_ties((7, 12), torch.int32)
    i[0] = torch.tensor([2, -1, 2, -1, 0, 1, -3, 3, 4, -2, 5, 6])  # mode: -1, tied with 2 (2 each)
    u = torch.randint(0, 3, (3, 16), dtype=torch.uint8)
    b = torch.randint(0, 2, (3, 11), dtype=torch.bool)
    big = torch.tensor([[2**40, -(2**41), 2**40, 7, 2**40, -(2**41)]])
    m = _with_ties((6, 16), torch.float32, nan=False)

    def fn(f, h, i, u, b, big, m):  # noqa: ANN001
        outs: list[torch.Tensor] = []
        for dim in range(-3, 3):
            outs += [*torch.median(f, dim), *torch.nanmedian(f[1:], dim, keepdim=dim == 1)]
        for x in (h, i, u, big):
            outs += [*torch.median(x, 0, keepdim=True), *torch.median(x, -1), *torch.nanmedian(x, 1)]
        for x in (i, u, b, big, m):  # <= 16 per row: torch's index is the last occurrence
            outs += [*torch.mode(x), *torch.mode(x, 0, keepdim=True)]
        outs += [torch.median(f), torch.median(f[1:]), torch.nanmedian(f), torch.median(i), torch.median(m)]
        outs += [torch.nanmedian(h), *torch.median(f[0, 0, 0], 0), *torch.kthvalue(torch.tensor(3), 1)]
        return tuple(outs)

    inputs = (f, h, i, u, b, big, m)
    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) == {"Opbridge>Sort", "Opbridge>CumMaxMin"}


def test_kthvalue_without_ties_every_k_and_dim_exact() -> None:
    torch.manual_seed(4)
    x = _distinct((4, 5, 6), torch.float32)
    n = _distinct((3, 8), torch.int64) * 2**35

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs: list[torch.Tensor] = []
        for dim in range(3):
            for k in range(1, a.shape[dim] + 1, 2):
                outs += [*torch.kthvalue(a, k, dim, keepdim=k == 1)]
        return (*outs, *torch.kthvalue(b, 8), *torch.kthvalue(b, 2, 0))

    testing.assert_parity(module(fn), (x, n), rtol=0, atol=0, enable_x64=True)


def test_without_x64_indices_are_int32() -> None:
    from opbridge.torch import convert

    x = torch.tensor([[3.0, -1.0, NAN, 0.5, 2.0]])
    model = convert(module(lambda a: (*torch.topk(a, 3), *torch.median(a, 1))), sample_inputs=(x,))
    got = _ordered(run_tflite(model, [x.numpy()]))
    want = reference_outputs(module(lambda a: (*torch.topk(a, 3), *torch.median(a, 1))), (x,))
    assert got[1].dtype == np.int32
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("topk", (6,), r"aten.topk: k=6 out of range for a dim of size 5"),
        ("topk", (1, 2), r"aten.topk: dim 2 out of range for a tensor of rank 2"),
        ("kthvalue", (0,), r"aten.kthvalue: k=0 out of range for a dim of size 5"),
        ("median_dim", (1,), r"aten.median: cannot compute the median of a dimension of size 0"),
        ("mode", (1,), r"aten.mode: cannot compute the mode of a dimension of size 0"),
        ("nanmedian", (), r"aten.nanmedian: the median of an empty tensor"),
    ],
)
def test_rewrites_refuse_what_torch_refuses(name: str, args: tuple[int, ...], message: str) -> None:
    # torch.export's meta functions catch most of these first; the rewrites check them too.
    from opbridge.torch import aten_selection

    x = torch.zeros(2, 5) if name in ("topk", "kthvalue") else torch.zeros(2, 0)
    with pytest.raises(ValueError, match=message):
        getattr(aten_selection, name)(x, *args)
    with pytest.raises(ValueError, match=r"aten.topk: torch does not implement it for bool"):
        aten_selection.topk(torch.zeros(3, dtype=torch.bool), 1)
