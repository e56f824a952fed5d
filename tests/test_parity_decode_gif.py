"""DecodeGif and DecodeImage's GIF branch: the TFLite kernels against TF's own, bit for bit, in
both runtimes, on GIFs written here (opbridge.bench.cases.image_decode_gif): animations on
global and local palettes, transparency (frame 0 and later frames, an index outside the
palette), frames smaller than, offset from and sticking out of the canvas, screens larger and
smaller than the frames,
interlacing at every height class, disposal methods, LZW table resets; DecodeImage at each dtype
with and without expand_animations; PNG and JPEG given to DecodeGif; and TF's errors on corrupt
and truncated files."""

from __future__ import annotations

import numpy as np

import test_parity_image_decode as decode_tests
from conftest import RUNTIMES, convert_fn
from image_files import picture, png
from opbridge import tflite_model
from opbridge.bench.cases.image_decode_gif import Frame, animation, gif
from opbridge.testing import run_tflite


def gif_files(tf, rng) -> dict[str, bytes]:
    """GIFs that TF decodes: each exercises one rule of TF's frame composition."""
    files = {"animation": animation(rng, 37, 53, 5)}
    pal256 = rng.integers(0, 256, (256, 3))
    # Local palettes of 2, 16 and 256 colors over a 4-color global one; frames without a GCE.
    frames = [
        Frame(
            rng.integers(0, n, (12, 20)), palette=rng.integers(0, 256, (n, 3)), gce=bool(n % 2 == 0 and n > 2)
        )
        for n in (2, 16, 256)
    ]
    files["local palettes"] = gif(20, 12, [Frame(rng.integers(0, 4, (12, 20))), *frames], pal256[:4])
    # Interlaced frames of heights 1..17 (every pass empty or not), one frame each.
    for h in (1, 2, 3, 5, 8, 9, 17):
        files[f"interlaced h{h}"] = gif(7, h, [Frame(rng.integers(0, 256, (h, 7)), interlace=True)], pal256)
    # Frame 0 smaller than the canvas (black around it), transparent pixels in frame 0 (black),
    # a later frame that sticks out of the canvas (clipped), a transparent index the palette
    # does not have (transparency is tested first), disposal methods (ignored by TF).
    files["sub-canvas"] = gif(
        30,
        25,
        [
            Frame(rng.integers(0, 16, (10, 14)), left=3, top=4, transparent=2),
            Frame(rng.integers(0, 16, (25, 30)), transparent=5, disposal=2),
            Frame(rng.integers(0, 16, (9, 11)), left=24, top=20, transparent=7, disposal=3),
            Frame(np.full((6, 6), 20), left=2, top=2, transparent=20, min_code_size=5),
        ],
        pal256[:16],
    )
    # The canvas is the largest frame width by the largest frame height, not the screen's.
    files["screen larger"] = gif(64, 48, [Frame(rng.integers(0, 256, (10, 13)), left=5, top=6)], pal256)
    files["screen smaller"] = gif(
        4,
        3,
        [Frame(rng.integers(0, 256, (9, 6))), Frame(rng.integers(0, 256, (4, 11)), left=3, top=7)],
        pal256,
    )
    files["tall and wide frames"] = gif(
        8, 8, [Frame(rng.integers(0, 4, (20, 3))), Frame(rng.integers(0, 4, (2, 17)), top=5)], pal256[:4]
    )
    files["1x1"] = gif(1, 1, [Frame(np.array([[3]]))], pal256[:4])
    smooth = (np.arange(180 * 150).reshape(180, 150) // 97) % 256
    files["lzw resets"] = gif(150, 180, [Frame(rng.integers(0, 256, (180, 150))), Frame(smooth)], pal256)
    anim = animation(rng, 11, 13, 3)
    files["no trailer"] = anim[:-1]
    files["no last terminator"] = anim[:-2]
    # An unknown record after the frames: giflib fails, TF logs it and decodes what it read.
    files["garbage record"] = anim[:-1] + b"\x99garbage"
    return files


def bad_gifs(rng) -> dict[str, bytes]:
    """GIFs TF refuses, each with its own error text."""
    pal = rng.integers(0, 256, (4, 3))
    anim = animation(rng, 9, 10, 2)
    good = gif(6, 5, [Frame(rng.integers(0, 4, (5, 6)))], pal)
    return {
        "3 bytes": b"GIF",
        "header only": anim[:6],
        "cut in screen": anim[:10],
        "cut in palette": anim[:300],
        "index outside palette": gif(5, 5, [Frame(np.arange(25).reshape(5, 5) % 8, min_code_size=3)], pal),
        "no color map": gif(5, 5, [Frame(rng.integers(0, 4, (5, 5)))], None),
        "no image": gif(5, 5, [], pal),
        "lzw ends early": good[: good.index(b"\x2c") + 10 + 1] + b"\x01\x04\x00\x3b",
        "bad lzw code": good[: good.index(b"\x2c") + 10 + 1] + b"\x02\xff\xff\x00\x3b",
    }


def test_gif_frames(tf, rng):
    """DecodeGif, and DecodeImage at every dtype with and without expand_animations, on every
    GIF; PNG and JPEG given to DecodeGif come back as one RGB frame."""

    def fn(contents):
        out = {"gif": tf.io.decode_gif(contents)}
        for dt in (tf.uint8, tf.uint16, tf.float32):
            out[f"image_{dt.name}"] = tf.io.decode_image(contents, dtype=dt)
            out[f"first_{dt.name}"] = tf.io.decode_image(contents, dtype=dt, expand_animations=False)
        out["image_c3"] = tf.io.decode_image(contents, channels=3, expand_animations=False)
        return out

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeGif": 1, "DecodeImage": 7}
    for name, data in gif_files(tf, rng).items():
        decode_tests.assert_like_tf(tf, fn, model, [data], name, decodes=True)

    def as_gif(contents):
        return tf.io.decode_gif(contents)

    gif_model = convert_fn(as_gif, ([], tf.string))
    others = {
        "png gray": png(rng.integers(0, 256, (5, 7)), 0, 8),
        "png rgba": png(rng.integers(0, 256, (4, 6, 4)), 6, 8),
        "jpeg": tf.io.encode_jpeg(picture(rng, 9, 12)).numpy(),
    }
    for name, data in others.items():
        decode_tests.assert_like_tf(tf, as_gif, gif_model, [data], name, decodes=True)


def test_gif_errors(tf, rng):
    """Corrupt and truncated GIFs: TF's error text, naming the op; DecodeImage's channels
    check; DecodeBmp refusing a GIF by TF's words."""

    def fn(contents):
        return {
            "gif": tf.io.decode_gif(contents),
            "image": tf.io.decode_image(contents, expand_animations=False),
        }

    model = convert_fn(fn, ([], tf.string))
    for name, data in bad_gifs(rng).items():
        want = decode_tests.tf_run(tf, tf.function(fn), [data])
        assert isinstance(want, str), f"{name}: TF decodes it"
        decode_tests.assert_like_tf(tf, fn, model, [data], name)

    def wrong(contents):
        return tf.io.decode_image(contents, channels=4, expand_animations=False)

    def bmp(contents):
        return tf.io.decode_bmp(contents)

    data = animation(rng, 6, 7, 2)
    for f, op in ((wrong, "DecodeImage"), (bmp, "DecodeBmp")):
        m = convert_fn(f, ([], tf.string))
        decode_tests.assert_like_tf(tf, f, m, [data], op, op=op)


def test_gif_serving_signature(tf, rng):
    """A serving signature that decodes a GIF in the graph, resizes and reduces: the whole
    converted model against TF, both runtimes."""

    def fn(contents):
        frames = tf.io.decode_gif(contents)
        x = tf.image.resize(tf.cast(frames, tf.float32) / 255.0, (16, 16))
        return tf.reduce_mean(x, axis=[1, 2])

    model = convert_fn(fn, ([], tf.string))
    data = animation(rng, 40, 50, 3)
    want = fn(tf.constant(data)).numpy()
    for runtime in RUNTIMES:
        got = run_tflite(model, [decode_tests.scalar(data)], runtime)["output_0"]
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=runtime)


def test_gif_truncated(tf, rng):
    """A GIF cut after every byte (header, screen, palettes, extensions, descriptors, LZW data,
    block terminators, trailer): TF's frames or TF's error at each cut. TF's giflib drops a
    frame whose pixel data ends early (TF's gif_fix_image_counter patch), which gif_codec.cc
    reproduces over Debian's giflib."""

    def fn(contents):
        return {
            "gif": tf.io.decode_gif(contents),
            "first": tf.io.decode_image(contents, expand_animations=False),
        }

    model = convert_fn(fn, ([], tf.string))
    data = gif(
        7,
        6,
        [
            Frame(rng.integers(0, 4, (6, 7))),
            Frame(
                rng.integers(0, 8, (4, 5)), left=1, top=1, palette=rng.integers(0, 256, (8, 3)), transparent=3
            ),
            Frame(rng.integers(0, 4, (6, 7)), interlace=True, gce=False),
        ],
        rng.integers(0, 256, (4, 3)),
    )
    for cut in range(4, len(data)):
        decode_tests.assert_like_tf(tf, fn, model, [data[:cut]], f"cut at {cut} of {len(data)}")
