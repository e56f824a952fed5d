"""GIF decoding (tf.io.decode_gif, decode_image on a GIF): what a serving signature that takes
encoded GIF bytes runs first, on a 10-frame 240x320 animation (a 256-color global palette, smooth
regions and noise, every other frame a transparent sub-rectangle update, as optimizing encoders
write them), decoded by DecodeGif to uint8 and by DecodeImage to float32.

TF has no GIF encoder, so the files are written here byte by byte: global and local palettes,
Graphic Control Extensions (transparency, disposal), frames smaller than or offset from the
canvas, interlacing, and LZW streams as a real encoder writes them (variable code width, table
resets at 4096 codes). tests/test_parity_decode_gif.py uses the same writer."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from .case import Case


def lzw(indices: np.ndarray, min_code_size: int) -> bytes:
    """GIF's LZW: codes LSB first, the code width growing when the decoder's table fills
    the current width, a clear code when the table reaches 4096 entries."""
    clear, eoi = 1 << min_code_size, (1 << min_code_size) + 1
    bits, nbits, out = 0, 0, bytearray()

    def emit(code: int, width: int) -> None:
        nonlocal bits, nbits
        bits |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8

    width = min_code_size + 1
    table: dict[bytes, int] = {}
    next_code = eoi + 1
    emit(clear, width)
    w = b""
    for k in indices.reshape(-1).tolist():
        wk = w + bytes((k,))
        if not w or wk in table:
            w = wk
            continue
        emit(table[w] if len(w) > 1 else w[0], width)
        if next_code < 4096:
            table[wk] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
        else:
            emit(clear, width)
            table, next_code, width = {}, eoi + 1, min_code_size + 1
        w = bytes((k,))
    if w:
        emit(table[w] if len(w) > 1 else w[0], width)
    emit(eoi, width)
    if nbits:
        out.append(bits & 0xFF)
    return bytes(out)


def _blocks(data: bytes) -> bytes:
    return (
        b"".join(bytes((len(data[i : i + 255]),)) + data[i : i + 255] for i in range(0, len(data), 255))
        + b"\0"
    )


def _table(palette: np.ndarray) -> tuple[int, bytes]:
    """The size field (2^(n+1) entries) and the bytes of an [m, 3] palette, m a power of 2."""
    m = len(palette)
    n = m.bit_length() - 2
    assert 1 << (n + 1) == m, m
    return n, np.asarray(palette, np.uint8).tobytes()


INTERLACE_ORDER = ((0, 8), (4, 8), (2, 4), (1, 2))


@dataclass
class Frame:
    """One image: [h, w] palette indices at (left, top), its own palette or None, and its
    Graphic Control Extension (None: none)."""

    indices: np.ndarray
    left: int = 0
    top: int = 0
    palette: np.ndarray | None = None
    transparent: int | None = None
    disposal: int = 0
    gce: bool = True
    interlace: bool = False
    min_code_size: int | None = None


def gif(
    width: int, height: int, frames: list[Frame], palette: np.ndarray | None = None, trailer: bool = True
) -> bytes:
    """A GIF89a of `frames` on a width x height logical screen with an optional global palette."""
    flags = 0
    gct = b""
    if palette is not None:
        n, gct = _table(palette)
        flags = 0x80 | 0x70 | n
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, flags, 0, 0) + gct)
    for f in frames:
        if f.gce:
            packed = (f.disposal << 2) | (1 if f.transparent is not None else 0)
            out += b"\x21\xf9\x04" + struct.pack("<BHB", packed, 5, f.transparent or 0) + b"\0"
        h, w = f.indices.shape
        flags = 0x40 if f.interlace else 0
        lct = b""
        if f.palette is not None:
            n, lct = _table(f.palette)
            flags |= 0x80 | n
        out += b"\x2c" + struct.pack("<HHHHB", f.left, f.top, w, h, flags) + lct
        rows = f.indices
        if f.interlace:
            rows = np.concatenate([f.indices[start::step] for start, step in INTERLACE_ORDER])
        size = f.palette if f.palette is not None else palette
        mcs = f.min_code_size or max(2, (len(size) - 1).bit_length() if size is not None else 8)
        out += bytes((mcs,)) + _blocks(lzw(rows.astype(np.uint8), mcs))
    if trailer:
        out += b"\x3b"
    return bytes(out)


def animation(rng: np.random.Generator, h: int, w: int, n: int) -> bytes:
    """An n-frame animation with structure: a global 256-color palette, smooth regions (long LZW
    strings) and noise, every other frame a transparent sub-rectangle update."""
    palette = rng.integers(0, 256, (256, 3))
    yy, xx = np.mgrid[0:h, 0:w]
    frames = []
    for k in range(n):
        base = ((yy // 4 + xx // 8 + 7 * k) % 200).astype(np.int64)
        noise = rng.integers(0, 256, (h, w))
        img = np.where(rng.random((h, w)) < 0.1, noise, base)
        if k % 2 and k:
            sub = img[h // 4 : h // 2, w // 3 : w // 2].copy()
            sub[::3, ::2] = 255
            frames.append(Frame(sub, left=w // 3, top=h // 4, transparent=255))
        else:
            frames.append(Frame(img))
    return gif(w, h, frames, palette)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    h, w = max(30, 240 // scale), max(40, 320 // scale)
    data = animation(rng, h, w, 10)
    # A 0-d fixed-width bytes scalar; a GIF ends in its trailer (3B), never a NUL.
    contents = np.array(data, dtype=f"S{len(data)}")
    size = f"{h}x{w} 10 frames"
    return [
        Case("DecodeGif", f"{size} uint8", tf.io.decode_gif, [contents]),
        Case(
            "DecodeImage",
            f"{size} GIF to float32",
            lambda s: tf.io.decode_image(s, dtype=tf.float32),
            [contents],
        ),
    ]
