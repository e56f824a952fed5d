from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def spectrum(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)

    frames = max(1, 512 // scale)
    image = max(8, 256 // scale)
    return [
        Case(
            "IRFFT",
            f"c64 [{frames},513] -> 1024",
            lambda x: tf.signal.irfft(x, fft_length=[1024]),
            [spectrum(frames, 513)],
        ),
        Case(
            "IRFFT",
            f"c64 [{frames},201] -> 400 (mixed radix)",
            lambda x: tf.signal.irfft(x, fft_length=[400]),
            [spectrum(frames, 201)],
        ),
        Case(
            "IRFFT",
            f"c128 [{frames},257] -> 512",
            lambda x: tf.signal.irfft(x, fft_length=[512]),
            [spectrum(frames, 257).astype(np.complex128)],
        ),
        Case(
            "IRFFT2D",
            f"c64 [4,{image},{image // 2 + 1}]",
            lambda x: tf.signal.irfft2d(x, fft_length=[image, image]),
            [spectrum(4, image, image // 2 + 1)],
        ),
        Case(
            "IRFFT3D",
            f"c64 [2,{image // 8},{image // 4},{image // 4 + 1}]",
            lambda x: tf.signal.irfft3d(x, fft_length=[image // 8, image // 4, image // 2]),
            [spectrum(2, image // 8, image // 4, image // 4 + 1)],
        ),
        Case("FFT", f"c64 [{frames},512]", tf.signal.fft, [spectrum(frames, 512)]),
        Case("FFT", f"c64 [{frames},400] (mixed radix)", tf.signal.fft, [spectrum(frames, 400)]),
        Case("FFT", f"c64 [{frames},509] (prime: Bluestein)", tf.signal.fft, [spectrum(frames, 509)]),
        # Longer lines, computed in float from 256 (radices 2-7) and in double for complex128.
        Case("FFT", f"c64 [{frames},1024]", tf.signal.fft, [spectrum(frames, 1024)]),
        Case("IFFT", f"c64 [{frames},768] (radix 3)", tf.signal.ifft, [spectrum(frames, 768)]),
        Case(
            "FFT",
            f"c128 [{max(1, frames // 2)},2048]",
            tf.signal.fft,
            [spectrum(max(1, frames // 2), 2048).astype(np.complex128)],
        ),
        Case("IFFT", f"c128 [{frames},512]", tf.signal.ifft, [spectrum(frames, 512).astype(np.complex128)]),
        Case("FFT2D", f"c64 [4,{image},{image}]", tf.signal.fft2d, [spectrum(4, image, image)]),
        Case("IFFT2D", f"c64 [4,{image},{image - 6}]", tf.signal.ifft2d, [spectrum(4, image, image - 6)]),
        Case(
            "IFFT3D",
            f"c64 [2,{image // 8},{image // 4},{image // 4}]",
            tf.signal.ifft3d,
            [spectrum(2, image // 8, image // 4, image // 4)],
        ),
        Case(
            "FFT3D",
            f"c128 [2,{image // 8},{image // 4},{image // 4 - 3}]",
            tf.signal.fft3d,
            [spectrum(2, image // 8, image // 4, image // 4 - 3).astype(np.complex128)],
        ),
        # tf.signal.rfft: the converter's reshape -> RFFT2D [1, n] -> reshape, fused by
        # opbridge.convert into one RFFT node (python/opbridge/rfft_fusion.py).
        Case(
            "RFFT",
            f"f64 rfft [{frames},400]",
            lambda x: tf.signal.rfft(x, fft_length=[400]),
            [rng.standard_normal((frames, 400))],
        ),
        Case(
            "RFFT",
            f"f32 rfft [{frames},400] (STFT frames, builtin refuses 400)",
            lambda x: tf.signal.rfft(x, fft_length=[400]),
            [rng.standard_normal((frames, 400)).astype(np.float32)],
        ),
        Case(
            "RFFT",
            f"f32 rfft [{frames},100]",
            lambda x: tf.signal.rfft(x, fft_length=[100]),
            [rng.standard_normal((frames, 100)).astype(np.float32)],
        ),
        Case(
            "RFFT2D",
            f"f64 rfft2d [4,{image},{image}]",
            tf.signal.rfft2d,
            [rng.standard_normal((4, image, image))],
        ),
        Case(
            "RFFT3D",
            f"f32 [2,{image // 8},{image // 4},{image // 2}]",
            tf.signal.rfft3d,
            [rng.standard_normal((2, image // 8, image // 4, image // 2)).astype(np.float32)],
        ),
        # The complex elementwise ops the converter leaves custom (ops/math).
        Case("Angle", f"c64 [{frames},513]", tf.math.angle, [spectrum(frames, 513)]),
        Case("Angle", f"c128 [{frames},513]", tf.math.angle, [spectrum(frames, 513).astype(np.complex128)]),
        Case("Conj", f"c64 [{frames},513]", tf.math.conj, [spectrum(frames, 513)]),
        Case("AddV2", f"c64 [{frames},513] + [513]", tf.math.add, [spectrum(frames, 513), spectrum(513)]),
        Case(
            "Sub", f"c128 [{frames},513]", tf.math.subtract, [spectrum(frames, 513).astype(np.complex128)] * 2
        ),
        Case(
            "Mul", f"c128 [{frames},513]", tf.math.multiply, [spectrum(frames, 513).astype(np.complex128)] * 2
        ),
        Case(
            "RealDiv", f"c64 [{frames},513]", tf.math.divide, [spectrum(frames, 513), spectrum(frames, 513)]
        ),
        Case(
            "BatchMatMulV2",
            f"c64 [8,{image // 2},64] x [8,64,{image // 2}]",
            tf.matmul,
            [spectrum(8, image // 2, 64), spectrum(8, 64, image // 2)],
        ),
        Case(
            "MatMul",
            f"c128 [{image},{image}] x [{image},{image}] (+ Transpose)",
            tf.matmul,
            [spectrum(image, image).astype(np.complex128), spectrum(image, image).astype(np.complex128)],
        ),
        Case("Transpose", f"c64 [{frames},513] -> [513,{frames}]", tf.transpose, [spectrum(frames, 513)]),
        Case(
            "Complex",
            f"f32 [{frames},513] x2",
            tf.complex,
            [rng.standard_normal((frames, 513)).astype(np.float32) for _ in range(2)],
        ),
        Case(
            "Pad",
            f"c64 [{frames},300] -> [{frames},513]",
            lambda x: tf.pad(x, [[0, 0], [0, 213]]),
            [spectrum(frames, 300)],
        ),
    ]
