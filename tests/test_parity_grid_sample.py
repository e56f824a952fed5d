"""Opbridge>GridSample: TF op vs TFLite kernel, both vs an independent NumPy
reference of PyTorch's grid_sample (bilinear, nearest, bicubic), and the TF gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import grid_sample_reference as reference
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")
ATTRS = list(itertools.product(MODES, PADDINGS, (False, True)))
ATTR_IDS = [f"{m}-{p}-{'ac' if a else 'noac'}" for m, p, a in ATTRS]
# (image [N,H,W,C], grid [N,Ho,Wo]) shapes, including single-pixel images, empty
# outputs, and outputs larger (upsampling) and smaller than the image.
SHAPES = [
    ((1, 4, 5, 1), (1, 3, 2)),
    ((2, 7, 6, 3), (2, 5, 9)),
    ((3, 1, 1, 2), (3, 2, 2)),
    ((1, 1, 8, 4), (1, 4, 4)),
    ((2, 9, 1, 1), (2, 1, 6)),
    ((0, 4, 4, 3), (0, 2, 2)),
    ((2, 4, 4, 0), (2, 2, 2)),
    ((1, 4, 4, 2), (1, 0, 3)),
    ((2, 5, 4, 3), (2, 12, 11)),
    ((2, 13, 12, 2), (2, 3, 4)),
]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
SPECIALS = [np.nan, np.inf, -np.inf, 1e30, -1e30, 7.3, -7.3, 3e9, 0.2]


def make_inputs(rng, image_shape, grid_shape, dtype, spread=1.3):
    image = rng.standard_normal(image_shape).astype(dtype)
    grid = rng.uniform(-spread, spread, (*grid_shape, 2)).astype(dtype)
    return image, grid


def lattice_grid(batch: int, dtype) -> np.ndarray:
    """Pixel centres and half-pixel points of both align_corners conventions (5x6 images)."""
    xs = np.linspace(-1.5, 1.5, 25)
    return np.stack(np.meshgrid(xs, xs[::-1]), -1)[None].repeat(batch, 0).astype(dtype)


def specials_grid(dtype) -> np.ndarray:
    """NaN, +-inf, huge and far coordinates in every (x, y) combination."""
    values = np.array(SPECIALS, dtype)
    return np.stack(np.meshgrid(values, values), -1)[None]


def assert_runtimes_match_tf(mode, padding, align, pairs, atol):
    """One model sampling every (image, grid) pair: both runtimes against TF."""
    import opbridge

    def sample_all(*arrays):
        return tuple(
            opbridge.ops.grid_sample(arrays[k], arrays[k + 1], mode, padding, align)
            for k in range(0, len(arrays), 2)
        )

    inputs = [a for pair in pairs for a in pair]
    report = assert_parity(sample_all, inputs, rtol=0, atol=atol, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Opbridge>GridSample": len(pairs)}


@pytest.mark.parametrize(("mode", "padding", "align"), ATTRS, ids=ATTR_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tflite_matches_tf_over_shapes(tf, rng, mode, padding, align, dtype):
    pairs = [make_inputs(rng, image_shape, grid_shape, dtype) for image_shape, grid_shape in SHAPES]
    pairs.append((rng.standard_normal((2, 5, 6, 2)).astype(dtype), lattice_grid(2, dtype)))
    pairs.append((rng.standard_normal((1, 4, 5, 3)).astype(dtype), specials_grid(dtype)))
    assert_runtimes_match_tf(mode, padding, align, pairs, TOLERANCE[dtype])


@pytest.mark.parametrize(("mode", "padding", "align"), ATTRS, ids=ATTR_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tf_op_matches_pytorch_definition(tf, rng, mode, padding, align, dtype):
    import opbridge

    for image_shape, grid_shape in SHAPES:
        for spread in (1.0, 1.3, 6.0):
            image, grid = make_inputs(rng, image_shape, grid_shape, dtype, spread)
            got = opbridge.ops.grid_sample(image, grid, mode, padding, align).numpy()
            want = reference.grid_sample(image, grid, mode, padding, align)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize(("mode", "padding", "align"), ATTRS, ids=ATTR_IDS)
def test_exact_pixel_and_half_pixel_coordinates(tf, mode, padding, align):
    """Ties: nearest rounds half to even (nearbyint), as PyTorch does; bicubic
    at whole pixels reads the pixel (its outer weights are exactly 0). The
    runtimes see these grids in test_tflite_matches_tf_over_shapes."""
    import opbridge

    image = np.arange(2 * 5 * 6 * 2, dtype=np.float64).reshape(2, 5, 6, 2)
    grid = lattice_grid(2, np.float64)
    got = opbridge.ops.grid_sample(image, grid, mode, padding, align).numpy()
    np.testing.assert_allclose(
        got, reference.grid_sample(image, grid, mode, padding, align), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize(("mode", "padding", "align"), ATTRS, ids=ATTR_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_and_far_coordinates(tf, rng, mode, padding, align, dtype):
    """NaN, ±inf and huge coordinates follow PyTorch's CPU kernel: never read out
    of bounds. The runtimes see these grids in test_tflite_matches_tf_over_shapes."""
    import opbridge

    image = rng.standard_normal((1, 4, 5, 3)).astype(dtype)
    grid = specials_grid(dtype)
    want = reference.grid_sample(image, grid, mode, padding, align)
    got = opbridge.ops.grid_sample(image, grid, mode, padding, align).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[dtype])
    if mode == "bicubic":
        # Bicubic weights are NaN for a non-finite coordinate, with every padding.
        finite = np.isfinite(grid).all(-1)
        assert np.isnan(got[~finite]).all() and np.isfinite(got[finite]).all()


@pytest.mark.parametrize(("mode", "padding", "align"), ATTRS, ids=ATTR_IDS)
def test_gradients_match_finite_differences(tf, rng, mode, padding, align):
    import opbridge

    image = rng.standard_normal((2, 4, 5, 2))
    # Keep clear of the kinks (integer pixel positions, borders) where the
    # derivative jumps and finite differences are meaningless.
    grid = rng.uniform(-1.2, 1.2, (2, 3, 3, 2))

    def f(i, g):
        return opbridge.ops.grid_sample(i, g, mode, padding, align)

    theoretical, numerical = tf.test.compute_gradient(f, [tf.constant(image), tf.constant(grid)], delta=1e-6)
    for t, n in zip(theoretical, numerical, strict=True):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-5)


def test_nearest_grid_gradient_is_zero(tf, rng):
    import opbridge

    image = tf.constant(rng.standard_normal((1, 3, 3, 1)))
    grid = tf.constant(rng.uniform(-1, 1, (1, 2, 2, 2)))
    with tf.GradientTape() as tape:
        tape.watch(grid)
        y = tf.reduce_sum(opbridge.ops.grid_sample(image, grid, "nearest") ** 2)
    np.testing.assert_array_equal(tape.gradient(y, grid).numpy(), 0)


GRAD_TOLERANCE = {np.float32: (1e-5, 5e-5), np.float64: (1e-10, 1e-10)}  # (rtol, atol)


@pytest.mark.parametrize(("padding", "align"), list(itertools.product(PADDINGS, (False, True))))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bicubic_gradients_match_pytorch_definition(tf, rng, padding, align, dtype):
    """d image: the 16 weighted taps scattered through the padding rule; d grid:
    the weight slopes times the tap values, times the unnormalize scale (no clip
    or fold derivative: padding picks whole pixels); NaN where torch's are."""
    import opbridge

    spreads = itertools.cycle((1.0, 1.6, 4.0))
    cases = [make_inputs(rng, i, g, dtype, next(spreads)) for i, g in SHAPES]
    cases.append((rng.standard_normal((1, 4, 5, 3)).astype(dtype), specials_grid(dtype)))
    rtol, atol = GRAD_TOLERANCE[dtype]
    for image, grid in cases:
        upstream = rng.standard_normal((*grid.shape[:3], image.shape[3])).astype(dtype)
        image_t, grid_t = tf.constant(image), tf.constant(grid)
        with tf.GradientTape() as tape:
            tape.watch([image_t, grid_t])
            out = opbridge.ops.grid_sample(image_t, grid_t, "bicubic", padding, align)
        got = tape.gradient(out, [image_t, grid_t], output_gradients=tf.constant(upstream))
        want = reference.grid_sample_bicubic_grad(image, grid, upstream, padding, align)
        for name, g, w in zip(("image", "grid"), got, want, strict=True):
            np.testing.assert_allclose(g.numpy(), w, rtol=rtol, atol=atol, err_msg=f"{name} {image.shape}")


def test_keras_layer_trains_and_converts(tf, rng):
    import keras

    keras.utils.set_random_seed(5)
    import opbridge

    image = keras.Input((8, 8, 3))
    theta = keras.layers.Dense(4, name="theta")(keras.layers.Flatten()(image))
    grid = keras.layers.Reshape((2, 2, 1))(theta)
    grid = keras.layers.Concatenate()([grid, grid])
    out = opbridge.layers.GridSample(padding_mode="border", align_corners=True)([image, grid])
    model = keras.Model(image, out)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = rng.standard_normal((4, 8, 8, 3)).astype(np.float32)
    y = rng.standard_normal((4, 2, 2, 3)).astype(np.float32)
    before = model.get_layer("theta").get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(before, model.get_layer("theta").get_weights()[0]), (
        "no gradient reached the Dense layer"
    )

    tflite = opbridge.convert(model)
    from opbridge.testing import run_tflite

    (got,) = run_tflite(tflite, [x[:1]]).values()
    np.testing.assert_allclose(got, model(x[:1]).numpy(), rtol=0, atol=1e-5)
    config = opbridge.layers.GridSample(mode="nearest").get_config()
    assert opbridge.layers.GridSample.from_config(config).mode == "nearest"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("mode", MODES)
def test_avx2_path_is_the_baselines_bits(tf, rng, mode, dtype, tmp_path):
    """Every mode runs a target("avx2") copy of its loop on AVX2 CPUs: wider vectors over the channels
    and rounding instructions, no FMA, so each output is the same multiplies and adds as the
    baseline's (OPBRIDGE_NO_AVX2=1), at every padding, for channel counts that leave vector
    remainders (13: pieces of 8 floats or 4 doubles, then single channels), and at special
    coordinates (halves, which nearest rounds to even, non-finite and far ones)."""
    import opbridge
    from conftest import convert_fn, cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2 to compare the two paths")
    image = rng.standard_normal((2, 9, 11, 13)).astype(dtype)
    # A one-row image too: with align_corners its reflection span is empty (index 0).
    flat = rng.standard_normal((2, 1, 11, 13)).astype(dtype)
    # Points in whole vectors of 8 and 4 (the source indices' lanes) and a ragged tail.
    grid = np.concatenate(
        [rng.uniform(-1.3, 1.3, (2, 8, 8, 2)), specials_grid(np.float64)[:, :8, :8].repeat(2, 0)], axis=1
    ).astype(dtype)
    grid = np.concatenate([grid, rng.uniform(-1.3, 1.3, (2, 16, 8, 2)).astype(dtype)], axis=2)[:, :13, :13]

    def sample_all(x, y, g):
        return tuple(
            opbridge.ops.grid_sample(image, g, mode, p, a)
            for image in (x, y)
            for p in PADDINGS
            for a in (False, True)
        )

    model = convert_fn(sample_all, (image.shape, dtype), (flat.shape, dtype), (grid.shape, dtype))
    runs = []
    for baseline in (False, True):
        work = tmp_path / ("baseline" if baseline else "auto")
        work.mkdir()
        runs.append(run_tflite_in_process(model, [image, flat, grid], work, baseline=baseline))
    for name, got in runs[0].items():
        np.testing.assert_array_equal(got.view(np.uint8), runs[1][name].view(np.uint8), err_msg=name)
