"""Complex math (aten_complex.py: Opbridge>TorchComplexUnary / Opbridge>TorchComplexBinary, TF's
BatchMatMulV2, reductions on the parts) against torch eager: bitwise where torch's kernels are
reproduced (inf/NaN/signed zeros and torch's scalar rest of each SIMD row included), to rounding
for the products and sums whose order is MKL's / XNNPACK's; Llama-style rotary embeddings, a
spectrogram's log and phase and a complex linear layer end to end; the error for a complex op
nothing covers. Complex tensors cannot be model inputs: the modules take the parts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import module
from opbridge import UnsupportedOpsError, testing, tflite_model
from opbridge.parity_cases import _ordered
from opbridge.running import run_tflite
from opbridge.torch import convert

NAN, INF = float("nan"), float("inf")
UNARY = (
    "exp log log10 log2 log1p expm1 sqrt rsqrt reciprocal sin cos tan asin acos atan sinh cosh tanh "
    "asinh acosh atanh sigmoid sgn square exp2"
).split()


def _parts(dtype: torch.dtype, n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """Random values and every pair of special parts: 0, -0, +-1, +-inf, NaN, tiny, subnormal, 89
    (exp overflows float), 0.5. 321 elements: a scalar rest after torch's SIMD blocks."""
    special = torch.tensor([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 1e-30, 89.0, 0.5, 1e-40], dtype=dtype)
    a, b = torch.meshgrid(special, special, indexing="ij")
    re = torch.cat([torch.randn(n, dtype=dtype) * 2, a.reshape(-1)])
    im = torch.cat([torch.randn(n, dtype=dtype) * 2, b.reshape(-1)])
    return re, im


def _all_functions(re: torch.Tensor, im: torch.Tensor) -> tuple[torch.Tensor, ...]:
    z = torch.complex(re, im)
    w = torch.complex(im, re)
    return (
        *(getattr(torch, name)(z) for name in UNARY),
        z**3,
        z**-2,
        z**0.5,
        z**-0.5,
        z**2.5,
        z ** (1 - 2j),
        z**0,
        z**1,
        z**w,
        2.0**z,
        z**re,
        re**z,
        z * w,
        z / w,
        z * 3.0,
        z / (2 - 1j),
        1 / z,
        z[:5] * w[:5],  # shorter than a SIMD block: all in torch's scalar form
        torch.square(z[:7]),
    )


def _same_bits(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Elementwise: equal values with equal zero signs, or both NaN (parts of complex values)."""
    e = np.stack([expected.real, expected.imag], -1) if np.iscomplexobj(expected) else expected
    a = np.stack([actual.real, actual.imag], -1) if np.iscomplexobj(actual) else actual
    same = ((e == a) & (np.signbit(e) == np.signbit(a))) | (np.isnan(e) & np.isnan(a))
    return same.all(-1) if np.iscomplexobj(expected) else same


def _run(fn: object, inputs: tuple[torch.Tensor, ...], **options: object) -> tuple[list, list, bytes]:
    with torch.no_grad():
        expected = [t.numpy() for t in fn(*inputs)]  # type: ignore[operator]
    model = convert(module(fn), sample_inputs=inputs, **options)
    actual = _ordered(run_tflite(model, [t.numpy() for t in inputs], "litert"))
    return expected, actual, model


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_elementwise_functions_powers_products_bitwise(dtype: torch.dtype) -> None:
    re, im = _parts(dtype)
    expected, actual, model = _run(_all_functions, (re, im), enable_x64=dtype == torch.float64)
    names = [*UNARY, "z**3", "z**-2", "z**0.5", "z**-0.5", "z**2.5", "z**(1-2j)", "z**0", "z**1"]
    names += ["z**w", "2**z", "z**re", "re**z", "z*w", "z/w", "z*3", "z/(2-1j)", "1/z", "short z*w", "square"]
    for name, e, a in zip(names, expected, actual, strict=True):
        assert a.dtype == e.dtype, name
        same = _same_bits(e, a)
        if name == "sgn":
            # torch's SIMD |z| is Sleef's hypot: complex64 where both parts are subnormal (its |z|
            # underflows, the quotient is inf), complex128 1 ulp apart on ~0.6% of elements
            bad = np.nonzero(~same)[0]
            if dtype == torch.float32:
                assert all(abs(re[i]) < 1.2e-38 and abs(im[i]) < 1.2e-38 for i in bad), (name, bad)
            else:
                np.testing.assert_allclose(a[bad], e[bad], rtol=4.5e-16)
            continue
        assert same.all(), (name, np.nonzero(~same)[0][:5], e[~same][:3], a[~same][:3])
    counts = tflite_model.custom_op_counts(model)
    assert counts["Opbridge>TorchComplexUnary"] == len(UNARY) + 6
    assert counts["Opbridge>TorchComplexBinary"] == 12


def test_matmul_einsum_and_reductions() -> None:
    def fn(re: torch.Tensor, im: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z = torch.complex(re, im)  # (2, 4, 6)
        w = torch.complex(im, re).transpose(1, 2)  # (2, 6, 4)
        return (
            torch.bmm(z, w),
            z[0] @ w[0],
            torch.matmul(z, w[0]),
            z[0] @ torch.complex(im[0, 0], re[0, 0]),  # matrix @ vector
            torch.einsum("bij,bjk->bik", z, w),
            torch.nn.functional.linear(z[0], z[1]),
            z.sum(),
            z.mean(),
            torch.cumsum(z, 2),
            torch.var(z, 2),
            torch.std(z),
        )

    re, im = torch.randn(2, 4, 6), torch.randn(2, 4, 6)
    # torch multiplies with MKL's cgemm and sums in its own order; Eigen / XNNPACK in theirs: the
    # products and sums of 6 terms of size ~1 agree to a few float32 roundings.
    model = testing.assert_parity(module(fn), (re, im), rtol=1e-5, atol=1e-5)
    assert tflite_model.custom_op_counts(model)["BatchMatMulV2"] == 6


def test_llama_rotary_embedding_in_complex_form() -> None:
    """Llama's apply_rotary_emb: polar frequencies times the query viewed as complex."""

    def fn(xq: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        dim = xq.shape[-1]
        freqs = 1.0 / (10000.0 ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim))
        freqs_cis = torch.polar(torch.ones_like(freqs), torch.outer(t, freqs))  # (seq, dim/2)
        xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))  # (b, seq, h, dim/2)
        return torch.view_as_real(xq_ * freqs_cis[None, :, None, :]).flatten(3)

    xq = torch.randn(2, 7, 3, 10)
    t = torch.arange(7, dtype=torch.float32)
    # polar runs torch's cos/sin (aten_arith), the product torch's SIMD and scalar forms: bitwise
    model = testing.assert_parity(module(fn), (xq, t), rtol=0, atol=0)
    assert tflite_model.custom_op_counts(model)["Opbridge>TorchComplexBinary"] == 1


def test_spectrogram_log_and_phase_and_complex_linear() -> None:
    class ComplexLinear(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight_re = torch.nn.Parameter(torch.randn(5, 9) / 3)
            self.weight_im = torch.nn.Parameter(torch.randn(5, 9) / 3)

        def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, ...]:
            spectrum = torch.fft.rfft(frames)  # (4, 9)
            weight = torch.complex(self.weight_re, self.weight_im)
            mixed = spectrum @ weight.T
            # log magnitude + i phase; not at DC and Nyquist, real by construction, whose zero
            # imaginary parts' signs (the FFTs') put the phase on either side of the cut at -pi
            log_spectrum = torch.log(spectrum[:, 1:-1])
            return log_spectrum.real, log_spectrum.imag, torch.abs(mixed), torch.tanh(mixed)

    frames = torch.randn(4, 16)
    # the FFT (TF's vs pocketfft) and the product (Eigen's vs MKL's) round differently: the
    # functions after them are torch's, on inputs a few float32 ulps apart
    testing.assert_parity(ComplexLinear().eval(), (frames,), rtol=2e-5, atol=2e-5)


def test_uncovered_complex_op_names_the_aten_op() -> None:
    def fn(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
        return torch.prod(torch.complex(re, im), 1).real

    with pytest.raises(UnsupportedOpsError, match=r"aten\.prod\.dim_int on complex tensors \(complex<f32>"):
        convert(module(fn), sample_inputs=(torch.randn(3, 4), torch.randn(3, 4)))
