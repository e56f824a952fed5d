"""RFFT, RFFT2D, RFFT3D at any length: TFLite kernels vs TF's own kernels and a float64
reference, through tf.signal.rfft/rfft2d/rfft3d/stft. float32 rfft/rfft2d become the
builtin RFFT2D, which opbridge.convert keeps where it runs (power-of-two lengths) and
switches to opbridge's RFFT2D elsewhere (python/opbridge/fallbacks.py)."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.conversion import convert_model
from opbridge.testing import run_tflite
from test_parity_fft import check_accuracy

LENGTHS = [1, 2, 3, 7, 12, 13, 16, 97, 100, 256, 400, 509, 512, 1000]


def builtin_runs(*lengths):
    """What the builtin RFFT2D computes right: powers of two, the width at least 2."""
    *outer, width = lengths
    return all(n > 0 and n & (n - 1) == 0 for n in lengths) and width > 1 and all(outer)


def counts(model):
    """(opbridge RFFT, opbridge RFFT2D, builtin RFFT2D) nodes. opbridge.convert fuses the
    converter's reshape -> RFFT2D [1, n] -> reshape of a one-dimensional rfft into one
    RFFT node wherever RFFT2D is opbridge's (python/opbridge/rfft_fusion.py)."""
    histogram = tflite_model.op_histogram(model)
    custom = tflite_model.custom_op_counts(model)
    rfft2d = custom.get("RFFT2D", 0)
    return custom.get("RFFT", 0), rfft2d, histogram.get("RFFT2D", 0) - rfft2d


def run_everywhere(tf, fn, inputs, runtimes=RUNTIMES):
    signature = [
        tf.TensorSpec(x.shape, tf.as_dtype(x.dtype), name=f"input_{i}") for i, x in enumerate(inputs)
    ]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    want = [np.asarray(v) for v in tf.nest.flatten(concrete(*[tf.constant(x) for x in inputs]))]
    result = convert_model(concrete)
    got = {}
    for runtime in runtimes:
        out = run_tflite(result.model, inputs, runtime)
        got[runtime] = [out[f"output_{i}"] for i in range(len(want))]
    return result, want, got


def rfft_reference(x, lengths):
    """numpy's float64 rfftn of x cropped/zero-padded to `lengths` over its inner dims."""
    axes = tuple(range(-len(lengths), 0))
    return np.fft.rfftn(x.astype(np.float64), s=lengths, axes=axes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rfft_over_lengths(tf, rng, dtype):
    """One model, one rfft per length: float32 powers of two keep the builtin, the rest
    run opbridge's RFFT2D (float64 RFFT2D is always a custom op)."""
    inputs = [rng.standard_normal((4, n)).astype(dtype) for n in LENGTHS]
    result, want, got = run_everywhere(tf, lambda *xs: [tf.signal.rfft(x) for x in xs], inputs)
    if dtype == np.float32:
        kept = sum(builtin_runs(1, n) for n in LENGTHS)
        assert counts(result.model) == (len(LENGTHS) - kept, 0, kept)
        assert result.fallbacks == {"RFFT2D": len(LENGTHS) - kept}
        assert result.fused == {"RFFT": len(LENGTHS) - kept}
    else:
        assert counts(result.model) == (len(LENGTHS), 0, 0) and result.fallbacks == {}
        assert result.fused == {"RFFT": len(LENGTHS)}
    complex_dtype = np.complex64 if dtype == np.float32 else np.complex128
    for runtime, outs in got.items():
        for x, w, g in zip(inputs, want, outs, strict=True):
            n = x.shape[-1]
            check_accuracy(f"{runtime} rfft n={n}", complex_dtype, w, g, rfft_reference(x, [n]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_crop_pad_and_batches(tf, rng, dtype):
    """fft_length below the input's length crops (in the kernel), above pads (a Pad op first)."""
    cases = [((3, 130), 100), ((2, 60), 100), ((2, 3, 2, 50), 49), ((400,), 400), ((5, 9), 16), ((0, 10), 10)]
    inputs = [rng.standard_normal(shape).astype(dtype) for shape, _ in cases]

    def fn(*xs):
        return [tf.signal.rfft(x, [n]) for x, (_, n) in zip(xs, cases, strict=True)]

    result, want, got = run_everywhere(tf, fn, inputs)
    # The converter folds the empty batch's rfft into a constant.
    nodes = [n for shape, n in cases if np.prod(shape)]
    switched = sum(not builtin_runs(1, n) for n in nodes)
    assert counts(result.model) == (
        (switched, 0, len(nodes) - switched) if dtype == np.float32 else (len(nodes), 0, 0)
    )
    complex_dtype = np.complex64 if dtype == np.float32 else np.complex128
    for runtime, outs in got.items():
        for x, (_, n), w, g in zip(inputs, cases, want, outs, strict=True):
            check_accuracy(f"{runtime} rfft {x.shape} n={n}", complex_dtype, w, g, rfft_reference(x, [n]))


CASES_2D = [
    ((3, 6, 10), [6, 10]),
    ((2, 8, 16), [8, 16]),
    ((2, 9, 20), [7, 13]),
    ((4, 1), [4, 1]),
    ((5, 100), [1, 100]),
    ((2, 131, 12), [131, 12]),  # an outer axis TF (and float32 here) transforms by Bluestein's algorithm
]
CASES_3D = [
    ((2, 3, 5, 7, 9), [5, 7, 9]),
    ((2, 4, 8, 16), [4, 8, 16]),
    ((2, 5, 7, 9), [4, 6, 8]),
    ((3, 3, 12), [3, 2, 12]),
    ((1, 127, 3, 10), [127, 3, 10]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rfft2d_and_rfft3d(tf, rng, dtype):
    inputs = [rng.standard_normal(shape).astype(dtype) for shape, _ in CASES_2D + CASES_3D]

    def fn(*xs):
        out = [tf.signal.rfft2d(x, n) for x, (_, n) in zip(xs, CASES_2D, strict=False)]
        return out + [tf.signal.rfft3d(x, n) for x, (_, n) in zip(xs[len(CASES_2D) :], CASES_3D, strict=True)]

    result, want, got = run_everywhere(tf, fn, inputs)
    assert tflite_model.custom_op_counts(result.model)["RFFT3D"] == len(CASES_3D)
    if dtype == np.float32:
        kept = sum(builtin_runs(*n) for _, n in CASES_2D)
        assert counts(result.model) == (0, len(CASES_2D) - kept, kept)
    else:
        assert counts(result.model) == (0, len(CASES_2D), 0)
    assert result.fused == {}  # rfft2d has no reshapes around it
    complex_dtype = np.complex64 if dtype == np.float32 else np.complex128
    for runtime, outs in got.items():
        for x, (_, n), w, g in zip(inputs, CASES_2D + CASES_3D, want, outs, strict=True):
            check_accuracy(
                f"{runtime} rfft{len(n)}d {x.shape} {n}", complex_dtype, w, g, rfft_reference(x, n)
            )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fft_length_unknown_at_conversion(tf, rng, runtime):
    """fft_length a model input: the builtin could not be checked, so opbridge's kernel runs."""
    fn = tf.function(
        lambda x, n: tf.signal.rfft(x, n),
        input_signature=[tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([1], tf.int32)],
    )
    result = convert_model(fn)
    # fft_length computed in the model: not known to be [1, n], so not fused.
    assert counts(result.model) == (0, 1, 0) and result.fallbacks == {"RFFT2D": 1}
    assert result.fused == {}
    for shape, n in [((3, 100), 100), ((2, 64), 64), ((4, 50), 97), ((1, 400), 400), ((2, 9), 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        length = np.array([n], np.int32)
        got = run_tflite(result.model, {"x": x, "n": length}, runtime)["output_0"]
        check_accuracy(
            f"rfft {shape} n={n}", np.complex64, fn(x, length).numpy(), got, rfft_reference(x, [n])
        )


def audio(rng, seconds=1.0, rate=16000):
    """16 kHz-like audio: a chirp, two tones and noise."""
    t = np.arange(int(seconds * rate)) / rate
    chirp = np.sin(2 * np.pi * (100 + 1900 * t) * t)
    tones = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3100 * t)
    return (0.5 * chirp + tones + 0.05 * rng.standard_normal(t.shape)).astype(np.float32)


@pytest.mark.parametrize("shape", [(1, 16000), (None, None)], ids=["static", "dynamic"])
def test_stft_400_frames_on_16khz_audio(tf, rng, shape):
    """Whisper's framing: 25 ms frames (400), 10 ms hop (160), fft_length 400, magnitude."""
    x = np.stack([audio(rng), audio(rng)])[: 1 if shape[0] == 1 else 2]

    def stft_abs(v):
        return tf.abs(tf.signal.stft(v, frame_length=400, frame_step=160, fft_length=400))

    fn = tf.function(stft_abs, input_signature=[tf.TensorSpec(shape, tf.float32)])
    result = convert_model(fn)
    assert counts(result.model) == (1, 0, 0) and result.fallbacks == {"RFFT2D": 1}
    assert result.fused == {"RFFT": 1}
    want = fn(x).numpy()
    # The float64 reference: TF's own stft on the float64 signal.
    ref = np.asarray(stft_abs(tf.constant(x.astype(np.float64))))
    scale = float(np.abs(ref).max())
    theirs = float(np.abs(want - ref).max()) / scale
    for runtime in RUNTIMES:
        got = run_tflite(result.model, [x], runtime)["output_0"]
        assert got.shape == want.shape == (x.shape[0], 98, 201)
        ours = float(np.abs(got - ref).max()) / scale
        assert ours <= theirs + 2.0**-24, f"{runtime}: ours {ours:.3g}, TF {theirs:.3g}"
        np.testing.assert_allclose(got, want, rtol=0, atol=(ours + theirs) * scale * 1.01)


def test_stft_with_a_power_of_two_fft_keeps_the_builtin(tf, rng):
    fn = tf.function(
        lambda v: tf.abs(tf.signal.stft(v, 400, 160, fft_length=512)),
        input_signature=[tf.TensorSpec([1, 16000], tf.float32)],
    )
    result = convert_model(fn)
    assert counts(result.model) == (0, 0, 1) and result.fallbacks == {} and result.fused == {}
    x = audio(rng)[None]
    got = run_tflite(result.model, [x])["output_0"]
    np.testing.assert_allclose(got, fn(x).numpy(), rtol=0, atol=1e-4)


def rfft_model(op, input_shape, fft_length, dtypes=(np.float32, np.complex64), options=None):
    """A model holding TF's RFFT op itself (the converter lowers tf.signal.rfft to RFFT2D)."""
    from flatbuffers import flexbuffers

    rank = {"RFFT": 1, "RFFT2D": 2, "RFFT3D": 3}[op]
    out_shape = list(input_shape[:-rank]) + [max(n, 0) for n in fft_length]
    out_shape[-1] = out_shape[-1] // 2 + 1 if out_shape[-1] else 0
    return tflite_model.single_custom_op_model(
        op,
        [("input", input_shape, dtypes[0]), ("fft_length", [len(fft_length)], np.int32)],
        [("output", out_shape, dtypes[1])],
        options=flexbuffers.Dumps(options or {}),
        constants={"fft_length": np.array(fft_length, np.int32)},
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_rfft_op_itself_matches_tf(tf, rng, runtime):
    for dtype, complex_dtype, options in [
        (np.float32, np.complex64, {}),
        (np.float64, np.complex128, {"Treal": 10, "Tcomplex": 11}),
    ]:
        for shape, n in [((3, 100), 100), ((2, 20), 13), ((7,), 7), ((2, 2, 9), 8)]:
            x = rng.standard_normal(shape).astype(dtype)
            model = rfft_model("RFFT", list(shape), [n], (dtype, complex_dtype), options)
            (got,) = run_tflite(model, [x], runtime).values()
            want = tf.raw_ops.RFFT(input=x, fft_length=[n], Tcomplex=tf.as_dtype(complex_dtype)).numpy()
            check_accuracy(
                f"RFFT {dtype.__name__} {shape} {n}", complex_dtype, want, got, rfft_reference(x, [n])
            )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_name_the_op_and_the_problem(tf, runtime):
    cases = [
        (
            rfft_model("RFFT", [3, 4], [10]),
            r"RFFT: Input dimension 1 must have length of at least 10 but got: 4",
        ),
        (rfft_model("RFFT", [3, 4], [-1]), r"RFFT: fft_length\[0\] must >= 0, but got: -1"),
        (rfft_model("RFFT2D", [5, 4], [6, 4]), r"RFFT2D: Input dimension 0 must have length of at least 6"),
        (
            rfft_model("RFFT3D", [4, 4], [2, 4, 4]),
            r"RFFT3D: input 'input' must have rank >= 3, got shape \[4, 4\]",
        ),
        (
            rfft_model("RFFT", [3, 4], [4], dtypes=(np.float32, np.complex128), options={"Tcomplex": 11}),
            r"RFFT: Wrong types for forward real FFT: in=float out=complex128",
        ),
    ]
    for model, message in cases:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
        with pytest.raises(RuntimeError, match=message):
            interpreter.allocate_tensors()
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have length of at least 10 but got: 4"):
        tf.raw_ops.RFFT(input=np.ones((3, 4), np.float32), fft_length=[10])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"fft_length\[0\] must >= 0"):
        tf.raw_ops.RFFT(input=np.ones((3, 4), np.float32), fft_length=[-1])


def test_empty_inputs_give_zeros_or_empty_outputs():
    """An empty transform axis passes TF's checks; TF leaves that output uninitialised, we give
    the DFT of no samples (zeros). fft_length 0 gives an empty inner dim."""
    (out,) = run_tflite(rfft_model("RFFT", [3, 0], [8]), [np.ones((3, 0), np.float32)]).values()
    assert out.shape == (3, 5) and not out.any()
    (out,) = run_tflite(rfft_model("RFFT2D", [2, 3, 4], [0, 4]), [np.ones((2, 3, 4), np.float32)]).values()
    assert out.shape == (2, 0, 3)
    (out,) = run_tflite(rfft_model("RFFT", [2, 3], [0]), [np.ones((2, 3), np.float32)]).values()
    assert out.shape == (2, 0)


def test_threads_do_not_change_results(tf, rng):
    fn = tf.function(
        lambda x, y: (tf.signal.rfft(x, [400]), tf.signal.rfft3d(y, [3, 10, 12])),
        input_signature=[
            tf.TensorSpec([None, None], tf.float32),
            tf.TensorSpec([None, None, None, None], tf.float64),
        ],
    )
    model = opbridge.convert(fn)
    inputs = [rng.standard_normal((301, 400)).astype(np.float32), rng.standard_normal((7, 3, 11, 12))]
    one = run_tflite(model, inputs, num_threads=1)
    four = run_tflite(model, inputs, num_threads=4)
    for name in one:
        np.testing.assert_array_equal(one[name], four[name])
