"""Image files for the image decoding tests and bench cases: PNGs TF's encoder cannot write
(palettes, tRNS, bit depths 1-4, Adam7 interlacing, gray+alpha at 16 bits) written here byte by
byte, BMPs as TF's reader takes them, and test pictures with structure (gradients, edges, noise)
for TF's encoders."""

from __future__ import annotations

import struct
import zlib

import numpy as np

# Adam7: (x0, y0, dx, dy) of each pass.
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

# Samples per pixel of each PNG color type.
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _rows(samples: np.ndarray, bit_depth: int) -> list[bytes]:
    """Each row of [h, w, s] samples packed at bit_depth (big-endian, MSB first), with filter
    byte 0, or 1 (Sub) on odd rows of 8-bit images so that libpng's unfiltering runs too."""
    out = []
    for y, row in enumerate(samples):
        flat = row.reshape(-1).astype(np.int64)
        if bit_depth == 16:
            data = flat.astype(">u2").tobytes()
        elif bit_depth == 8:
            data = flat.astype(np.uint8).tobytes()
        else:
            per = 8 // bit_depth
            padded = np.zeros(-(-flat.size // per) * per, np.int64)
            padded[: flat.size] = flat
            groups = padded.reshape(-1, per)
            shifts = bit_depth * np.arange(per - 1, -1, -1)
            data = (groups << shifts).sum(axis=1).astype(np.uint8).tobytes()
        if bit_depth == 8 and y % 2 == 1:
            bpp = row.shape[-1] if row.ndim > 1 else 1
            raw = np.frombuffer(data, np.uint8).astype(np.int64)
            left = np.concatenate([np.zeros(bpp, np.int64), raw[:-bpp]])
            out.append(b"\x01" + ((raw - left) % 256).astype(np.uint8).tobytes())
        else:
            out.append(b"\x00" + data)
    return out


def png(
    samples: np.ndarray,
    color_type: int,
    bit_depth: int = 8,
    palette: np.ndarray | None = None,
    trns: bytes | None = None,
    interlace: bool = False,
) -> bytes:
    """A PNG of `samples` ([h, w] or [h, w, SAMPLES[color_type]] sample values; palette
    indices for color type 3), with an optional PLTE ([n, 3] uint8) and tRNS chunk."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    h, w, _ = samples.shape
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, int(interlace))
    if interlace:
        rows = []
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                rows += _rows(sub, bit_depth)
    else:
        rows = _rows(samples, bit_depth)
    body = _chunk(b"IHDR", ihdr)
    if palette is not None:
        body += _chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        body += _chunk(b"tRNS", trns)
    body += _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")


def bmp(pixels: np.ndarray, top_down: bool = False) -> bytes:
    """An uncompressed BMP of [h, w, c] uint8 pixels (c = 1, 3 or 4; stored BGR(A)) as TF's reader
    takes it: 14 + 40 header bytes, rows padded to 4 bytes, bottom-up unless top_down."""
    h, w, c = pixels.shape
    stored = pixels[:, :, ::-1] if c >= 3 else pixels
    if c == 4:
        stored = np.concatenate([pixels[:, :, 2::-1], pixels[:, :, 3:]], axis=2)
    row_size = (c * w + 3) // 4 * 4
    rows = [
        stored[y].tobytes() + b"\x00" * (row_size - c * w)
        for y in (range(h) if top_down else range(h - 1, -1, -1))
    ]
    data = b"".join(rows)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, 8 * c, 0, len(data), 2835, 2835, 0, 0)
    header = b"BM" + struct.pack("<IHHI", 54 + len(data), 0, 0, 54)
    return header + info + data


def picture(rng: np.random.Generator, h: int, w: int, c: int = 3) -> np.ndarray:
    """A [h, w, c] uint8 test picture: smooth gradients, a sharp-edged disc and some noise (JPEG's
    DCT, upsampling and scaling all have work to do)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = [128 + 100 * np.sin(x / (3 + 2 * k) + y / (5 + k)) for k in range(c)]
    img = np.stack(base, axis=-1)
    disc = (x - w / 2) ** 2 + (y - h / 3) ** 2 < (min(h, w) / 4) ** 2
    img[disc] = 255 - img[disc]
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
