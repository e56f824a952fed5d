"""Ops whose output size is a value of the data (aten_dynamic): torch.unique (sorted, dim, inverse,
counts), unique_consecutive, nonzero / argwhere, masked_select, boolean-mask indexing and bincount
against torch eager. Each model is converted once from sample inputs and then run on inputs whose
results have other sizes (none kept, all kept): the outputs are sized by the data at run time.
Inputs are fed by index."""

from __future__ import annotations

import torch

from conftest import module
from opbridge import testing
from opbridge.parity_cases import compare
from opbridge.torch.testing import available_runtimes, reference_outputs

NAN = float("nan")


def _check_more(model: bytes, fn: object, *cases: tuple[torch.Tensor, ...]) -> None:
    """The converted model against torch eager on other inputs of the same shapes."""
    for inputs in cases:
        expected = reference_outputs(module(fn), inputs)
        compare(model, [t.numpy() for t in inputs], expected, 0, 0, available_runtimes())


def _floats(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Few distinct values (ties), NaNs, both zeros, infinities."""
    g = torch.Generator().manual_seed(seed)
    x = (torch.randint(-3, 3, shape, generator=g) / 2).reshape(-1)
    where = torch.randperm(x.numel(), generator=g)[:8]
    x[where] = torch.tensor([NAN, -0.0, 0.0, torch.inf, -torch.inf, NAN, -0.0, NAN])
    return x.reshape(shape)


def _unique_outputs(x: torch.Tensor, rows: torch.Tensor, small: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out: list[torch.Tensor] = []
    # Which NaN gets which index among the NaNs torch leaves to its unstable sort (the model: input
    # order), so inverse indices are compared with one NaN; values and counts with several.
    one_nan = torch.where(torch.isnan(x), 7.0, x)
    one_nan[0, 0] = NAN
    out += torch.unique(one_nan, return_inverse=True, return_counts=True)
    out += torch.unique(x, sorted=False, return_counts=True)
    out += torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
    out += torch.unique(rows, dim=1, return_inverse=True, return_counts=True)
    out += torch.unique_consecutive(x, return_inverse=True, return_counts=True)
    out += torch.unique_consecutive(rows, dim=0, return_inverse=True, return_counts=True)
    out += torch.unique(small, return_counts=True)
    out += [torch.unique(small.int() > 0), torch.unique(x.half()).float()]
    zeros = torch.where(x == 0, 1 / x, x)  # which zero was kept (1/-0 = -inf)
    out += [torch.unique(zeros)]
    return tuple(out)


def test_unique_and_unique_consecutive_sorted_dims_inverse_counts_nan_and_sizes_from_data() -> None:
    x = _floats((4, 6), 0)
    g = torch.Generator().manual_seed(1)
    rows = torch.randint(0, 2, (7, 3), generator=g)  # repeated rows and columns
    small = torch.randint(-2, 3, (10,), generator=g).to(torch.int8)
    model = testing.assert_parity(module(_unique_outputs), (x, rows, small), rtol=0, atol=0, enable_x64=True)
    constant = torch.full((4, 6), 2.5)
    distinct = torch.arange(24.0).reshape(4, 6).flip(0)
    _check_more(
        model,
        _unique_outputs,
        (constant, torch.zeros(7, 3, dtype=torch.int64), torch.zeros(10, dtype=torch.int8)),
        (distinct, torch.arange(21).reshape(7, 3) % 5, torch.arange(10, dtype=torch.int8) - 5),
    )


def _selection_outputs(
    x: torch.Tensor, counted: torch.Tensor, weights: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    return (
        x[x > 0],
        x[:, x[0, :, 0] > 0],
        x[(x > 0).all(2)],
        torch.masked_select(x, x[0] > 0),
        torch.nonzero(x > 0),
        torch.argwhere(x[0]),
        torch.nonzero(x[0, 0, :] > 0),
        torch.bincount(counted),
        torch.bincount(counted, minlength=12),
        torch.bincount(counted, weights=weights),
        torch.bincount(counted.int(), weights=weights.double()),
        torch.bincount(counted.to(torch.uint8), weights=counted),
    )


def test_nonzero_masked_select_mask_indexing_and_bincount_sized_by_the_data() -> None:
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 4, 2, generator=g)
    x[0, 1, 0] = 0.0
    counted = torch.randint(0, 6, (20,), generator=g)
    weights = torch.randn(20, generator=g)
    model = testing.assert_parity(
        module(_selection_outputs), (x, counted, weights), rtol=0, atol=0, enable_x64=True
    )
    _check_more(
        model,
        _selection_outputs,
        (-x.abs(), counted * 2, weights),  # nothing selected; more bins
        (x.abs() + 1, torch.zeros(20, dtype=torch.int64), weights),  # everything; one bin
    )


def test_scatter_reduce_prod_in_torchs_order_include_self_nan_and_integers() -> None:
    g = torch.Generator().manual_seed(3)
    x, src = torch.randn(4, 5, generator=g), torch.randn(9, 5, generator=g) * 1.7
    index = torch.randint(0, 4, (9, 5), generator=g)  # up to 9 products per slot
    src[1, 2] = NAN
    ints, int_src = torch.randint(-3, 4, (4, 5), generator=g), torch.randint(-3, 4, (9, 5), generator=g)

    def fn(
        x: torch.Tensor, src: torch.Tensor, index: torch.Tensor, ints: torch.Tensor, int_src: torch.Tensor
    ) -> object:
        return (
            x.scatter_reduce(0, index, src, "prod"),
            x.scatter_reduce(0, index, src, "prod", include_self=False),
            x.scatter_reduce(1, index[:4, :3] % 5, src, "prod"),
            ints.scatter_reduce(0, index, int_src, "prod"),
            ints.int().scatter_reduce(0, index, int_src.int(), "prod", include_self=False),
            x.scatter_reduce(0, index, src, "amax"),  # the other reductions stay aten_scatter's
        )

    testing.assert_parity(module(fn), (x, src, index, ints, int_src), rtol=0, atol=0, enable_x64=True)
