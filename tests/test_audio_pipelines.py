"""Audio pipelines end to end: 16 kHz audio of a dynamic length through tf.signal's
stft (25 ms / 10 ms frames, fft_length 400), magnitude, mel matrix, log and MFCC; an
inverse_stft round trip in float32 and float64; stft on float64 audio; keras-hub's FNet and its
Whisper, Gemma4 and Moonshine audio converters. Each is converted
once with opbridge.convert and run in both runtimes at several lengths (inputs fed by
index), against TF. The custom ops each model holds are asserted, so a pipeline that
starts leaving another op (or stops needing one) is noticed.

Measured worst errors relative to the output's scale (max |TF output|), both runtimes:
see docs/ops/audio_pipelines.md."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import run_tflite

RATE = 16000
FRAME, STEP, FFT = 400, 160, 400
# 1 s, an odd length, one frame exactly, and too short for a frame (empty output).
LENGTHS = [RATE, 8123, FRAME, FRAME - 1]
F32_BOUND = 1e-5  # the bound, relative to the output's scale
F64_BOUND = 1e-10


def mfcc_pipeline(tf):
    def fn(audio):
        stft = tf.signal.stft(audio, FRAME, STEP, fft_length=FFT)
        magnitude = tf.abs(stft)
        mel_matrix = tf.signal.linear_to_mel_weight_matrix(80, FFT // 2 + 1, RATE, 20.0, 7600.0)
        log_mel = tf.math.log(tf.matmul(magnitude, mel_matrix) + 1e-6)
        return stft, log_mel, tf.signal.mfccs_from_log_mel_spectrograms(log_mel)

    return fn


def round_trip(tf):
    def fn(audio):
        stft = tf.signal.stft(audio, FRAME, STEP, fft_length=FFT)
        window = tf.signal.inverse_stft_window_fn(STEP)
        return tf.signal.inverse_stft(stft, FRAME, STEP, fft_length=FFT, window_fn=window)

    return fn


def stft_only(tf):
    def fn(audio):
        return tf.signal.stft(audio, FRAME, STEP, fft_length=FFT)

    return fn


def convert(tf, fn, shape, dtype):
    signature = [tf.TensorSpec(shape, dtype, name="input_0")]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    return concrete, opbridge.convert(concrete)


def worst_errors(tf, concrete, model, inputs):
    """The worst error of each output over `inputs` and both runtimes, relative to the
    output's scale; shapes and dtypes must match TF's exactly."""
    worst: dict[int, float] = {}
    for x in inputs:
        want = [np.asarray(v) for v in tf.nest.flatten(concrete(tf.constant(x)))]
        for runtime in RUNTIMES:
            out = run_tflite(model, [x], runtime)  # by index
            got = [out[f"output_{i}"] for i in range(len(want))] if len(want) > 1 else [out["output_0"]]
            for i, (w, g) in enumerate(zip(want, got, strict=True)):
                label = f"{runtime} output {i} length {x.shape}"
                assert g.shape == w.shape and g.dtype == w.dtype, (
                    f"{label}: {g.shape} {g.dtype} vs TF {w.shape}"
                )
                if w.size == 0:
                    continue
                scale = max(float(np.abs(w).max()), 1e-30)
                worst[i] = max(worst.get(i, 0.0), float(np.abs(g - w).max()) / scale)
    return worst


def audio(rng, shape, dtype):
    # Noise plus a tone: unit-scale samples, energy in every mel band.
    t = np.arange(shape[-1]) / RATE
    return (0.3 * rng.standard_normal(shape) + np.sin(2 * np.pi * 440.0 * t)).astype(dtype)


@pytest.mark.parametrize("batched", [False, True])
def test_mfcc_pipeline(tf, rng, batched):
    """float32 MFCC: the rfft's builtin RFFT2D (length 400) switched to opbridge's and
    fused with its reshapes into one RFFT node, complex64 StridedSlice custom; everything
    else builtins."""
    shape = [2, None] if batched else [None]
    concrete, model = convert(tf, mfcc_pipeline(tf), shape, tf.float32)
    assert tflite_model.custom_op_counts(model) == {"RFFT": 2, "StridedSlice": 1}
    inputs = [audio(rng, ([2, n] if batched else [n]), np.float32) for n in LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F32_BOUND, worst


def test_inverse_stft_round_trip_float32(tf, rng):
    concrete, model = convert(tf, round_trip(tf), [None], tf.float32)
    assert tflite_model.custom_op_counts(model) == {"RFFT": 1, "IRFFT": 1, "StridedSlice": 2}
    inputs = [audio(rng, [n], np.float32) for n in LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F32_BOUND, worst
    # The round trip itself: the interior (away from the first and last frame) comes back.
    x = inputs[0]
    y = run_tflite(model, [x], "litert")["output_0"]
    np.testing.assert_allclose(y[FRAME:-FRAME], x[FRAME : len(y) - FRAME], atol=1e-5)


def test_inverse_stft_round_trip_float64(tf, rng):
    """float64: the converter leaves every float64 op custom (GatherV2, Mul, Pad,
    Transpose, Sum, StridedSlice) and RFFT2D (fused into RFFT by opbridge) and IRFFT in
    complex128."""
    concrete, model = convert(tf, round_trip(tf), [None], tf.float64)
    assert tflite_model.custom_op_counts(model) == {
        "StridedSlice": 3,
        "GatherV2": 1,
        "Mul": 2,
        "RFFT": 1,
        "IRFFT": 1,
        "Pad": 1,
        "Transpose": 1,
        "Sum": 1,
    }
    inputs = [audio(rng, [n], np.float64) for n in LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F64_BOUND, worst
    x = inputs[0]
    y = run_tflite(model, [x], "tf")["output_0"]
    np.testing.assert_allclose(y[FRAME:-FRAME], x[FRAME : len(y) - FRAME], atol=1e-12)


@pytest.mark.parametrize("batched", [False, True])
def test_stft_float64(tf, rng, batched):
    shape = [2, None] if batched else [None]
    concrete, model = convert(tf, stft_only(tf), shape, tf.float64)
    assert tflite_model.custom_op_counts(model) == {"StridedSlice": 1, "GatherV2": 1, "Mul": 1, "RFFT": 1}
    inputs = [audio(rng, ([2, n] if batched else [n]), np.float64) for n in LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F64_BOUND, worst


def test_fnet_backbone(tf, rng):
    """keras-hub's FNet (Fourier token mixing: the real part of a 2-D FFT over sequence and
    hidden dims), tiny config, random weights: Complex and FFT2D stay custom; dynamic batch and
    sequence length, inputs fed by index in the model's input order."""
    import keras
    import keras_hub

    keras.utils.set_random_seed(20261130)
    backbone = keras_hub.models.FNetBackbone(
        vocabulary_size=100,
        num_layers=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=12,
        num_segments=2,
    )
    model = opbridge.convert(backbone)
    assert tflite_model.custom_op_counts(model) == {"Complex": 2, "FFT2D": 2}
    names = [i.name for i in backbone.inputs]
    for batch, seq in ((2, 12), (3, 7)):
        feed = {
            "token_ids": rng.integers(0, 100, (batch, seq)).astype(np.int32),
            "segment_ids": rng.integers(0, 2, (batch, seq)).astype(np.int32),
        }
        want = {k: np.asarray(v) for k, v in backbone(feed).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [feed[n] for n in names], runtime)
            for key, w in want.items():
                assert got[key].shape == w.shape, key
                scale = float(np.abs(w).max())
                assert float(np.abs(got[key] - w).max()) <= F32_BOUND * scale, (runtime, key, seq)


# keras-hub's audio converters (preprocessing layers), 1 s windows at 16 kHz so the models stay
# small; batches of 2 at lengths that pad, fit exactly, truncate, and hold no audio at all.
CONVERTER_LENGTHS = [8123, RATE, RATE + 3001, 0]


def keras_converter_model(tf, layer):
    concrete, model = convert(tf, lambda audio: layer(audio), [None, None], tf.float32)
    return concrete, model


def test_whisper_audio_converter(tf, rng):
    """Whisper: pads/truncates each waveform with RaggedTensor.to_tensor (RaggedTensorToTensor,
    ROW_SPLITS, constant shape [-1, 16000]), reflect-pads, STFT with fft_length 400 (RFFT2D
    switched to opbridge's and fused into one RFFT node, complex64 StridedSlice dropping
    the last frame), 80 mels, log10, clamp to max - 8."""
    import keras_hub

    layer = keras_hub.layers.WhisperAudioConverter(num_mels=80, sampling_rate=RATE, max_audio_length=1)
    concrete, model = keras_converter_model(tf, layer)
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": 1, "RFFT": 1, "StridedSlice": 1}
    inputs = [audio(rng, [2, n], np.float32) for n in CONVERTER_LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F32_BOUND, worst


def test_gemma4_audio_converter(tf, rng):
    """Gemma4: trim/zero-pad, semicausal pad, framed by gather, complex FFT of length 512 (Complex
    and FFT custom), magnitude, 128 mels, log with a floor.

    A log-mel bin in a deep spectral null amplifies float32 FFT rounding: on some inputs TF's
    own float32 result is 3e-5 (of the output's scale) away from the float64 one while
    opbridge's stays within 4e-6. So the model is also held to the float64 layer."""
    import keras_hub

    layer = keras_hub.layers.Gemma4AudioConverter(sampling_rate=RATE, max_audio_length=1)
    concrete, model = keras_converter_model(tf, layer)
    assert tflite_model.custom_op_counts(model) == {"Complex": 1, "FFT": 1}
    inputs = [audio(rng, [2, n], np.float32) for n in CONVERTER_LENGTHS]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) <= F32_BOUND, worst
    exact = keras_hub.layers.Gemma4AudioConverter(sampling_rate=RATE, max_audio_length=1, dtype="float64")
    for x in inputs:
        want = np.asarray(exact(tf.constant(x.astype(np.float64))))
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)["output_0"]
            error = float(np.abs(got - want).max()) / float(np.abs(want).max())
            assert error <= F32_BOUND, (runtime, x.shape, error)


def test_moonshine_audio_converter(tf, rng):
    """Moonshine feeds raw samples to its encoder (a reshape): builtins only, exact."""
    import keras_hub

    layer = keras_hub.layers.MoonshineAudioConverter(sampling_rate=RATE)
    concrete, model = keras_converter_model(tf, layer)
    assert tflite_model.custom_op_counts(model) == {}
    inputs = [audio(rng, [2, n], np.float32) for n in (8123, RATE)]
    worst = worst_errors(tf, concrete, model, inputs)
    assert max(worst.values()) == 0.0, worst
