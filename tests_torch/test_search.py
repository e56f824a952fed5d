"""torch.searchsorted / bucketize (LowerBound, UpperBound) and torch.cumprod (Cumprod) against torch eager."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch

from conftest import module
from opbridge import testing, tflite_model
from opbridge.running import run_tflite

NAN, INF = float("nan"), float("inf")


def _sorted_with_edges(n: int, dtype: torch.dtype) -> torch.Tensor:
    """A sorted row with duplicates (and, for floats, -inf first and NaNs last, as torch.sort orders)."""
    if dtype.is_floating_point:
        body = torch.randint(-4, 5, (n,)).to(dtype) / 2
        body = torch.cat(
            [torch.tensor([-INF], dtype=dtype), body, torch.tensor([INF, NAN, NAN], dtype=dtype)]
        )
    else:
        body = torch.randint(-6, 7, (n,)).to(dtype)
    return torch.sort(body).values


def _values(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    values = (torch.randint(-10, 11, shape) / 4).to(dtype) if dtype.is_floating_point else None
    if values is None:
        return torch.randint(-8, 9, shape).to(dtype)
    flat = values.reshape(-1)
    flat[: min(4, flat.numel())] = torch.tensor([NAN, -INF, INF, 0.25], dtype=dtype)[: min(4, flat.numel())]
    return values


def _all_sides(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return (
        torch.searchsorted(a, b),
        torch.searchsorted(a, b, right=True),
        torch.searchsorted(a, b, side="left", out_int32=True),
        torch.searchsorted(a, b, side="right", out_int32=True),
    )


def test_searchsorted_1d_boundaries_any_value_shape_every_dtype() -> None:
    dtypes = (torch.float32, torch.int32, torch.int64)
    inputs: list[torch.Tensor] = []
    for dtype in dtypes:
        inputs += [_sorted_with_edges(9, dtype), _values((2, 3, 5), dtype), _values((), dtype)]
    big = torch.tensor([-(2**40), 2**33, 2**33 + 1, 2**62])  # int64 beyond int32's range
    inputs += [big, torch.tensor([2**33, 2**33 + 1, -(2**41), 2**63 - 1, 0])]

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs: list[torch.Tensor] = []
        for k in range(len(dtypes)):
            a, b, c = t[3 * k : 3 * k + 3]
            outs += [*_all_sides(a, b), *_all_sides(a, c)]
        return (*outs, *_all_sides(t[-2], t[-1]))

    model = testing.assert_parity(module(fn), tuple(inputs), rtol=0, atol=0, enable_x64=True)
    # Only the kernels search (identical searches, e.g. right=True and side="right", are merged).
    assert set(tflite_model.custom_op_counts(model)) == {"LowerBound", "UpperBound"}


def test_searchsorted_nd_with_sorter_and_batch_dims() -> None:
    seq = torch.randn(2, 3, 7)
    seq[0, 1, 2] = NAN  # sorted below: NaN last, as torch.sort puts it
    seq[1, 2, :3] = seq[1, 2, 3]  # duplicates
    sorter = torch.argsort(seq, dim=-1)
    values = torch.randn(2, 3, 4)
    values[0, 0, 0] = seq[0, 0, 1]
    values[1, 1, 1] = NAN
    testing.assert_parity(
        module(
            lambda s, v, order: (
                torch.searchsorted(s, v, sorter=order),
                torch.searchsorted(s, v, sorter=order, right=True),
                torch.searchsorted(s.gather(-1, order), v),  # what sorter= means
            )
        ),
        (seq, values, sorter),
        rtol=0,
        atol=0,
        enable_x64=True,
    )


def test_bucketize_and_scalar_overloads() -> None:
    boundaries = torch.tensor([-1.0, 0.0, 0.0, 0.5, 2.0])
    x = torch.tensor([[-2.0, -1.0, 0.0, 0.25], [0.5, 2.0, 3.0, NAN]])
    model = testing.assert_parity(
        module(
            lambda b, v: (
                torch.bucketize(v, b),
                torch.bucketize(v, b, right=True),
                torch.bucketize(v, b, out_int32=True),
                torch.bucketize(0.0, b),
                torch.bucketize(0.0, b, right=True, out_int32=True),
                torch.searchsorted(b, 0.5),
                torch.searchsorted(b, 0.5, side="right"),
            )
        ),
        (boundaries, x),
        rtol=0,
        atol=0,
        enable_x64=True,
    )
    assert set(tflite_model.custom_op_counts(model)) == {"LowerBound", "UpperBound"}


def test_nan_paths_empty_inputs_and_mixed_dtypes() -> None:
    # torch's left search goes right on any NaN comparison: with NaNs last, a value
    # below every boundary can end past the NaNs (7 for every value of row 0).
    seq = torch.tensor([[1.0, 2.0, 3.0, NAN, NAN, NAN, NAN], [-INF, -INF, 0.0, 0.0, NAN, NAN, NAN]])
    values = torch.tensor([[0.0, 2.5, NAN, -INF, INF, 3.0], [-INF, 0.0, -1.0, NAN, INF, -0.0]])
    ints = torch.tensor([[0, 1, 2, 3]], dtype=torch.int32)
    testing.assert_parity(
        module(
            lambda s, v, e, i: (
                torch.searchsorted(s, v),
                torch.searchsorted(s, v, right=True),
                torch.searchsorted(e, v[0]),  # no boundaries: all 0
                torch.searchsorted(s[0], e),  # no values
                torch.searchsorted(v[1], i, out_int32=True),  # int32 values promote to float, as torch
            )
        ),
        (seq, values, torch.zeros(0), ints),
        rtol=0,
        atol=0,
        enable_x64=True,
    )


def _convert_and_run(fn: object, inputs: tuple[torch.Tensor, ...], **options: object) -> list[np.ndarray]:
    from opbridge.parity_cases import _ordered
    from opbridge.torch import convert

    model = convert(module(fn), sample_inputs=inputs, **options)
    return _ordered(run_tflite(model, [t.numpy() for t in inputs]))


def test_without_x64_int64_becomes_int32_with_torchs_values() -> None:
    # litert-torch's default enable_x64=False makes every int64 tensor int32: the model takes
    # int32 sequences/values and returns int32 indices; the indices are torch's.
    seq, values = torch.tensor([-5, 0, 0, 7]), torch.tensor([[-9, 0, 3, 7, 8]])
    outs = _convert_and_run(
        lambda s, v: (torch.searchsorted(s, v), torch.bucketize(v, s, right=True)), (seq, values)
    )
    for out, ref in zip(
        outs, (torch.searchsorted(seq, values), torch.bucketize(values, seq, right=True)), strict=True
    ):
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, ref.numpy())


def test_litert_torch_alone_cannot_lower_these() -> None:
    import litert_torch

    cases = {
        "aten.searchsorted.Tensor": (
            lambda s, v: torch.searchsorted(s, v),
            (torch.arange(4.0), torch.rand(3)),
        ),
        "aten.bucketize.Tensor": (lambda s, v: torch.bucketize(v, s), (torch.arange(4.0), torch.rand(3))),
        "aten.cumprod.default": (lambda x: torch.cumprod(x, 0), (torch.rand(3),)),
        "aten.histc.default": (lambda x: torch.histc(x, 4), (torch.rand(3),)),
    }
    for name, (fn, inputs) in cases.items():
        with (
            pytest.raises(RuntimeError, match=f"Lowering not found: {name}"),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            litert_torch.convert(module(fn), inputs)


# ---- cumprod ---------------------------------------------------------------------------------------


def _cumprods(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(torch.cumprod(x, d) for d in range(-x.dim(), x.dim()))


def test_cumprod_every_dim_and_dtype_with_x64() -> None:
    # torch multiplies float32 in double and rounds each prefix once; with x64 the rewrite does too.
    x = torch.rand(3, 4, 6) * 2 + 0.5
    x[0, 0, 2] = NAN
    x[1, 2, 0] = INF
    x[2, 1, 3] = -0.0
    edge = torch.tensor([1e30, 1e30, 1e-30, 1e-30, 1e-20, 1e-20, 1e25])  # double keeps what float loses
    f64 = torch.rand(2, 5, dtype=torch.float64) * 4 - 1
    i32 = torch.randint(-3, 7, (2, 5), dtype=torch.int32)
    u8 = torch.randint(0, 7, (2, 5), dtype=torch.uint8)
    wraps = torch.full((40,), 3, dtype=torch.int64)  # overflows int64 and int32: both wrap, as torch

    def fn(
        a: torch.Tensor,
        e: torch.Tensor,
        d: torch.Tensor,
        i: torch.Tensor,
        u: torch.Tensor,
        w: torch.Tensor,
        s: torch.Tensor,
        z: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        return (
            *_cumprods(a),
            torch.cumprod(e, 0),
            *_cumprods(d),
            *_cumprods(i),  # integers become int64 unless dtype= says otherwise, as in torch
            torch.cumprod(i, 1, dtype=torch.int32),
            torch.cumprod(i, 1, dtype=torch.float32),
            torch.cumprod(u, 0),
            torch.cumprod(w, 0),
            torch.cumprod(w.int(), 0, dtype=torch.int32),
            torch.cumprod(s, 0),  # a 0-d input
            torch.cumprod(z, 1),  # empty
            torch.cumprod(z, 0),
        )

    inputs = (x, edge, f64, i32, u8, wraps, torch.tensor(3.5), torch.zeros(2, 0))
    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert tflite_model.custom_op_counts(model)["Cumprod"] >= 17


def test_cumprod_float32_without_x64_accumulates_in_float32() -> None:
    # enable_x64=False turns the double accumulator into float32: one rounding per step.
    x = torch.rand(4, 50) + 0.5
    testing.assert_parity(module(lambda a: _cumprods(a)), (x,), rtol=5e-6, atol=0)


# ---- histc -----------------------------------------------------------------------------------------


def test_histc_bins_edges_range_and_nan() -> None:
    x = torch.randn(6, 50)
    x[0, :6] = torch.tensor([NAN, -2.0, 2.0, 0.0, 1.0, 2.5])  # NaN and out of range are dropped
    x[1, :4] = torch.linspace(-2, 2, 6)[1:5]  # on the inner edges of 5 bins on [-2, 2]
    x[2, :7] = torch.linspace(-1, 3, 8)[:7]  # ... of 7 bins on [-1, 3]
    model = testing.assert_parity(
        module(
            lambda a, e: (
                torch.histc(a, bins=5, min=-2, max=2),
                torch.histc(a, 7, -1, 3),
                torch.histc(a[2:], bins=13),  # min == max: the data's range
                torch.histc(a[1:2, :4] * 0 + 1, bins=4),  # one value: [v - 1, v + 1]
                torch.histc(a, bins=1, min=-0.5, max=0.5),
                torch.histc(e, bins=3, min=0, max=1),
            )
        ),
        (x, torch.zeros(0)),
        rtol=0,
        atol=0,
    )
    assert set(tflite_model.custom_op_counts(model)) == {"LowerBound"}


def test_float64_search_and_histc_become_float32_without_x64_and_are_refused_with_it() -> None:
    # litert-torch's converter cannot legalize float64 comparisons; without enable_x64 every
    # float64 tensor is float32, so the model takes float32 and gives torch's float32 answer.
    seq = torch.tensor([1.0, 2.0, 2.0, NAN], dtype=torch.float64)
    values = torch.tensor([0.0, 2.0, 1.5, NAN, -INF], dtype=torch.float64)

    def fn(s: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return torch.searchsorted(s, v, out_int32=True), torch.histc(v, 3, 0, 2)

    outs = _convert_and_run(fn, (seq, values))
    expected = fn(seq.float(), values.float())
    for out, ref in zip(outs, expected, strict=True):
        np.testing.assert_array_equal(out, ref.numpy())
    with pytest.raises(ValueError, match=r"aten\.searchsorted: float64"):
        _convert_and_run(fn, (seq, values), enable_x64=True)
