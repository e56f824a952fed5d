"""Image decoding (tf.io.decode_jpeg / decode_png / decode_image): what a serving signature that
takes encoded bytes runs first, on a 640x480 photo-like picture (gradients, an edge, noise) encoded
by TF: a baseline 4:2:0 JPEG at TF's defaults (quality 95, IFAST), ISLOW, ratio 2, a progressive
one, a crop window and the header alone, an RGB PNG decoded to uint8 and to float32, and a 24-bit
BMP."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .case import Case


def _picture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([128 + 100 * np.sin(x / (7 + 5 * k) + y / (11 + 3 * k)) for k in range(3)], axis=-1)
    disc = (x - w / 2) ** 2 + (y - h / 3) ** 2 < (min(h, w) / 4) ** 2
    img[disc] = 255 - img[disc]
    img += rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _bmp(img: np.ndarray) -> bytes:
    """A 24-bit bottom-up BMP (BITMAPINFOHEADER) of an RGB picture whose rows need no padding."""
    h, w, _ = img.shape
    pixels = img[::-1, :, ::-1].tobytes()  # bottom-up rows, BGR
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    h, w = max(48, 480 // scale), max(64, 640 // scale)
    img = _picture(rng, h, w)
    # 0-d fixed-width bytes (the runtimes copy a 0-d object array's pointer, not its bytes); they
    # would drop trailing NULs, but a JPEG ends in FF D9 and a PNG in IEND's CRC (AE 42 60 82).
    jpeg = np.array(tf.io.encode_jpeg(img).numpy())
    progressive = np.array(tf.io.encode_jpeg(img, progressive=True).numpy())
    png = np.array(tf.io.encode_png(img).numpy())
    # A width of whole 4-byte rows, and a last byte (the top row's last red) that is not NUL.
    bmp_img = img[:, : w - w % 4].copy()
    bmp_img[0, -1, 0] |= 1
    bmp = _bmp(bmp_img)
    bmp = np.array(bmp, dtype=f"S{len(bmp)}")
    size = f"{h}x{w} RGB"
    return [
        Case("DecodeJpeg", f"{size} baseline 4:2:0", lambda s: tf.io.decode_jpeg(s, channels=3), [jpeg]),
        Case(
            "DecodeJpeg",
            f"{size} INTEGER_ACCURATE",
            lambda s: tf.io.decode_jpeg(s, dct_method="INTEGER_ACCURATE"),
            [jpeg],
        ),
        Case("DecodeJpeg", f"{size} ratio 2", lambda s: tf.io.decode_jpeg(s, ratio=2), [jpeg]),
        Case("DecodeJpeg", f"{size} progressive", lambda s: tf.io.decode_jpeg(s), [progressive]),
        Case(
            "DecodeAndCropJpeg",
            f"{size} baseline, a centre crop of half the sides",
            lambda s: tf.io.decode_and_crop_jpeg(s, [h // 4, w // 4, h // 2, w // 2], channels=3),
            [jpeg],
        ),
        Case("ExtractJpegShape", f"{size} baseline", tf.io.extract_jpeg_shape, [jpeg]),
        Case("DecodePng", f"{size} uint8", lambda s: tf.io.decode_png(s), [png]),
        Case("DecodeBmp", f"{h}x{w - w % 4} 24-bit", lambda s: tf.io.decode_bmp(s, channels=3), [bmp]),
        Case(
            "DecodeImage",
            f"{size} PNG to float32",
            lambda s: tf.io.decode_image(s, dtype=tf.float32, expand_animations=False),
            [png],
        ),
    ]
