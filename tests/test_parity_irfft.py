"""IRFFT, IRFFT2D, IRFFT3D and the ops that feed them (Complex, complex Pad):
TFLite kernels vs TF's own kernels, through tf.signal.irfft/irfft2d/irfft3d,
tf.complex and tf.signal.inverse_stft."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Our DFTs run in double precision: the float32 error is TF's own (~1e-7 here).
ATOL = {np.complex64: 2e-6, np.complex128: 1e-12}
# Even, odd, powers of two, mixed radix, primes (direct radix up to 61, Bluestein above).
LENGTHS = [1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 16, 49, 61, 64, 67, 100, 127, 256, 400, 509, 512, 1000]


def spectrum(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["complex64", "complex128"])
def test_irfft_matches_tf_over_lengths(tf, rng, dtype):
    """One model, one IRFFT per length; batched inputs exactly n/2+1 long."""
    inputs = [spectrum(rng, (3, n // 2 + 1), dtype) for n in LENGTHS]

    def fn(*xs):
        return [tf.signal.irfft(x, fft_length=[n]) for x, n in zip(xs, LENGTHS, strict=True)]

    report = assert_parity(fn, inputs, rtol=0, atol=ATOL[dtype], runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"IRFFT": len(LENGTHS)}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["complex64", "complex128"])
def test_irfft_crops_pads_and_batches_like_tf(tf, rng, dtype):
    """Longer inputs are cropped by the kernel; shorter ones padded by a complex Pad op first."""
    cases = [
        ((4, 9), None),  # default: 2 * (9 - 1)
        ((2, 3, 17), [8]),  # crop 17 -> 5
        ((5, 9), [7]),
        ((2, 5), [20]),  # pad 5 -> 11 (custom Pad)
        ((2, 2, 2, 6), [10]),
        ((0, 9), [16]),  # empty batch
        ((9,), [16]),  # no batch dims
    ]
    inputs = [spectrum(rng, shape, dtype) for shape, _ in cases]

    def fn(*xs):
        return [tf.signal.irfft(x, fft_length=n) for x, (_, n) in zip(xs, cases, strict=True)]

    report = assert_parity(fn, inputs, rtol=0, atol=ATOL[dtype], runtimes=RUNTIMES)
    # The converter folds the empty-batch IRFFT into a constant.
    assert tflite_model.custom_op_counts(report.model) == {"IRFFT": len(cases) - 1, "Pad": 1}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["complex64", "complex128"])
def test_irfft2d_and_irfft3d_match_tf(tf, rng, dtype):
    cases_2d = [((6, 5), [6, 8]), ((2, 7, 9), [5, 16]), ((3, 4, 3), [3, 5]), ((2, 8, 40), [67, 78])]
    cases_3d = [((2, 3, 6, 5), [3, 6, 8]), ((4, 5, 6), [4, 5, 9]), ((1, 2, 9, 4, 3), [2, 7, 4])]
    inputs = [spectrum(rng, shape, dtype) for shape, _ in cases_2d + cases_3d]

    def fn(*xs):
        out = [tf.signal.irfft2d(x, fft_length=n) for x, (_, n) in zip(xs, cases_2d, strict=False)]
        xs_3d = xs[len(cases_2d) :]
        return out + [tf.signal.irfft3d(x, fft_length=n) for x, (_, n) in zip(xs_3d, cases_3d, strict=True)]

    report = assert_parity(fn, inputs, rtol=0, atol=ATOL[dtype], runtimes=RUNTIMES)
    counts = tflite_model.custom_op_counts(report.model)
    assert counts["IRFFT2D"] == len(cases_2d) and counts["IRFFT3D"] == len(cases_3d)


@pytest.mark.parametrize("n", [512, 509, 400])
def test_a_row_has_the_same_bits_alone_and_in_a_batch(tf, rng, n):
    """complex64 rows run 8 at a time on x86-64 (4 elsewhere) and the rest one by one: the same
    operations on each row, so the same bits (a power of two, a Bluestein prime, mixed radix)."""
    half = n // 2 + 1
    signature = [tf.TensorSpec([None, half], tf.complex64)]
    fn = tf.function(lambda a: tf.signal.irfft(a, fft_length=[n]), input_signature=signature)
    model = opbridge.convert(fn)
    batch = spectrum(rng, (11, half), np.complex64)
    (together,) = run_tflite(model, [batch]).values()
    for row in range(batch.shape[0]):
        (alone,) = run_tflite(model, [batch[row : row + 1]]).values()
        np.testing.assert_array_equal(alone[0], together[row], err_msg=f"row {row}")


# (op, input shape, fft_length): even lengths whose half goes through the AVX2 8-row
# untangling and interleaving (fft.h RealInversePlan, real_inverse_lanes.h) with and without
# a scalar tail (m = 4, 5, 7, 64, 200), odd and tiny lengths (scalar only), rows longer than
# needed (cropped 1-D rows read in place, a cropped 3-D input copied), groups of 8 plus a
# remainder, and the 2-D/3-D inputs the first axis reads in place of a copy (8 adjacent lines
# at a time in AVX2, complex64_lines_avx2.h; 520 apart in the last case).
REAL_INVERSE_ISA_CASES = [
    ("irfft", (11, 65), [128]),
    ("irfft", (9, 6), [10]),
    ("irfft", (8, 9), [8]),
    ("irfft", (8, 8), [14]),
    ("irfft", (10, 230), [400]),
    ("irfft", (8, 9), [15]),
    ("irfft", (9, 2), [2]),
    ("irfft2d", (3, 12, 33), [12, 64]),
    ("irfft3d", (2, 4, 6, 17), [4, 6, 32]),
    ("irfft3d", (2, 5, 6, 20), [4, 6, 32]),
    ("irfft3d", (1, 4, 8, 65), [4, 8, 128]),
]


def test_real_inverse_gives_the_same_bits_on_every_instruction_set(tf, rng, tmp_path):
    """complex64 IRFFT rows on the AVX-512, AVX2 and baseline paths (the baseline runs the
    plan's scalar loops): the same bits, within TF's accuracy."""
    from test_parity_fft import runs_on_every_path

    inputs = [spectrum(rng, shape, np.complex64) for _, shape, _ in REAL_INVERSE_ISA_CASES]
    ops = {"irfft": tf.signal.irfft, "irfft2d": tf.signal.irfft2d, "irfft3d": tf.signal.irfft3d}

    def fn(*xs):
        return [ops[op](x, fft_length=n) for (op, _, n), x in zip(REAL_INVERSE_ISA_CASES, xs, strict=True)]

    signature = [tf.TensorSpec(x.shape, tf.complex64) for x in inputs]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    want = [v.numpy() for v in concrete(*[tf.constant(x) for x in inputs])]
    model = opbridge.convert(concrete)
    runs = runs_on_every_path(model, inputs, tmp_path)
    for i, (op, shape, n) in enumerate(REAL_INVERSE_ISA_CASES):
        label = f"{op} {shape} {n}"
        got = runs["avx512"][f"output_{i}"]
        np.testing.assert_array_equal(got, runs["avx2"][f"output_{i}"], err_msg=f"{label}: AVX-512 vs AVX2")
        np.testing.assert_array_equal(got, runs["baseline"][f"output_{i}"], err_msg=f"{label}: vs baseline")
        np.testing.assert_allclose(got, want[i], rtol=0, atol=ATOL[np.complex64], err_msg=label)


def test_imaginary_dc_and_nyquist_are_ignored_as_in_tf(tf, rng):
    """A Hermitian spectrum has real DC and Nyquist bins: their imaginary parts, NaN included, are ignored."""
    x = spectrum(rng, (3, 5), np.complex64)
    x[0, 0] = complex(1.0, np.nan)
    x[1, 4] = complex(2.0, np.inf)
    x[2, 0] = complex(0.5, 1e30)
    report = assert_parity(
        lambda v: tf.signal.irfft(v, fft_length=[8]), [x], rtol=0, atol=2e-6, runtimes=RUNTIMES
    )
    assert report.worst() < 1e-6


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nan_bins_give_nan_wherever_tf_does(tf, rng, runtime):
    """Outputs that a NaN bin reaches are NaN in both. TF's DUCC FFT leaves some other outputs
    finite (NaN at bin 2 of 8 reaches only even outputs there); ours may make them NaN too."""
    x = spectrum(rng, (2, 5), np.complex64)
    x[1, 2] = np.nan
    fn = tf.function(lambda v: tf.signal.irfft(v, fft_length=[8]))
    want = fn(x).numpy()
    model = opbridge.convert(fn.get_concrete_function(tf.TensorSpec(x.shape, tf.complex64)))
    got = run_tflite(model, [x], runtime)["output_0"]
    assert np.isnan(got[np.isnan(want)]).all()
    np.testing.assert_allclose(got[0], want[0], atol=2e-6)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fft_length_as_a_model_input(tf, rng, runtime):
    """A non-constant fft_length: the IRFFT output is sized at run time (and a Pad feeds it)."""
    fn = tf.function(
        lambda spectrum, n: tf.signal.irfft(spectrum, fft_length=n),
        input_signature=[tf.TensorSpec([None, None], tf.complex64), tf.TensorSpec([1], tf.int32)],
    )
    model = opbridge.convert(fn)
    assert tflite_model.custom_op_counts(model) == {"Pad": 1, "IRFFT": 1}
    for shape, n in [((3, 9), 16), ((2, 5), 20), ((4, 9), 8), ((1, 3), 3), ((2, 40), 64)]:
        x = spectrum(rng, shape, np.complex64)
        length = np.array([n], np.int32)
        got = run_tflite(model, {"spectrum": x, "n": length}, runtime)["output_0"]
        np.testing.assert_allclose(got, fn(x, length).numpy(), rtol=0, atol=2e-6)


def test_inverse_stft_matches_tf(tf, rng):
    frames = spectrum(rng, (2, 12, 257), np.complex64)
    signal = rng.standard_normal((2, 4000)).astype(np.float32)
    assert_parity(
        lambda s: tf.signal.inverse_stft(s, frame_length=400, frame_step=160, fft_length=512),
        [frames],
        rtol=0,
        atol=2e-6,
        runtimes=RUNTIMES,
    )
    window = tf.signal.inverse_stft_window_fn(128)
    assert_parity(
        lambda x: tf.signal.inverse_stft(tf.signal.stft(x, 256, 128), 256, 128, window_fn=window),
        [signal],
        rtol=0,
        atol=1e-5,
        runtimes=RUNTIMES,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_complex_broadcasts_like_tf(tf, rng, dtype):
    shapes = [((4, 9), (4, 9)), ((4, 9), (9,)), ((3, 1, 5), (1, 4, 1)), ((), (2, 3)), ((0, 3), (3,))]
    inputs = [rng.standard_normal(s).astype(dtype) for pair in shapes for s in pair]

    def fn(*xs):
        return [tf.complex(xs[2 * i], xs[2 * i + 1]) for i in range(len(shapes))]

    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Complex": len(shapes)}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, np.float64])
def test_pad_matches_tf_for_dtypes_the_builtin_lacks(tf, rng, dtype):
    x = (rng.standard_normal((2, 3, 4)) + (1j if np.iscomplexobj(dtype(0)) else 0)).astype(dtype)
    paddings = [[[0, 0], [1, 2], [3, 0]], [[1, 1], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 5]]]
    report = assert_parity(lambda v: [tf.pad(v, p) for p in paddings], [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Pad": 3}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_pad_with_paddings_as_a_model_input(tf, rng, runtime):
    fn = tf.function(
        lambda x, p: tf.pad(x, p),
        input_signature=[tf.TensorSpec([None, None], tf.complex64), tf.TensorSpec([2, 2], tf.int64)],
    )
    model = opbridge.convert(fn)
    x = spectrum(rng, (2, 3), np.complex64)
    for p in ([[0, 1], [2, 0]], [[3, 3], [0, 0]], [[0, 0], [0, 0]]):
        got = run_tflite(model, {"x": x, "p": np.array(p, np.int64)}, runtime)["output_0"]
        np.testing.assert_array_equal(got, np.pad(x, p))
    with pytest.raises(RuntimeError, match=r"Pad: Paddings must be non-negative: -1 2"):
        run_tflite(model, {"x": x, "p": np.array([[0, 0], [-1, 2]], np.int64)}, runtime)


def irfft_model(input_shape, fft_length, op="IRFFT", dtypes=(np.complex64, np.float32), options=None):
    from flatbuffers import flexbuffers

    rank = {"IRFFT": 1, "IRFFT2D": 2, "IRFFT3D": 3}[op]
    out_shape = list(input_shape[:-rank]) + [max(n, 0) for n in fft_length]
    return tflite_model.single_custom_op_model(
        op,
        [("input", input_shape, dtypes[0]), ("fft_length", [len(fft_length)], np.int32)],
        [("output", out_shape, dtypes[1])],
        options=flexbuffers.Dumps(options or {}),
        constants={"fft_length": np.array(fft_length, np.int32)},
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_name_the_op_and_the_problem(tf, runtime):
    cases = [
        (irfft_model([3, 4], [10]), r"IRFFT: Input dimension 1 must have length of at least 6 but got: 4"),
        (irfft_model([3, 4], [-1]), r"IRFFT: fft_length\[0\] must >= 0, but got: -1"),
        (irfft_model([5, 4], [6, 4], "IRFFT2D"), r"IRFFT2D: Input dimension 0 must have length of at least"),
        (irfft_model([4], [4, 6], "IRFFT2D"), r"IRFFT2D: input 'input' must have rank >= 2, got shape \[4\]"),
        (
            irfft_model([3, 4], [6], dtypes=(np.complex64, np.float64), options={"Treal": 10}),
            r"IRFFT: Wrong types for backward real FFT: in=complex64 out=double",
        ),
    ]
    for model, message in cases:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
        with pytest.raises(RuntimeError, match=message):
            interpreter.allocate_tensors()
    # TF reports the same conditions.
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have length of at least 6 but got: 4"):
        tf.raw_ops.IRFFT(input=np.ones((3, 4), np.complex64), fft_length=[10])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"fft_length\[0\] must >= 0"):
        tf.raw_ops.IRFFT(input=np.ones((3, 4), np.complex64), fft_length=[-1])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_complex_shape_mismatch_is_an_error_as_in_tf(tf, runtime):
    signature = [tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)]
    fn = tf.function(tf.complex, input_signature=signature)
    model = opbridge.convert(fn)
    with pytest.raises(RuntimeError, match=r"Complex: Incompatible shapes: \[2, 3\] vs. \[4\]"):
        run_tflite(model, {"real": np.ones((2, 3), np.float32), "imag": np.ones(4, np.float32)}, runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.complex(np.ones((2, 3), np.float32), np.ones(4, np.float32))


def test_fft_length_zero_gives_an_empty_output():
    """TF's DUCC kernel aborts the process on fft_length 0 with a non-empty input
    ("no zero-sized FFTs"): we return the empty [..., 0] output instead."""
    model = irfft_model([3, 1], [0])
    (out,) = run_tflite(model, [np.ones((3, 1), np.complex64)]).values()
    assert out.shape == (3, 0)
