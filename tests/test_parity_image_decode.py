"""The image decoding ops (DecodePng, DecodeJpeg, DecodeAndCropJpeg, ExtractJpegShape, DecodeImage,
DecodeBmp): the TFLite kernels against TF's own, bit for bit, in both runtimes, on PNGs of every
color type, bit depth, palette/tRNS and interlacing, on JPEGs of TF's encoder (qualities, chroma
subsampling, progressive, grayscale) under every channels/ratio/fancy_upscaling/dct_method, on
BMPs, with DecodeImage's dtypes; truncated and corrupted files give TF's result or TF's error;
and a serving signature (encoded bytes -> decode_jpeg -> resize -> conv) converted whole."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from image_files import bmp, cmyk_jpegs, picture, png
from opbridge import tflite_model
from opbridge.testing import run_tflite


def scalar(data: bytes) -> np.ndarray:
    """A string scalar input with every byte (trailing NULs of truncated files too)."""
    return np.array(data, dtype=f"S{max(len(data), 1)}")


def tf_run(tf, fn, args):
    """TF's outputs as numpy arrays, or TF's kernel error text."""
    try:
        out = fn(*[tf.constant(a) for a in args])
    except tf.errors.InvalidArgumentError as e:
        found = re.search(r"([^\n]+)\n\t \[\[\{\{node", e.message)
        text = found.group(1) if found else e.message.split("\n")[0]
        return re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)
    out = out if isinstance(out, dict) else {"output_0": out}
    return {k: v.numpy() for k, v in out.items()}


def assert_like_tf(
    tf, fn, model: bytes, args, context: str, op: str | None = None, decodes: bool = False
) -> None:
    """The model's outputs are TF's bits, or where TF fails the model fails with TF's text,
    prefixed by the op's name. `decodes`: TF must succeed (an error in one output of a
    multi-output model would leave the others unchecked)."""
    want = tf_run(tf, tf.function(fn), args)
    assert not (decodes and isinstance(want, str)), f"{context}: TF fails: {want}"
    inputs = [scalar(a) if isinstance(a, bytes) else a for a in args]
    for runtime in RUNTIMES:
        if isinstance(want, str):
            with pytest.raises(RuntimeError) as info:
                run_tflite(model, inputs, runtime)
            text = str(info.value)
            assert want in text, f"[{runtime}] {context}: TF says {want!r}, we say {text!r}"
            assert op is None or f"{op}: " in text, f"[{runtime}] {context}: {text!r} does not name {op}"
            continue
        got = run_tflite(model, inputs, runtime)
        assert set(got) == set(want), (context, sorted(got), sorted(want))
        for key, w in want.items():
            g = np.asarray(got[key])
            assert g.dtype == w.dtype and g.shape == w.shape, (
                context,
                runtime,
                key,
                g.dtype,
                g.shape,
                w.shape,
            )
            np.testing.assert_array_equal(
                g.view(np.uint8), w.view(np.uint8), err_msg=f"[{runtime}] {context} {key}"
            )


def png_files(tf, rng) -> dict[str, bytes]:
    """Every PNG color type and bit depth, palettes with and without tRNS, tRNS on gray and RGB,
    interlaced variants, odd sizes; TF's encoder for the common 8/16-bit ones."""
    files = {}
    for c in (1, 2, 3, 4):
        files[f"tf c{c} u8"] = tf.io.encode_png(picture(rng, 13, 17, c)).numpy()
        files[f"tf c{c} u16"] = tf.io.encode_png(rng.integers(0, 65536, (9, 11, c), dtype=np.uint16)).numpy()
    for depth in (1, 2, 4, 8, 16):
        gray = rng.integers(0, 1 << depth, (11, 19))
        files[f"gray{depth}"] = png(gray, 0, depth)
        files[f"gray{depth} interlaced"] = png(gray, 0, depth, interlace=True)
        files[f"gray{depth} tRNS"] = png(gray, 0, depth, trns=int(gray[0, 0]).to_bytes(2, "big"))
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        palette = rng.integers(0, 256, (n, 3))
        idx = rng.integers(0, n, (10, 23))
        files[f"palette{depth}"] = png(idx, 3, depth, palette=palette)
        files[f"palette{depth} tRNS"] = png(
            idx, 3, depth, palette=palette, trns=bytes(rng.integers(0, 256, n // 2 + 1).astype(np.uint8))
        )
        files[f"palette{depth} interlaced"] = png(idx, 3, depth, palette=palette, interlace=True)
    for depth in (8, 16):
        top = (1 << depth) - 1
        files[f"rgb{depth} tRNS"] = png(rng.integers(0, 3, (7, 9, 3)), 2, depth, trns=struct_rgb(1, 1, 1))
        files[f"gray+alpha{depth} interlaced"] = png(
            rng.integers(0, top + 1, (12, 5, 2)), 4, depth, interlace=True
        )
        files[f"rgba{depth} interlaced"] = png(rng.integers(0, top + 1, (9, 14, 4)), 6, depth, interlace=True)
        files[f"rgb{depth} 1x1"] = png(rng.integers(0, top + 1, (1, 1, 3)), 2, depth)
    return files


def struct_rgb(r: int, g: int, b: int) -> bytes:
    return b"".join(v.to_bytes(2, "big") for v in (r, g, b))


def jpeg_files(tf, rng) -> dict[str, bytes]:
    """TF's encoder: qualities, 4:2:0 and 4:4:4, progressive, grayscale, sizes that are not
    multiples of the MCU (and a 1x1)."""
    files = {}
    for h, w in ((48, 64), (37, 53), (1, 1), (9, 130)):
        img = picture(rng, h, w)
        for q in (35, 95):
            files[f"{h}x{w} q{q}"] = tf.io.encode_jpeg(img, quality=q).numpy()
        files[f"{h}x{w} 444"] = tf.io.encode_jpeg(img, quality=80, chroma_downsampling=False).numpy()
        files[f"{h}x{w} progressive"] = tf.io.encode_jpeg(img, quality=85, progressive=True).numpy()
        files[f"{h}x{w} gray"] = tf.io.encode_jpeg(img[:, :, :1], quality=90).numpy()
    files["gray progressive"] = tf.io.encode_jpeg(picture(rng, 31, 45, 1), progressive=True).numpy()
    return files


def test_png_every_format(tf, rng):
    """DecodePng at channels 0/1/3/4 and uint8/uint16, DecodeImage at its three dtypes and
    DecodeJpeg (TF's kernel decodes PNGs there too), on every kind of PNG."""

    def fn(contents):
        out = {}
        for c in (0, 1, 3, 4):
            for dt in (tf.uint8, tf.uint16):
                out[f"png_c{c}_{dt.name}"] = tf.io.decode_png(contents, channels=c, dtype=dt)
        for dt in (tf.uint8, tf.uint16, tf.float32):
            out[f"image_{dt.name}"] = tf.io.decode_image(contents, dtype=dt, expand_animations=False)
        out["image_c4_float"] = tf.io.decode_image(contents, channels=4, dtype=tf.float32)
        out["jpeg_c1"] = tf.io.decode_jpeg(contents, channels=1)
        return out

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodePng": 8, "DecodeImage": 4, "DecodeJpeg": 1}
    for name, data in png_files(tf, rng).items():
        assert_like_tf(tf, fn, model, [data], name, decodes=True)


DCT = ("", "INTEGER_FAST", "INTEGER_ACCURATE")


def test_jpeg_every_attr(tf, rng):
    """DecodeJpeg over channels x ratio x fancy_upscaling x dct_method (one model, 14 outputs),
    DecodeImage's dtypes, DecodePng and ExtractJpegShape on the same JPEGs."""
    variants = [
        (0, 1, True, ""),
        (3, 1, False, ""),
        (1, 1, True, "INTEGER_ACCURATE"),
        (3, 1, True, "INTEGER_ACCURATE"),
        (0, 1, False, "INTEGER_ACCURATE"),
        (3, 2, True, ""),
        (3, 2, False, "INTEGER_ACCURATE"),
        (1, 2, True, "INTEGER_FAST"),
        (3, 4, True, "INTEGER_FAST"),
        (0, 4, False, "INTEGER_ACCURATE"),
        (3, 8, True, ""),
        (1, 8, False, "INTEGER_ACCURATE"),
    ]

    def fn(contents):
        out = {}
        for c, ratio, fancy, dct in variants:
            key = f"jpeg_c{c}_r{ratio}_{'fancy' if fancy else 'plain'}_{dct or 'default'}"
            out[key] = tf.io.decode_jpeg(
                contents, channels=c, ratio=ratio, fancy_upscaling=fancy, dct_method=dct
            )
        for dt in (tf.uint16, tf.float32):
            out[f"image_{dt.name}"] = tf.io.decode_image(contents, dtype=dt)
        out["image_c1"] = tf.io.decode_image(contents, channels=1, expand_animations=False)
        out["png_c3_u16"] = tf.io.decode_png(contents, channels=3, dtype=tf.uint16)
        out["shape32"] = tf.io.extract_jpeg_shape(contents)
        out["shape64"] = tf.io.extract_jpeg_shape(contents, output_type=tf.int64)
        return out

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {
        "DecodeJpeg": len(variants),
        "DecodeImage": 3,
        "DecodePng": 1,
        "ExtractJpegShape": 2,
    }
    for name, data in jpeg_files(tf, rng).items():
        assert_like_tf(tf, fn, model, [data], name, decodes=True)


def test_cmyk_jpeg(tf):
    """CMYK and YCCK JPEGs (with and without the Adobe marker): libjpeg decodes to CMYK and TF's
    formula makes RGB, at channels 0 and 3, ratio 2, ISLOW, without fancy upscaling, and as
    DecodeImage float32; channels 1 is libjpeg's error (no CMYK to gray conversion), as in TF."""

    def fn(contents):
        return {
            "c0": tf.io.decode_jpeg(contents),
            "c3_r2_islow": tf.io.decode_jpeg(contents, channels=3, ratio=2, dct_method="INTEGER_ACCURATE"),
            "plain": tf.io.decode_jpeg(contents, fancy_upscaling=False),
            "float": tf.io.decode_image(contents, dtype=tf.float32),
            "shape": tf.io.extract_jpeg_shape(contents),
        }

    model = convert_fn(fn, ([], tf.string))
    gray = convert_fn(lambda s: tf.io.decode_jpeg(s, channels=1), ([], tf.string))
    for name, data in cmyk_jpegs().items():
        assert_like_tf(tf, fn, model, [data], name, decodes=True)
        assert_like_tf(
            tf, lambda s: tf.io.decode_jpeg(s, channels=1), gray, [data], f"{name} gray", "DecodeJpeg"
        )


def test_decode_and_crop(tf, rng):
    """Crop windows anywhere (x off the iMCU grid too), at ratio 1 and 2, color and gray; invalid
    windows and other formats fail as in TF."""

    def fn(contents, window):
        return {
            "rgb": tf.io.decode_and_crop_jpeg(contents, window, channels=3),
            "gray_islow": tf.io.decode_and_crop_jpeg(
                contents, window, channels=1, dct_method="INTEGER_ACCURATE"
            ),
            "half": tf.raw_ops.DecodeAndCropJpeg(contents=contents, crop_window=window // 2, ratio=2),
        }

    model = convert_fn(fn, ([], tf.string), ([4], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"DecodeAndCropJpeg": 3}
    img = picture(rng, 40, 58)
    files = {
        "420": tf.io.encode_jpeg(img, quality=75).numpy(),
        "444 progressive": tf.io.encode_jpeg(img, chroma_downsampling=False, progressive=True).numpy(),
        "gray": tf.io.encode_jpeg(img[:, :, :1]).numpy(),
    }
    windows = [[0, 0, 40, 58], [2, 2, 20, 30], [5, 17, 9, 21], [39, 57, 1, 1], [8, 3, 30, 50], [0, 10, 40, 6]]
    bad = [[0, 0, 41, 58], [-1, 0, 4, 4], [0, 0, 0, 4], [30, 50, 12, 2]]
    for name, data in files.items():
        for window in windows + bad:
            assert_like_tf(
                tf, fn, model, [data, np.array(window, np.int32)], f"{name} {window}", "DecodeAndCropJpeg"
            )
    assert_like_tf(tf, fn, model, [png(img, 2), np.array(windows[1], np.int32)], "png", "DecodeAndCropJpeg")


def test_bmp(tf, rng):
    """DecodeBmp and DecodeImage on 8/24/32-bit BMPs, bottom-up and top-down, widths whose rows
    are padded; DecodeImage's uint16/float conversions."""

    def fn(contents):
        out = {f"bmp_c{c}": tf.io.decode_bmp(contents, channels=c) for c in (0, 3, 4)}
        out["image_u16"] = tf.io.decode_image(contents, dtype=tf.uint16, expand_animations=False)
        out["image_f32_c4"] = tf.io.decode_image(contents, channels=4, dtype=tf.float32)
        return out

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeBmp": 3, "DecodeImage": 2}
    for c in (1, 3, 4):
        for h, w in ((5, 7), (4, 8), (1, 3)):
            pixels = rng.integers(0, 256, (h, w, c), dtype=np.uint8)
            assert_like_tf(tf, fn, model, [bmp(pixels)], f"bmp c{c} {h}x{w}", decodes=True)
            # TF's uint16/float path sizes its buffer by the signed height: only uint8 here.
            top = bmp(pixels, top_down=True)
            assert_like_tf(tf, lambda s: tf.io.decode_bmp(s), model_bmp(tf), [top], f"top-down c{c} {h}x{w}")


_MODELS: dict[str, bytes] = {}


def model_bmp(tf) -> bytes:
    if "bmp" not in _MODELS:
        _MODELS["bmp"] = convert_fn(lambda s: tf.io.decode_bmp(s), ([], tf.string))
    return _MODELS["bmp"]


def test_truncated_jpeg_recovery(tf, rng):
    """try_recover_truncated (missing rows repeat the last one) and acceptable_fraction (missing
    rows black) on JPEGs cut short, baseline and progressive; too little data is TF's error."""

    def fn(contents):
        return {
            "recover": tf.io.decode_jpeg(contents, try_recover_truncated=True, acceptable_fraction=0.0),
            "recover_gray": tf.io.decode_jpeg(
                contents, channels=1, try_recover_truncated=True, acceptable_fraction=0
            ),
            "fraction": tf.io.decode_jpeg(contents, acceptable_fraction=0.0),
        }

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeJpeg": 3}
    strict = convert_fn(lambda s: tf.io.decode_jpeg(s, acceptable_fraction=0.6), ([], tf.string))
    img = picture(rng, 64, 48)
    for name, data in (
        ("baseline", tf.io.encode_jpeg(img, quality=90).numpy()),
        ("progressive", tf.io.encode_jpeg(img, progressive=True).numpy()),
    ):
        for cut in (0.25, 0.5, 0.8, 0.97):
            part = data[: int(len(data) * cut)]
            assert_like_tf(tf, fn, model, [part], f"{name} cut {cut}", "DecodeJpeg")
            assert_like_tf(
                tf, lambda s: tf.io.decode_jpeg(s, acceptable_fraction=0.6), strict, [part], f"{name} {cut}"
            )


def corruptions(rng, data: bytes, n: int) -> list[bytes]:
    """Cut short anywhere (in the header too), bytes flipped, a run zeroed."""
    out = [data[:k] for k in sorted({int(k) for k in rng.integers(1, len(data), n)} | {1, 7, 8, 9, 30})]
    for _ in range(n):
        b = bytearray(data)
        for i in rng.integers(len(b) // 8, len(b), 3):
            b[i] ^= int(rng.integers(1, 256))
        out.append(bytes(b))
    b = bytearray(data)
    b[len(b) // 2 : len(b) // 2 + 16] = bytes(16)
    out.append(bytes(b))
    return out


@pytest.mark.parametrize("op", ["DecodePng", "DecodeJpeg", "DecodeImage", "DecodeBmp", "ExtractJpegShape"])
def test_bad_inputs(tf, rng, op):
    """Truncated and corrupted PNG, JPEG and BMP files, unknown formats and empty input: TF's
    pixels where TF decodes, TF's error text (named by the op) where TF fails; never a crash.
    WebP and JPEG XL (and GIF but in DecodeImage), which TF decodes with libraries these ops
    lack, fail naming the format."""
    fns = {
        "DecodePng": lambda s: tf.io.decode_png(s, channels=3),
        "DecodeJpeg": lambda s: tf.io.decode_jpeg(s),
        "DecodeImage": lambda s: tf.io.decode_image(s, dtype=tf.float32, expand_animations=False),
        "DecodeBmp": lambda s: tf.io.decode_bmp(s),
        "ExtractJpegShape": lambda s: tf.io.extract_jpeg_shape(s),
    }
    fn = fns[op]
    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {op: 1}
    img = picture(rng, 24, 20)
    n = 6
    cases = corruptions(rng, tf.io.encode_png(img).numpy(), n)
    cases += corruptions(rng, png(img[:, :, 0], 0, 8, interlace=True), n)
    cases += corruptions(rng, tf.io.encode_jpeg(img).numpy(), n)
    cases += corruptions(rng, tf.io.encode_jpeg(img, progressive=True).numpy(), n)
    cases += corruptions(rng, bmp(img), 3)
    cases += [b"not an image", b"\x00", b"BM" + bytes(40), b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"]
    for k, data in enumerate(cases):
        assert_like_tf(tf, fn, model, [data], f"case {k} ({len(data)} bytes)", op)
    if op in ("DecodeImage", "DecodePng", "DecodeJpeg"):
        for name, data in (
            ("GIF", b"GIF89a" + bytes(20)),
            ("WebP", b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8)),
            ("JPEG XL", b"\xff\x0a" + bytes(10)),
        ):
            if op == "DecodeImage" and name == "GIF":  # decoded (giflib): TF's error on this one
                assert_like_tf(tf, fn, model, [data], "GIF header and zeros", op)
                continue
            for runtime in RUNTIMES:
                with pytest.raises(RuntimeError, match=f"{op}: .*a {name} image"):
                    run_tflite(model, [scalar(data)], runtime)


def test_attr_errors(tf):
    """TF's attr checks (at conversion TF's own op checks fail first, so the kernel's are reached
    through the Python wrapper's raw op): channels, ratio, dct_method."""
    model = convert_fn(lambda s: tf.io.decode_png(s), ([], tf.string))
    data = tf.io.encode_png(np.zeros((2, 2, 3), np.uint8)).numpy()
    for runtime in RUNTIMES:
        assert run_tflite(model, [scalar(data)], runtime)["output_0"].shape == (2, 2, 3)
    for bad in (
        lambda s: tf.raw_ops.DecodePng(contents=s, channels=2),
        lambda s: tf.raw_ops.DecodeJpeg(contents=s, ratio=3),
        lambda s: tf.raw_ops.DecodeJpeg(contents=s, dct_method="FLOAT"),
    ):
        assert isinstance(tf_run(tf, tf.function(bad), [data]), str)


def test_serving_signature(tf, rng):
    """A serving model's signature: JPEG bytes in, decode_jpeg -> resize -> conv -> logits out,
    converted whole by opbridge.convert (the decoder a custom op, the rest builtins)."""
    kernel = tf.constant(rng.normal(0, 0.1, (3, 3, 3, 8)).astype(np.float32))

    def serve(contents):
        image = tf.io.decode_jpeg(contents, channels=3)
        x = tf.image.resize(tf.cast(image, tf.float32)[None] / 255.0, (32, 32))
        y = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=2, padding="SAME"))
        return {"decoded": image, "features": tf.reduce_mean(y, axis=[1, 2])}

    model = convert_fn(serve, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeJpeg": 1}
    for h, w in ((48, 64), (33, 21)):
        data = tf.io.encode_jpeg(picture(rng, h, w)).numpy()
        want = tf.function(serve)(tf.constant(data))
        for runtime in RUNTIMES:
            got = run_tflite(model, [scalar(data)], runtime)
            np.testing.assert_array_equal(got["decoded"], want["decoded"].numpy())
            # The builtins' float arithmetic (resize, conv) is TFLite's, not TF's.
            np.testing.assert_allclose(got["features"], want["features"].numpy(), rtol=1e-5, atol=1e-6)
