"""The speech_commands front end (tf.audio.decode_wav, tf.raw_ops.AudioSpectrogram,
tf.raw_ops.Mfcc) at the sizes its models run: 1 s of 16 kHz audio, 30 ms windows every 10 ms
(480 / 160), 40 mel channels and 40 coefficients; a longer stereo clip; tf.audio.encode_wav."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .case import Case


def _wav(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV file, ending in a LIST chunk of non-NUL bytes: the fuzz seeds store strings
    as numpy bytes_, which drop trailing NULs (tests/make_fuzz_seeds.py)."""
    channels = samples.shape[1]
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    data = samples.astype("<i2").tobytes()
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _contents(b: bytes) -> np.ndarray:
    """A 0-d string input: fixed-width bytes (a 0-d object array reaches the TFLite tensor as its
    pointer's bytes; the file ends in a non-NUL byte, so nothing is dropped)."""
    return np.array(b, dtype=f"S{len(b)}")


def _speech_like(rng: np.random.Generator, n: int, channels: int) -> np.ndarray:
    t = np.arange(n)[:, None] / 16000.0
    envelope = np.abs(np.sin(2 * np.pi * 1.5 * t)) + 0.05
    return (rng.standard_normal((n, channels)) * 6000 * envelope).clip(-32768, 32767).round().astype(np.int16)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    seconds = max(1, 10 // scale)
    one = _speech_like(rng, 16000, 1)
    long = _speech_like(rng, 16000 * seconds, 2)
    audio = (one / 32768).astype(np.float32)
    audio_long = (long / 32768).astype(np.float32)
    spectrogram = tf.raw_ops.AudioSpectrogram(
        input=audio, window_size=480, stride=160, magnitude_squared=True
    )

    def spectrogram_fn(w: int, s: int, squared: bool) -> Any:
        return lambda x: tf.raw_ops.AudioSpectrogram(
            input=x, window_size=w, stride=s, magnitude_squared=squared
        )

    def mfcc(s: Any, r: Any) -> Any:
        return tf.raw_ops.Mfcc(
            spectrogram=s,
            sample_rate=r,
            upper_frequency_limit=7600,
            lower_frequency_limit=20,
            filterbank_channel_count=40,
            dct_coefficient_count=40,
        )

    return [
        Case(
            "DecodeWav",
            "1 s 16 kHz mono",
            lambda c: tf.audio.decode_wav(c, desired_channels=1),
            [_contents(_wav(one, 16000))],
        ),
        Case(
            "DecodeWav",
            f"{seconds} s 16 kHz stereo",
            lambda c: tf.audio.decode_wav(c),
            [_contents(_wav(long, 16000))],
        ),
        Case(
            "AudioSpectrogram",
            "[16000, 1] window 480 stride 160 squared",
            spectrogram_fn(480, 160, True),
            [audio],
        ),
        Case(
            "AudioSpectrogram",
            f"[{16000 * seconds}, 2] window 1024 stride 256",
            spectrogram_fn(1024, 256, False),
            [audio_long],
        ),
        Case(
            "EncodeWav",
            f"[{16000 * seconds}, 2] 16 kHz",
            lambda a, r: tf.audio.encode_wav(a, r),
            [audio_long, np.array(16000, np.int32)],
        ),
        Case(
            "Mfcc",
            "[1, 98, 257] 40 channels 40 coefficients",
            mfcc,
            [spectrogram.numpy(), np.array(16000, np.int32)],
        ),
    ]
