"""F.one_hot, F.embedding_bag and torch.bincount (aten_embedding.py) against torch eager: modes,
padding_idx, include_last_offset, per_sample_weights, 2-D input, empty bags, NaN and signed zeros,
index dtypes, out-of-range values (the model's documented answer) and the refusals; the model's
inputs are fed by index."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing, tflite_model
from opbridge.parity_cases import compare
from opbridge.torch.testing import available_runtimes, reference_outputs

NAN = float("nan")


def test_one_hot_shapes_and_class_counts() -> None:
    x = torch.tensor([[1, 2, 0], [5, 4, 3]])
    small = torch.tensor([0, 1, 1, 0])
    empty = torch.zeros(0, dtype=torch.int64)

    def fn(a: torch.Tensor, b: torch.Tensor, e: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return F.one_hot(a, 6), F.one_hot(a, 9), F.one_hot(b, 2), F.one_hot(b[0], 3), F.one_hot(e, 4)

    model = testing.assert_parity(module(fn), (x, small, empty), rtol=0, atol=0, enable_x64=True)
    assert not tflite_model.custom_op_counts(model)  # builtins only


def test_one_hot_out_of_range_gives_zero_rows() -> None:
    # torch raises; the model (as TF's OneHot) gives a row of zeros for an index outside [0, n).
    from opbridge.torch import convert

    x = torch.tensor([-3, 0, 4, 5, 6, 100, -1])
    model = convert(module(lambda a: F.one_hot(a, 5)), sample_inputs=(x,), enable_x64=True)
    inside = (x >= 0) & (x < 5)
    expected = reference_outputs(
        module(lambda a, m: F.one_hot(a.clamp(0, 4), 5) * m.unsqueeze(-1)), (x, inside)
    )
    compare(model, [x.numpy()], expected, 0, 0, available_runtimes())


def test_one_hot_without_num_classes_is_refused_at_export() -> None:
    from opbridge.torch import convert
    from opbridge.torch.conversion import TorchExportError

    with pytest.raises(TorchExportError, match="data-dependent"):
        convert(module(lambda a: F.one_hot(a)), sample_inputs=(torch.tensor([1, 2]),))


def _weights() -> torch.Tensor:
    w = torch.randn(12, 4)
    w[3] = torch.tensor([NAN, 1.0, -0.0, 2.0])  # NaN first in a bag: sticks (torch's rule)
    w[7] = torch.tensor([0.5, NAN, 0.0, -2.0])  # NaN later in a bag: skipped by max
    w[8] = -w[9]  # a bag of 8 and 9 sums to +0.0
    w[10] = torch.tensor([-0.0, -0.0, -0.0, -0.0])
    return w


def test_embedding_bag_modes_padding_offsets_and_weights() -> None:
    torch.manual_seed(4)
    w = _weights()
    # bags: [0,3) [3,3) empty [3,6) [6,8) [8,11) [11,14); repeated ids, id 5 is padding below.
    idx = torch.tensor([1, 3, 2, 5, 0, 11, 3, 7, 8, 9, 10, 5, 5, 6])
    off = torch.tensor([0, 3, 3, 6, 8, 11])
    off_last = torch.tensor([0, 3, 3, 6, 8, 11, 14])  # include_last_offset: the end is len(idx)
    psw = 2.0 ** torch.randint(-3, 3, (14,)).float()  # exact products (see the weighted test below)
    idx32, off32 = idx.to(torch.int32), off.to(torch.int32)
    two_d = torch.randint(0, 12, (5, 3))

    def fn(
        w: torch.Tensor,
        i: torch.Tensor,
        o: torch.Tensor,
        ol: torch.Tensor,
        p: torch.Tensor,
        i32: torch.Tensor,
        o32: torch.Tensor,
        i2: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        outs = []
        for mode in ("sum", "mean", "max"):
            outs += [
                F.embedding_bag(i, w, o, mode=mode),
                F.embedding_bag(i, w, o, mode=mode, padding_idx=5),
                F.embedding_bag(i, w, ol, mode=mode, include_last_offset=True, padding_idx=-7),
                F.embedding_bag(i32, w, o32, mode=mode),
                F.embedding_bag(i2, w, mode=mode),
            ]
        outs.append(F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p))
        outs.append(F.embedding_bag(i, w, ol, mode="sum", per_sample_weights=p, include_last_offset=True))
        return tuple(outs)

    inputs = (w, idx, off, off_last, psw, idx32, off32, two_d)
    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) <= {
        "UpperBound",
        "TensorScatterSub",
        "TensorScatterMin",
        "TensorScatterMax",
    }


def test_embedding_bag_weighted_sum_with_fma_differs_in_the_last_bit_at_most() -> None:
    # torch's fbgemm kernel adds weight * row with one fused multiply-add; the model rounds the product
    # first. Only that rounding differs: 1 ulp per add at most.
    torch.manual_seed(5)
    w, idx, off, psw = (
        torch.randn(50, 8),
        torch.randint(0, 50, (40,)),
        torch.tensor([0, 9, 20, 31]),
        torch.randn(40),
    )
    fn = module(lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p))
    testing.assert_parity(fn, (w, idx, off, psw), rtol=4 * 2**-23, atol=2**-22)


def test_embedding_bag_float64_with_x64_is_refused() -> None:
    from opbridge.torch import convert

    w, idx, off = torch.randn(5, 2, dtype=torch.float64), torch.tensor([1, 2]), torch.tensor([0])
    with pytest.raises(ValueError, match=r"aten\.embedding_bag: float64 weights need"):
        convert(
            module(lambda w, i, o: F.embedding_bag(i, w, o)), sample_inputs=(w, idx, off), enable_x64=True
        )


def test_bincount_counts_and_weights_in_torchs_dtypes() -> None:
    torch.manual_seed(6)
    x = torch.randint(0, 8, (40,))
    f32, f64, ints = torch.randn(40), torch.randn(40, dtype=torch.float64), torch.randint(-5, 5, (40,))
    small = x.to(torch.uint8), x.to(torch.int16), x.to(torch.int32)
    empty = torch.zeros(0, dtype=torch.int64)

    def fn(
        x: torch.Tensor,
        a: torch.Tensor,
        b: torch.Tensor,
        c: torch.Tensor,
        u8: torch.Tensor,
        i16: torch.Tensor,
        i32: torch.Tensor,
        e: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        return (
            torch.bincount(x, minlength=8),
            torch.bincount(x, minlength=11),
            torch.bincount(x, a, minlength=8),  # float32
            torch.bincount(x, b, minlength=8),  # float64
            torch.bincount(x, c, minlength=8),  # int weights: float64
            torch.bincount(u8, minlength=8),
            torch.bincount(i16, i16, minlength=9),
            torch.bincount(i32, minlength=8),
            torch.bincount(e, minlength=3),
        )

    inputs = (x, f32, f64, ints, *small, empty)
    model = testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)
    assert set(tflite_model.custom_op_counts(model)) <= {"TensorScatterSub", "Neg", "StridedSlice"}


def test_bincount_drops_values_outside_minlength() -> None:
    # torch lengthens the output for values >= minlength and raises for negative ones; the model has
    # minlength bins and does not count them.
    from opbridge.torch import convert

    x = torch.tensor([0, 3, 3, -1, 5, 4, 9, 2**40, 1])
    weights = torch.arange(9, dtype=torch.float32) + 0.5
    model = convert(
        module(lambda a, w: (torch.bincount(a, minlength=5), torch.bincount(a, w, minlength=5))),
        sample_inputs=(x, weights),
        enable_x64=True,
    )
    keep = (x >= 0) & (x < 5)
    expected = [
        torch.bincount(x[keep], minlength=5).numpy(),
        torch.bincount(x[keep], weights[keep], minlength=5).numpy(),
    ]
    compare(model, [x.numpy(), weights.numpy()], expected, 0, 0, available_runtimes())


def test_einsum_with_a_repeated_label_takes_the_diagonal() -> None:
    # litert-torch lowers these through a uint32 iota mask its converter cannot legalize.
    torch.manual_seed(9)
    a, b = torch.randn(4, 4), torch.randn(2, 3, 3, 5)
    a[1, 1] = NAN

    def diagonals(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.einsum("ii->i", a),
            torch.einsum("...ii->...i", b.permute(0, 3, 1, 2)),
            torch.einsum("bjjk->bkj", b),
            torch.einsum("i i -> i", a[2:, 2:]),
        )

    testing.assert_parity(module(diagonals), (a, b), rtol=0, atol=0)

    def sums(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.einsum("ii", a),  # implicit output: the trace
            torch.einsum("bjjk", b),  # implicit: "bk"
            torch.einsum("bjjk,ij->bik", b, a[:, :3]),
            torch.einsum("ij,jk->ik", a, a),  # no repeat: litert-torch's own lowering
        )

    # Sums and products: BATCH_MATMUL / SUM add in another order than torch (float32 rounding).
    a = torch.randn(4, 4)
    testing.assert_parity(module(sums), (a, b), rtol=1e-6, atol=1e-6)


def test_embedding_max_norm_renorms_the_rows_it_uses() -> None:
    # torch renorms the weight in place (so the reference runs on a copy, and the second call sees the
    # first's renorm, as the exported graph threads it). torch computes max_norm / (norm + 1e-7) in
    # double and rounds it once; the model computes it in float32: the scaled rows can differ by 1 ulp.
    from opbridge.torch import convert

    torch.manual_seed(10)
    w, i = torch.randn(10, 3) * 2, torch.tensor([[1, 2], [4, 1], [9, 9]])
    # The third lookup, without max_norm, sees the renormed rows and the untouched unused ones.
    fn = module(
        lambda w, i: (
            F.embedding(i, w, max_norm=1.0),
            F.embedding(i[:2], w, max_norm=1.5, norm_type=1.0),
            F.embedding(torch.arange(10), w),
        )
    )
    model = convert(fn, sample_inputs=(w.clone(), i))
    expected = reference_outputs(fn, (w.clone(), i))
    compare(model, [w.numpy(), i.numpy()], expected, 2**-22, 0, available_runtimes())
    assert (expected[0] != F.embedding(i, w).numpy()).any()  # the renorm did change rows
