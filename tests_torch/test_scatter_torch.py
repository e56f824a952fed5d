"""scatter_add / scatter_reduce / index_add / index_put(accumulate) / F.fold / istft
(TensorScatterSub, TensorScatterMax, TensorScatterMin) against torch eager, bit for bit."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing, tflite_model

aten = torch.ops.aten
NAN = float("nan")
_KERNELS = {"TensorScatterSub", "TensorScatterMax", "TensorScatterMin"}


def _no_stablehlo_scatter(model: bytes) -> None:
    assert "STABLEHLO_SCATTER" not in tflite_model.parse(model).op_histogram()


def test_scatter_reduce_every_reduce_include_self_dims_duplicates_nan() -> None:
    self_ = torch.randn(4, 6)
    self_[3, 5] = NAN  # a NaN in self: kept by amax/amin with include_self, replaced without
    src = torch.randn(4, 5) * 3
    src[1, 2] = NAN
    index = torch.randint(0, 6, (4, 5))
    index[0] = torch.tensor([2, 2, 2, 2, 0])  # duplicates: sequential sums in index order
    index[3, :2] = 5
    index[1, 2] = index[1, 3]  # the NaN shares its slot with another value
    col_index = torch.randint(0, 4, (3, 6))  # along dim 0 (-2), index smaller than src
    kinds = ("sum", "mean", "amax", "amin")

    def fn(s: torch.Tensor, x: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = [s.scatter_add(1, i, x), s.scatter_add(-2, j, x.repeat(1, 2))]
        for kind in kinds:
            for include_self in (True, False):
                outs.append(s.scatter_reduce(-1, i, x, kind, include_self=include_self))
                outs.append(s.scatter_reduce(0, j, x.repeat(1, 2), kind, include_self=include_self))
        return tuple(outs)

    model = testing.assert_parity(module(fn), (self_, src, index, col_index), rtol=0, atol=0, enable_x64=True)
    _no_stablehlo_scatter(model)
    assert set(tflite_model.custom_op_counts(model)) <= _KERNELS


def test_integer_dtypes_floor_mean_and_empty_index() -> None:
    ints = torch.randint(-50, 50, (3, 7), dtype=torch.int32)
    src = torch.randint(-50, 50, (3, 4), dtype=torch.int32)
    index = torch.randint(0, 7, (3, 4))
    empty = torch.zeros(3, 0, dtype=torch.int64)
    big = torch.randint(-(2**40), 2**40, (3, 7))
    big_src = torch.randint(-(2**40), 2**40, (3, 4))

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s, x, i, e, b, bx = t
        return (
            s.scatter_add(1, i, x),
            s.scatter_reduce(1, i, x, "mean"),  # floor division, as torch for integers
            s.scatter_reduce(1, i, x, "mean", include_self=False),
            s.scatter_reduce(1, i, x, "amax", include_self=False),
            s.scatter_reduce(1, i, x, "amin"),
            b.scatter_add(1, i, bx),  # int64 beyond int32
            b.scatter_reduce(1, i, bx, "amax", include_self=False),
            s.float().scatter_add(1, e, x.float()),  # no index: self unchanged
        )

    testing.assert_parity(
        module(fn), (ints, src, index, empty, big, big_src), rtol=0, atol=0, enable_x64=True
    )


def test_index_add_alpha_and_index_put_accumulate() -> None:
    self_ = torch.randn(6, 3, 4)
    source = torch.randn(5, 3, 4)
    rows = torch.tensor([0, 2, 2, 5, 2])
    cols = torch.tensor([[1, -1], [2, -3]])  # negative: counted from the end, as torch
    lanes = torch.tensor([0, 2, 0])
    values = torch.randn(2, 2, 4)

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s, x, r, c, lane, v = t
        return (
            s.index_add(0, r, x),
            s.index_add(0, r, x, alpha=-0.5),  # alpha * source exact: the same bits as torch's FMA
            s.index_add(-1, lane, s[..., :3]),
            s.index_put((r[:2], lane[:2]), v[0], accumulate=True),  # two index tensors, adjacent
            s.index_put((r.reshape(1, 5)[:, :2], c), v, accumulate=True),  # broadcast indices
            aten.index_put(s, [None, lane], x[0], True),  # a slice first (x[:, i] += v)
            aten.index_put(
                s, [r[:3], None, lane], v[0, :, :3].reshape(3, 2)[:, :1], True
            ),  # apart: dims first
            torch.zeros(6).index_put((r,), x[:, 0, 0], accumulate=True),
        )

    model = testing.assert_parity(
        module(fn), (self_, source, rows, cols, lanes, values), rtol=0, atol=0, enable_x64=True
    )
    _no_stablehlo_scatter(model)


def test_index_add_inexact_alpha_is_within_one_rounding_of_torchs_fma() -> None:
    # torch's vectorized index_add computes self + alpha * source as one fused multiply-add; the
    # model rounds alpha * source first (one more rounding per addition, see aten_scatter.py).
    self_, source, rows = torch.randn(6, 37), torch.randn(5, 37), torch.tensor([0, 2, 2, 5, 2])
    testing.assert_parity(
        module(lambda s, x, r: s.index_add(0, r, x, alpha=0.3)),
        (self_, source, rows),
        rtol=2.5e-7,
        atol=1e-7,
        enable_x64=True,
    )


def test_fold_stride_padding_dilation_and_unbatched() -> None:
    a = torch.randn(2, 3 * 4, 9)  # kernel 2x2, 4x4 output, stride 1: 3x3 blocks
    b = torch.randn(1, 2 * 9, 6)  # kernel 3x3, 5x6 output, stride 2, padding 1, dilation (1,2): 3x2 blocks
    c = torch.randn(2 * 3, 7)  # unbatched, kernel (1, 3), stride (1, 2), output (1, 15)
    windows = torch.randn(2, 4, 6)  # Tensor.unfold(1, 6, 4)'s windows of [2, 18]: istft's overlap-add
    frames = torch.randn(1, 3, 5, 4)  # broadcast over the batch, along dim -2 (torch loops over offsets)

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, y, z, w, f = t
        return (
            F.fold(x, (4, 4), 2),
            F.fold(y, (5, 6), 3, dilation=(1, 2), padding=1, stride=2),
            F.fold(z, (1, 15), (1, 3), stride=(1, 2)),
            aten.unfold_backward(w, [2, 18], 1, 6, 4),
            aten.unfold_backward(w[:, :3, :2], [2, 10], 1, 2, 4),  # step > size: gaps
            aten.unfold_backward(f, [2, 3, 12], -1, 4, 2),
        )

    model = testing.assert_parity(module(fn), (a, b, c, windows, frames), rtol=0, atol=0)
    _no_stablehlo_scatter(model)


@pytest.mark.parametrize(("n_fft", "hop"), [(64, 16), (400, 100)])
def test_istft_overlap_add(n_fft: int, hop: int) -> None:
    signal = torch.randn(2, 1600)

    def fn(x: torch.Tensor) -> torch.Tensor:
        window = torch.hann_window(n_fft)
        spec = torch.stft(x, n_fft, hop, window=window, return_complex=True)
        return torch.istft(spec, n_fft, hop, window=window, center=True, length=x.shape[-1])

    # The FFTs are opbridge's (aten_fft), not torch's pocketfft: their rounding (up to 3e-7
    # relative here) differs; the overlap-add and envelope themselves are bit-exact (test_fold_...).
    model = testing.assert_parity(module(fn), (signal,), rtol=1e-6, atol=1e-6)
    _no_stablehlo_scatter(model)


def test_plain_scatters_stay_litert_torchs() -> None:
    self_ = torch.randn(6, 3)
    index = torch.tensor([4, 0, 2])
    src = torch.randn(3, 3)

    def plain(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s, i, x = t
        return (
            s.scatter(0, i.reshape(3, 1).expand(3, 3), x),
            s.scatter(0, i.reshape(3, 1).expand(3, 3), 2.5),
            s.index_copy(0, i, x),
            s.index_fill(0, i, -1.0),
            s.index_put((i,), x),
        )

    testing.assert_parity(module(plain), (self_, index, src), rtol=0, atol=0, enable_x64=True)
    # (scatter_reduce "prod": aten_dynamic, tests_torch/test_dynamic_torch.py)


def test_index_put_bool_mask_is_a_select() -> None:
    # x[mask] = v / x[:, mask] += v (Longformer's `mask[attention_mask == 2] = max`): a bool index
    # litert-torch refuses, as torch.where(mask, v, x) (x + v with accumulate). Masks by input.
    self_ = torch.randn(2, 3, 4)
    self_[1, 2, 3] = NAN  # unselected NaN kept, selected one replaced
    self_[0, 0, 1] = NAN
    codes = torch.tensor([[0, 2, 1], [2, 2, 0]])
    lanes = torch.tensor([[1, 0, 0, 1], [0, 0, 1, 1], [1, 1, 1, 0]], dtype=torch.bool)
    row = torch.randn(4)
    col = torch.randn(2, 1)
    ints = torch.randint(-(2**40), 2**40, (2, 3))

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s, c, m, r, k, n = t
        all_dims = s.clone()
        all_dims[torch.isnan(s)] = -5.0  # a mask over every dim, a scalar
        leading = s.clone()
        leading[c == 2] = r  # over the leading dims, one value per trailing element
        inner = s.clone()
        inner[:, m] = k  # a slice first: values broadcast over the batch dim
        in_place = s.clone().index_put_((c == 1,), torch.tensor(7.0))
        return (
            all_dims,
            leading,
            inner,
            in_place,
            torch.index_put(s, (c == 0,), torch.tensor(1.5), accumulate=True),
            aten.index_put(s, [None, m], k, True),  # accumulate after a slice
            torch.index_put(s, (c == 3,), torch.tensor(0.0)),  # nothing selected
            n.index_put((c == 2,), torch.tensor(-1, dtype=torch.int64)),  # int64 beyond int32
            n.index_put((c != 5,), torch.tensor(3, dtype=torch.int64), accumulate=True),  # all selected
        )

    model = testing.assert_parity(
        module(fn), (self_, codes, lanes, row, col, ints), rtol=0, atol=0, enable_x64=True
    )
    _no_stablehlo_scatter(model)


def test_as_strided_reads_the_views_storage() -> None:
    # torch's as_strided reads its input's storage; litert-torch reads the flattened view and
    # litert-torch's converter turns views into contiguous copies first. Longformer's overlapping
    # chunks were silently wrong (errors of about 1 in its attention scores).
    x = torch.randn(1, 8, 4, 8)
    y = torch.randn(4, 3)

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        heads = a.transpose(1, 2).reshape(4, 8, 8).view(4, 2, 4, 8)  # a view, not row-major
        return (
            heads.as_strided((4, 3, 4, 8), (8, 64, 32, 1)),  # Longformer's chunks (overlap 2)
            b.t().as_strided((3, 2), (1, 3)),  # a transposed view
            b[1:].as_strided((2, 2), (2, 1), 3),  # starts inside the storage, explicit offset
            b[1:].as_strided((2, 3), (3, 1)),  # default offset: the view's own
            b.as_strided((2, 2), (1, 2), 1),  # contiguous: left to litert-torch
            (b * 2).t().as_strided((2, 2), (3, 1)),  # a view of a computed tensor
        )

    testing.assert_parity(module(fn), (x, y), rtol=0, atol=0)
