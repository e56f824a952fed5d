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
