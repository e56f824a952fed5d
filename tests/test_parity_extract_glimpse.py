"""ExtractGlimpse and ExtractGlimpseV2 (tf.compat.v1.image.extract_glimpse, tf.image.extract_glimpse):
the TFLite kernels against TF's in both runtimes. With noise='zero' every output is bitwise TF's:
both ops, every (normalized, centered) pair, windows inside, across and outside the image, larger
than it and empty, offsets NaN and beyond int64, batch 0, 1 and 2 threads. TF draws 'uniform' and
'gaussian' noise from generators seeded anew on every run (not reproducible, measured below), so
there the part of the window over the image is bitwise TF's and the noise is checked to lie in TF's
range (the image's [min, max]; per channel for gaussian). Plus TF's attr and shape errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession

PAIRS = list(itertools.product([False, True], [False, True]))  # (normalized, centered)


def run(model: bytes, inputs: list, runtime: str, threads: int = 1) -> dict[str, np.ndarray]:
    session = SignatureSession(model, runtime, num_threads=threads)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def same_bits(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert got.tobytes() == want.tobytes(), (what, np.argwhere(got != want)[:5])


def glimpses(tf, image, size, norm_off, pix_off):
    out = {}
    for (normalized, centered), (name, op) in itertools.product(
        PAIRS, [("v1", tf.raw_ops.ExtractGlimpse), ("v2", tf.raw_ops.ExtractGlimpseV2)]
    ):
        off = norm_off if normalized else pix_off
        out[f"{name}_n{int(normalized)}_c{int(centered)}"] = op(
            input=image,
            size=size,
            offsets=off,
            centered=centered,
            normalized=normalized,
            uniform_noise=False,
            noise="zero",
        )
    return out


def glimpse_inputs(
    rng: np.random.Generator, batch: int, h: int, w: int, depth: int, size
) -> list[np.ndarray]:
    image = rng.normal(size=(batch, h, w, depth)).astype(np.float32)
    norm = rng.uniform(-1.6, 1.6, (batch, 2)).astype(np.float32)
    pix = rng.uniform(-12, 14, (batch, 2)).astype(np.float32)
    if batch >= 4:
        norm[0] = [0, 0]
        pix[1] = [np.nan, 3]
        norm[2] = [1e30, -1e30]
        pix[3] = [0, 0]
    return [image, np.array(size, np.int32), norm, pix]


def test_zero_noise_bitwise(tf, rng):
    fn = lambda image, size, n, p: glimpses(tf, image, size, n, p)  # noqa: E731
    model = convert_fn(
        fn,
        ([None, None, None, None], tf.float32),
        ([2], tf.int32),
        ([None, 2], tf.float32),
        ([None, 2], tf.float32),
    )
    assert tflite_model.custom_op_counts(model) == {"ExtractGlimpse": 4, "ExtractGlimpseV2": 4}
    f = tf.function(fn)
    for batch, h, w, depth, size in [
        (6, 9, 11, 3, (3, 4)),
        (4, 5, 4, 2, (5, 4)),
        (4, 6, 7, 1, (20, 25)),
        (2, 8, 8, 3, (0, 3)),
        (0, 8, 8, 3, (2, 2)),
        (5, 64, 80, 16, (31, 40)),
    ]:
        inputs = glimpse_inputs(rng, batch, h, w, depth, size)
        want = {k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if h > 10 else (1,):
                got = run(model, inputs, runtime, threads)
                for k, v in want.items():
                    same_bits(got[k], v, f"[{runtime}, {threads}] {(batch, h, w, depth, size)} {k}")


def test_noise_over_image_bitwise_and_in_range(tf, rng):
    def fn(image, size, offsets):
        mask = tf.raw_ops.ExtractGlimpseV2(
            input=tf.ones_like(image), size=size, offsets=offsets, uniform_noise=False, noise="zero"
        )
        return {
            "uniform": tf.image.extract_glimpse(image, size, offsets),  # noise='uniform'
            "gaussian": tf.image.extract_glimpse(image, size, offsets, noise="gaussian"),
            "v1_default": tf.compat.v1.image.extract_glimpse(image, size, offsets),  # uniform_noise=True
            "v1_gaussian": tf.raw_ops.ExtractGlimpse(
                input=image, size=size, offsets=offsets, uniform_noise=False, noise=""
            ),
            "mask": mask,
            "mask_v1": tf.raw_ops.ExtractGlimpse(
                input=tf.ones_like(image), size=size, offsets=offsets, uniform_noise=False, noise="zero"
            ),
        }

    model = convert_fn(fn, ([None, None, None, 3], tf.float32), ([2], tf.int32), ([None, 2], tf.float32))
    f = tf.function(fn)
    image = (rng.normal(size=(3, 10, 12, 3)) * [1, 5, 0.1] + [0, 10, -3]).astype(np.float32)
    inputs = [image, np.array([6, 7], np.int32), np.array([[0.9, -0.8], [0, 0], [-1.2, 0.3]], np.float32)]
    tf_runs = [{k: v.numpy() for k, v in f(*[tf.constant(a) for a in inputs]).items()} for _ in range(2)]
    want = tf_runs[0]
    lo_all, hi_all = image.min(axis=(1, 2, 3)), image.max(axis=(1, 2, 3))
    lo_ch, hi_ch = image.min(axis=(1, 2)), image.max(axis=(1, 2))
    for runtime in RUNTIMES:
        got = run(model, inputs, runtime)
        for key, mask_key in [
            ("uniform", "mask"),
            ("gaussian", "mask"),
            ("v1_default", "mask_v1"),
            ("v1_gaussian", "mask_v1"),
        ]:
            mask = want[mask_key] == 1
            assert mask.any() and (~mask).any()
            same_bits(got[key][mask], want[key][mask], f"[{runtime}] {key} over the image")
            g = got[key]
            for b in range(3):
                if mask[b].all():  # the window inside the image: no noise
                    continue
                noise = g[b][~mask[b]] if "gaussian" not in key else None
                if noise is not None:
                    assert noise.min() >= lo_all[b] and noise.max() <= hi_all[b], (runtime, key, b)
                else:
                    for c in range(3):
                        n = g[b, ..., c][~mask[b, ..., c]]  # the mask is the same in every channel
                        assert n.min() >= lo_ch[b, c] and n.max() <= hi_ch[b, c], (runtime, key, b, c)
            # Reproducible here; TF's noise is not (two runs of TF differ).
            same_bits(run(model, inputs, runtime)[key], g, f"[{runtime}] {key} twice")
    assert not np.array_equal(tf_runs[0]["uniform"], tf_runs[1]["uniform"])


def test_errors_as_tf(tf, rng):
    """TF's run-time checks, with its texts. (TF refuses uniform_noise=True with a noise other than
    'uniform' already when the graph is built, so no model carries it; the kernel checks it too.)"""

    def fn(image, size, offsets):
        return tf.raw_ops.ExtractGlimpseV2(
            input=image, size=size, offsets=offsets, uniform_noise=False, noise="zero"
        )

    image = rng.normal(size=(2, 4, 4, 1)).astype(np.float32)
    size = np.array([2, 2], np.int32)
    specs = (([None, None, None, None], tf.float32), ([None], tf.int32), ([None, None], tf.float32))
    # Unknown dims, as the model has: TF's graph-time shape check would stop known ones first.
    f = tf.function(fn, input_signature=[tf.TensorSpec(shape, dtype) for shape, dtype in specs])
    model = convert_fn(fn, *specs)
    cases = [
        ([image, size, np.zeros((3, 2), np.float32)], "first dimension should be batch"),
        ([image, size, np.zeros((2, 3), np.float32)], r"second dimension should be of size 2 \(y,x\)"),
        (
            [image, np.array([2, 2, 2], np.int32), np.zeros((2, 2), np.float32)],
            r"input must be a vector of size 2 \(height, width\)",
        ),
    ]
    for inputs, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(*[tf.constant(a) for a in inputs])
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"ExtractGlimpseV2: {message}"):
                run(model, inputs, runtime)
