"""Image files for the image decoding tests and bench cases: PNGs TF's encoder cannot write
(palettes, tRNS, bit depths 1-4, Adam7 interlacing, gray+alpha at 16 bits) written here byte by
byte, BMPs as TF's reader takes them, and test pictures with structure (gradients, edges, noise)
for TF's encoders."""

from __future__ import annotations

import base64
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


# CMYK and YCCK JPEGs (13x9, quality 90), which TF's encoder cannot write: made once with
# libjpeg-turbo 2.1.5's encoder (jpeg_set_colorspace JCS_CMYK / JCS_YCCK, with and without the
# Adobe marker, whose presence flips TF's CMYK-to-RGB formula). Inputs only: TF decodes them.
CMYK_JPEGS_BASE64 = {
    "cmyk_adobe": (
        "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBET"
        "FBUVFQwPFxgWFBgSFBUU/8AAFAgACQANBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//E"
        "ALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2"
        "Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrC"
        "w8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwClpnhO0e0tvB+jS3UNxFBH4J0+"
        "2BEi3Evmb9ZuBazKvlgRmS0eWNXJZbdg2HQo+TQf7AtptCg1Gxs9GhP/AAiEEl3cfZo7G2SEya5dvDcAq21le1kmURqENu4f"
        "5EZrl1oWljUbvQ2tl8OJLKvguG/llexa30zTJjPqt3PMC8bRGR3hILxhoLlSV+SRTU1C0sNRglS/toH8JTztp1vqkMK3tta6"
        "BokiXM88csIDyNNOVnQ7Jf3csqBjtjNXtT+Lh+HNpBrdt4Vj+I0OvzTJplvBrEunGx0i2YRWUvkSxSui3AM0hBEYMonIUEsq"
        "4XiL4seJfBi2/iDwF4O0C7vvFpOpT6drun3Ie102JEtdNcmO4CebJHbzeYA7fPGSAqsua+mfFHx54JjXVtA8HaNPrfiyNdbv"
        "YvEFq88NrZZa20+3hkt5oN7Rx2ro7unzBY2ySz1Fd+KviJZx+Z8N9an0HxBqk0us69bSw2mqi0iuCDYWRknRnVoIUYBdkY8q"
        "SAgbSAs3x66+Lf8Arj8SP5pVHwR/ya54E/7Erxb/AOkVvXm3wm/5bf8AZHb7+Wp0nwh/4+dR/wCyN3n89UrRuP8AmS/+xG0v"
        "/wBLNRroPg5/yUH4if7uif8Appt69k+Gn/JQPH/+7ov/AKaLWvevgr/yP/xL/wCu2kf+mq2r/9k="
    ),
    "cmyk_plain": (
        "/9j/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/"
        "wAAUCAAJAA0EQxEATREAWREASxEA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQA"
        "AAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
        "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ"
        "2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oADgRDAE0AWQBLAAA/AKWmeE7R7S28H6NLdQ3EUEfgnT7YESLcS+Zv1m4FrMq+WBGZ"
        "LR5Y1cllt2DYdCj5NB/sC2m0KDUbGz0aE/8ACIQSXdx9mjsbZITJrl28NwCrbWV7WSZRGoQ27h/kRmuXWhaWNRu9Da2Xw4ks"
        "q+C4b+WV7FrfTNMmM+q3c8wLxtEZHeEgvGGguVJX5JFNTULSw1GCVL+2gfwlPO2nW+qQwre21roGiSJczzxywgPI005WdDsl"
        "/dyyoGO2M1e1P4uH4c2kGt23hWP4jQ6/NMmmW8GsS6cbHSLZhFZS+RLFK6LcAzSEERgyichQSyrheIvix4l8GLb+IPAXg7QL"
        "u+8Wk6lPp2u6fch7XTYkS101yY7gJ5skdvN5gDt88ZICqy5r6Z8UfHngmNdW0Dwdo0+t+LI11u9i8QWrzw2tllrbT7eGS3mg"
        "3tHHauju6fMFjbJLPUV34q+IlnH5nw31qfQfEGqTS6zr1tLDaaqLSK4INhZGSdGdWghRgF2RjypICBtICzfHrr4t/wCuPxI/"
        "mlUfBH/JrngT/sSvFv8A6RW9ebfCb/lt/wBkdvv5anSfCH/j51H/ALI3efz1StG4/wCZL/7EbS//AEs1Gug+Dn/JQfiJ/u6J"
        "/wCmm3r2T4af8lA8f/7ui/8Apota96+Cv/I//Ev/AK7aR/6arav/2Q=="
    ),
    "ycck": (
        "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBET"
        "FBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
        "FBQUFBQUFBQUFBQU/8AAFAgACQANBAEiAAIRAQMRAQQiAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQ"
        "AAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5"
        "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TF"
        "xsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALUR"
        "AAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4"
        "OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLD"
        "xMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAA4EAQACEQMRBAAAPwBreIptSnXxFeWs17eyE+MroQQ+a880"
        "hEei2qzQHdkjZdJExY7hcLt5YC9pHwn0LxzLPoXirxfq2h2vhZVsvtumvBKt5qcpa51FctHkrG80IQ4+46gklSavTf8AJX9U"
        "/wCxs8G/+lD1znxB/wCRS8P/APYT1n/0sNRi6f1ecsOtbRjK+9rqOiTb0s0ne9+VPRnLCssXSw1SSajWe12nG8JT0krPpbS2"
        "ja2slU1C0sNRglS/toH8JTztp1vqkMK3tta6BokiXM88csIDyNNOVnQ7Jf3csqBjtjNRXfir4iWcfmfDfWp9B8QapNLrOvW0"
        "sNpqotIrgg2FkZJ0Z1aCFGAXZGPKkgIG0gKnwh/4+dR/7I3efz1Svevgr/yP/wAS/wDrtpH/AKarav/Z"
    ),
}


def cmyk_jpegs() -> dict[str, bytes]:
    return {name: base64.b64decode(text) for name, text in CMYK_JPEGS_BASE64.items()}
