"""torch.fft and complex tensors: rewrites onto TF's FFT family, Complex, Angle, Conj, complex arithmetic."""

from __future__ import annotations

import pytest
import torch

from conftest import module
from opbridge import testing, tflite_model


def test_spectrogram_magnitudes_at_any_length_and_norm() -> None:
    frames = torch.randn(2, 5, 400)

    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.fft.rfft(x).abs(),
            torch.fft.rfft(x[..., :100], norm="ortho").abs(),
            torch.fft.rfft(x[..., :17], norm="forward").abs(),
            torch.fft.rfft(x[..., :16]).abs(),  # power of two: litert-torch's builtin RFFT2D
        )

    model = testing.assert_parity(module(fn), (frames,), rtol=1e-5, atol=3e-5)
    counts = tflite_model.custom_op_counts(model)
    assert counts == {"RFFT": 3}
    assert tflite_model.parse(model).op_histogram()["RFFT2D"] == 1


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_filtered_spectrum_irfft(dtype: torch.dtype) -> None:
    x = torch.randn(3, 100, dtype=dtype)
    h = torch.randn(3, 100, dtype=dtype)

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        spectrum = torch.fft.rfft(a) * torch.fft.rfft(b)
        return torch.fft.irfft(spectrum, n=a.shape[-1]), torch.fft.irfft(spectrum, norm="ortho")

    # The outputs reach ~200 (products of two 100-point spectra): a float32 ulp there is 1.5e-5.
    tol = 1e-4 if dtype == torch.float32 else 1e-11
    model = testing.assert_parity(module(fn), (x, h), rtol=tol, atol=tol, enable_x64=dtype == torch.float64)
    scaled = {"Mul": 1} if dtype == torch.float64 else {}  # the ortho scale; float32 uses builtin MUL
    # the complex product: torch's (aten_complex.py)
    expected = {"RFFT": 2, "Opbridge>TorchComplexBinary": 1, "IRFFT": 2}
    assert tflite_model.custom_op_counts(model) == expected | scaled


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fnet_token_mixing(dtype: torch.dtype) -> None:
    x = torch.randn(2, 12, 20, dtype=dtype)  # batch, tokens, hidden
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    model = testing.assert_parity(
        module(lambda a: torch.fft.fft2(a).real),
        (x,),
        rtol=tol,
        atol=tol * 10,
        enable_x64=dtype == torch.float64,
    )
    assert tflite_model.custom_op_counts(model) == {"Complex": 1, "FFT2D": 1}


def test_complex_tensors_parts_and_arithmetic() -> None:
    a, b, c = torch.randn(3, 7), torch.randn(3, 7), torch.randn(7)

    def fn(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z, v = torch.complex(x, y), torch.complex(y, x)
        return (
            z.abs(),
            z.angle(),
            z.conj().imag * 1,
            (z * v).real,
            (z + v).imag,
            (z - w).real,  # complex - real, broadcast
            (z / v).imag,
            (z * 2.0).imag,
            torch.view_as_real(z * v),
        )

    model = testing.assert_parity(module(fn), (a, b, c), rtol=1e-6, atol=1e-6)
    counts = tflite_model.custom_op_counts(model)
    # * and / of complex: torch's (aten_complex.py's Opbridge>TorchComplexBinary, mul and div)
    for name in ("Complex", "Angle", "Conj", "AddV2", "Sub"):
        assert counts.get(name), name
    assert counts.get("Opbridge>TorchComplexBinary") == 4


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dims_norms_and_complex_input_transforms(dtype: torch.dtype) -> None:
    x = torch.randn(6, 5, 4, dtype=dtype)
    y = torch.randn(6, 5, 4, dtype=dtype)

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z = torch.complex(a, b)
        return (
            torch.fft.fft(z, dim=0).real,
            torch.fft.ifft(z, n=7, dim=1, norm="ortho").imag,
            torch.fft.ifft(z, norm="forward").real,
            torch.fft.fft(a, norm="forward").imag,  # real input, two-sided
            torch.fft.ifft2(z, dim=(0, 2)).imag,
            torch.fft.fftn(z).real,
            torch.fft.rfftn(a, dim=(2, 0)).abs(),
            torch.fft.irfftn(torch.fft.rfftn(a), s=(6, 5, 4)),
            torch.fft.hfft(z, n=9),
            torch.fft.ihfft(a).imag,
        )

    tol = 2e-5 if dtype == torch.float32 else 1e-12
    model = testing.assert_parity(module(fn), (x, y), rtol=tol, atol=tol, enable_x64=dtype == torch.float64)
    counts = tflite_model.custom_op_counts(model)
    for name in ("FFT", "IFFT", "IFFT2D", "FFT3D", "RFFT", "RFFT2D", "IRFFT", "IRFFT3D", "Transpose"):
        assert counts.get(name), name


def test_four_transform_dims() -> None:
    x = torch.randn(2, 3, 4, 5, 6)

    def fn(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.fft.fftn(a).real, torch.fft.irfftn(
            torch.fft.rfftn(a, dim=(0, 2, 1, 3)), dim=(0, 2, 1, 3), s=(2, 4, 3, 5)
        )

    testing.assert_parity(module(fn), (x,), rtol=1e-5, atol=1e-4)


def test_complex_output() -> None:
    x = torch.randn(3, 17)
    model = testing.assert_parity(module(lambda a: torch.fft.rfft(a, n=20)), (x,), rtol=1e-5, atol=1e-5)
    assert tflite_model.custom_op_counts(model) == {"RFFT": 1}


def test_length_one_and_nan() -> None:
    x = torch.randn(4, 1)
    nan = torch.randn(3, 12)
    nan[1, 5] = float("nan")

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.fft.rfft(a).abs(),  # length 1 (the builtin RFFT2D is wrong there)
            torch.fft.irfft(torch.fft.rfft(a), n=1),
            torch.fft.rfft(b).abs(),  # a NaN row: NaN everywhere in that row, in both
        )

    testing.assert_parity(module(fn), (x, nan), rtol=1e-5, atol=1e-5)


# torch eager itself fails on an empty batch (MKL: "Inconsistent configuration parameters").


def test_stft_spectrogram_fftshift_and_real_angle() -> None:
    audio = torch.randn(2, 1600)
    x = torch.randn(3, 6, 10)
    signed = torch.tensor([-1.5, -0.0, 0.0, 2.0, float("nan"), float("-inf")])

    def fn(a: torch.Tensor, b: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, ...]:
        window = torch.hann_window(400)
        return (
            torch.stft(a, 400, 160, window=window, return_complex=True).abs(),
            torch.fft.fftshift(torch.fft.fft(b)).abs(),
            torch.fft.ihfft2(b).imag,
            torch.angle(s),
        )

    model = testing.assert_parity(module(fn), (audio, x, signed), rtol=1e-5, atol=3e-5)
    counts = tflite_model.custom_op_counts(model)
    assert counts["RFFT"] == 2 and counts["FFT"] == 1
