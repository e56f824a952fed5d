"""Functions torch.export cannot trace, answered during export (python/opbridge/torch/export_functions.py):
torch.linalg.lstsq (value-dependent output sizes), torch.cov / torch.corrcoef (aten.equal in their
weight checks), F.gaussian_nll_loss (`torch.any(var < 0)`). torch eager vs the converted model in
LiteRT, inputs by index.

Tolerances: the model solves by SVD (pinv), torch's gelsy by QR with column pivoting; both are
backward stable, so solutions agree to about cond(A) * eps(float32). The matrices here have
cond(A) < 10: rtol = atol = 1e-5. Ranks and the residual/singular-value shapes are exact.
"""

from __future__ import annotations

import pytest
import torch
from test_linalg import litert

import opbridge
from conftest import module
from opbridge import testing
from opbridge.torch.conversion import TorchExportError

# enable_x64 keeps rank int64 (as torch) instead of the int32 the default I/O downcast gives
TOL = {"rtol": 1e-5, "atol": 1e-5, "enable_x64": True}


def _tall(*shape: int) -> torch.Tensor:
    """A random m x n matrix (m >= n) with singular values in about [1, 3]."""
    m, n = shape[-2], shape[-1]
    a = torch.randn(*shape, dtype=torch.float64) / (2 * m**0.5)
    return (a + 2 * torch.eye(m, n, dtype=torch.float64)).float()


def _nonempty(result: torch.return_types.linalg_lstsq) -> tuple[torch.Tensor, ...]:
    # tflite has no zero-sized outputs to compare; the empty fields' shapes are checked below
    return tuple(t for t in result if t.numel())


def test_lstsq_every_driver_tall_wide_batched_and_vector_rhs() -> None:
    torch.manual_seed(0)
    a3, b3 = _tall(2, 6, 3), torch.randn(2, 6, 2)
    a2, b2 = _tall(5, 4), torch.randn(5)  # a vector right-hand side: solution (n,), residuals (1,)
    wide, bw = _tall(5, 3).mT.contiguous(), torch.randn(3, 2)  # m < n: the minimum-norm solution

    def fn(
        a3: torch.Tensor,
        b3: torch.Tensor,
        a2: torch.Tensor,
        b2: torch.Tensor,
        w: torch.Tensor,
        bw: torch.Tensor,
    ):
        out: list[torch.Tensor] = []
        for driver in (None, "gels", "gelsy", "gelsd", "gelss"):
            out += _nonempty(torch.linalg.lstsq(a3, b3, driver=driver))
            out += _nonempty(torch.linalg.lstsq(a2, b2, driver=driver))
            out += _nonempty(torch.linalg.lstsq(w, bw, driver=driver))
        out.append(torch.linalg.lstsq(a3, b3, rcond=0.5).solution)  # rcond cuts singular values < 0.5 * max
        return tuple(out)

    testing.assert_parity(module(fn), (a3, b3, a2, b2, wide, bw), **TOL)


def test_lstsq_field_shapes_match_torch_for_each_driver() -> None:
    # The zero-sized fields cannot be model outputs, so their shapes are checked in the exported
    # function directly against torch's own drivers (solution shape included).
    from opbridge.torch.export_functions import replaced

    torch.manual_seed(1)
    cases = [
        (_tall(2, 6, 3), torch.randn(2, 6, 2)),
        (_tall(5, 4), torch.randn(5)),
        (_tall(4, 4).mT, torch.randn(4, 1)),
    ]
    cases.append((_tall(5, 3).mT.contiguous(), torch.randn(3, 2)))
    for a, b in cases:
        for driver in ("gels", "gelsy", "gelsd", "gelss"):
            expected = torch.linalg.lstsq(a, b, driver=driver)
            with replaced():
                got = torch.linalg.lstsq(a, b, driver=driver)
            assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in expected], (
                driver,
                a.shape,
                b.shape,
            )
            assert [t.dtype for t in got] == [t.dtype for t in expected]


def test_lstsq_rank_deficient_gives_the_minimum_norm_solution_and_rank() -> None:
    torch.manual_seed(2)
    a = _tall(6, 4)
    a[:, 3] = a[:, 1]  # rank 3
    b = torch.randn(6, 2)
    m = module(
        lambda a, b: tuple(torch.linalg.lstsq(a, b, driver=d)[i] for d in ("gelsy", "gelsd") for i in (0, 2))
    )
    testing.assert_parity(m, (a, b), **TOL)
    rank = litert(module(lambda a, b: torch.linalg.lstsq(a, b).rank), (a, b), enable_x64=True)[0]
    assert int(rank) == 3


def test_lstsq_refuses_what_torch_refuses() -> None:
    a, b = _tall(5, 3), torch.randn(4, 2)
    with pytest.raises(RuntimeError):
        torch.linalg.lstsq(a, b)  # torch's own error: the row counts differ
    with pytest.raises(TorchExportError, match=r"linalg.lstsq: A has 5 rows, B has 4"):
        opbridge.convert(module(lambda a, b: torch.linalg.lstsq(a, b).solution), sample_inputs=(a, b))
    with pytest.raises(TorchExportError, match=r"linalg.lstsq: driver must be one of"):
        opbridge.convert(
            module(lambda a, b: torch.linalg.lstsq(a, b, driver="gelsx").solution),
            sample_inputs=(a, torch.randn(5, 2)),
        )


def test_cov_and_corrcoef_every_weighting_and_shape() -> None:
    torch.manual_seed(3)
    x, v = torch.randn(3, 7), torch.randn(7)
    fw, aw = torch.randint(1, 4, (7,)), torch.rand(7)
    const = torch.ones(2, 5)  # zero variance: corrcoef gives NaN, as torch

    def fn(x: torch.Tensor, v: torch.Tensor, fw: torch.Tensor, aw: torch.Tensor, const: torch.Tensor):
        return (
            torch.cov(x),
            torch.cov(x, correction=0),
            x.cov(fweights=fw),
            torch.cov(x, aweights=aw),
            torch.cov(x, correction=2, fweights=fw, aweights=aw),
            torch.cov(v).reshape(1),  # 1-D input: a 0-d variance
            torch.cov(x[:, :1]),  # one observation: norm factor 0 -> NaN
            torch.corrcoef(x),
            x.corrcoef(),
            torch.corrcoef(const),
        )

    testing.assert_parity(module(fn), (x, v, fw, aw, const), rtol=1e-6, atol=1e-6)


def test_gaussian_nll_loss_every_reduction_and_variance_shape() -> None:
    import torch.nn.functional as F

    torch.manual_seed(4)
    i, t = torch.randn(4, 3), torch.randn(4, 3)
    var_full, var_col = torch.rand(4, 3), torch.rand(4, 1)
    var_short = torch.rand(4) * 1e-8  # homoscedastic, one dim short; below eps: clamped

    def fn(i: torch.Tensor, t: torch.Tensor, vf: torch.Tensor, vc: torch.Tensor, vs: torch.Tensor):
        return (
            F.gaussian_nll_loss(i, t, vf),
            F.gaussian_nll_loss(i, t, vc, full=True),
            F.gaussian_nll_loss(i, t, vs, reduction="none"),
            F.gaussian_nll_loss(i, t, vf, reduction="sum", eps=0.1),
            torch.nn.GaussianNLLLoss()(i, t, vc),
        )

    testing.assert_parity(module(fn), (i, t, var_full, var_col, var_short), rtol=1e-6, atol=1e-6)
