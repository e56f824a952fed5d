"""The speech front end of TF's speech_commands models: DecodeWav, AudioSpectrogram and Mfcc
(tf.audio.decode_wav, tf.raw_ops.AudioSpectrogram, tf.raw_ops.Mfcc), TF's kernels against
opbridge's in both LiteRT runtimes, inputs fed by index:
- AudioSpectrogram over window/stride settings (powers of two and not, stride above the window,
  window 2, sqrt or squared), audio of noise, pure tones, an impulse and DC, multi-channel,
  shorter than a window, empty. TF transforms with Ooura's rdft, we with our own double FFT:
  noise-like audio agrees bitwise; elsewhere an element may be the neighbouring float or, in bins
  below double precision's resolution of the frame's peak, different rounding noise
  (NOISE_FLOOR, docs/ops/audio_spectrogram.md). Bad attrs fail with TF's errors.
- Mfcc bitwise over filterbank/DCT settings, sample rates (one where TF's filterbank gives all
  zeros), zero and NaN spectrogram values, empty inputs, and TF's initialization errors.
- DecodeWav bytewise over channel/sample settings and hand-made files: JUNK/bext chunks, an
  18-byte format chunk, chunks after the data, a ragged data chunk, offset wrap-around, and
  every header error with TF's message.
- EncodeWav bytewise (rounding steps, NaN/inf, wrapped header fields) and TF's errors.
- The speech_commands front end end to end: WAV bytes -> decode_wav -> AudioSpectrogram ->
  Mfcc in one model."""

from __future__ import annotations

import re
import struct

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

# AudioSpectrogram's agreement with TF (docs/ops/audio_spectrogram.md): every element is TF's
# float, or the next one either way (the double result within the FFT's rounding of a float
# rounding boundary), or differs by less than one double ulp of its frame's largest bin (squared
# magnitudes): a bin that near zero (a DC or pure-tone frame's empty bins) is both FFTs' rounding
# noise, whose bits no double FFT but Ooura's own reproduces. Measured worst: 2^-77 of the frame's
# peak; noise-like audio and impulses agree bitwise.
NOISE_FLOOR = 2.0**-53
SPECTROGRAM_CONFIGS = {
    "w480_s160_sq": (480, 160, True),
    "w480_s160": (480, 160, False),
    "w256_s128_sq": (256, 128, True),
    "w400_s160_sq": (400, 160, True),
    "w1000_s300_sq": (1000, 300, True),
    "w2048_s512": (2048, 512, False),
    "w3_s5_sq": (3, 5, True),  # stride above the window
    "w2_s1": (2, 1, False),
    "w9_s4_sq": (9, 4, True),
}


def float_ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Distance in float32 units in the last place (ordered bit patterns)."""

    def ordered(a: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(a, np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.abs(ordered(got) - ordered(want))


def assert_spectrogram_close(got: np.ndarray, want: np.ndarray, squared: bool, context: str) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, (context, got.shape, want.shape)
    if not want.size:
        return
    ulps = float_ulps(got, want)
    g, w = got.astype(np.float64), want.astype(np.float64)
    if not squared:
        g, w = g * g, w * w
    peak = w.max(axis=-1, keepdims=True)
    ok = (ulps <= 1) | (np.abs(g - w) <= NOISE_FLOOR * peak)
    assert ok.all(), (
        f"{context}: {np.sum(~ok)} elements off by more than 1 ulp above the noise floor, e.g. got "
        f"{got[~ok][:3]}, TF {want[~ok][:3]}"
    )


def tf_message(tf, fn, *args) -> str:
    """TF's kernel error text for fn(*args), without the function prefix and the op suffix."""
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(*args)
    text = re.sub(r"^\{\{function_node [^}]*\}\} ", "", info.value.message.split("\n")[0])
    return re.sub(r" \[Op:.*$", "", text)


def assert_runtimes_fail(model: bytes, inputs, op: str, message: str) -> None:
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as info:
            run_tflite(model, inputs, runtime)
        assert f"{op}: {message}" in str(info.value), (runtime, message, str(info.value))


def speech_like(rng: np.random.Generator, n: int, channels: int) -> np.ndarray:
    """Noise shaped by slow envelopes, quantized to 16-bit steps as decoded audio is."""
    t = np.arange(n)[:, None] / 16000.0
    envelope = np.abs(np.sin(2 * np.pi * (1.5 + np.arange(channels)) * t)) + 0.05
    x = rng.standard_normal((n, channels)) * 6000 * envelope
    return (np.clip(np.round(x), -32768, 32767) / 32768).astype(np.float32)


def tones(n: int, channels: int) -> np.ndarray:
    t = np.arange(n)[:, None] / 16000.0
    return (0.5 * np.sin(2 * np.pi * 440 * (1 + np.arange(channels)) * t)).astype(np.float32)


def test_audio_spectrogram(tf, rng):
    def fn(x):
        return {
            name: tf.raw_ops.AudioSpectrogram(input=x, window_size=w, stride=s, magnitude_squared=sq)
            for name, (w, s, sq) in SPECTROGRAM_CONFIGS.items()
        }

    model = convert_fn(fn, ([None, None], tf.float32))
    assert tflite_model.custom_op_counts(model) == {"AudioSpectrogram": len(SPECTROGRAM_CONFIGS)}
    f = tf.function(fn)
    cases = {
        "speech 1 s stereo": speech_like(rng, 16000, 2),
        "tones 1 s": tones(16000, 1),
        "tones 3 channels": tones(5000, 3),
        "uniform noise": rng.uniform(-1, 1, (3001, 1)).astype(np.float32),
        "impulse": np.eye(1, 4096, 100, dtype=np.float32).T.copy(),
        "dc": np.full((5000, 1), 0.25, np.float32),
        "shorter than most windows": speech_like(rng, 300, 2),
        "one sample": np.array([[0.25]], np.float32),
        "no samples": np.zeros((0, 2), np.float32),
        "no channels": np.zeros((700, 0), np.float32),
    }
    for label, x in cases.items():
        want = {k: v.numpy() for k, v in f(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name, (_, _, squared) in SPECTROGRAM_CONFIGS.items():
                assert_spectrogram_close(got[name], want[name], squared, f"[{runtime}] {label} {name}")


def with_attrs(model: bytes, op: str, **attrs) -> bytes:
    """The model with its (only) `op` node's attrs changed: TF's shape functions refuse the bad
    values these tests need before a graph holding them exists, so the converted model is edited."""
    (use,) = [u for u in tflite_model.custom_ops(model) if u.name == op]
    options = flexbuffers.Loads(use.options)
    options.update(attrs)
    return tflite_model.replace_custom_options(model, op, flexbuffers.Dumps(options))


def test_audio_spectrogram_attr_errors(tf):
    x = np.zeros((100, 1), np.float32)
    model = convert_fn(
        lambda a: tf.raw_ops.AudioSpectrogram(input=a, window_size=4, stride=2), ([None, None], tf.float32)
    )
    for window, stride in [(1, 1), (0, 4), (4, 0), (8, -3), (2**31, 1)]:
        message = tf_message(
            tf, lambda a, w=window, s=stride: tf.raw_ops.AudioSpectrogram(input=a, window_size=w, stride=s), x
        )
        bad = with_attrs(model, "AudioSpectrogram", window_size=window, stride=stride)
        assert_runtimes_fail(bad, [x], "AudioSpectrogram", message)


MFCC_CONFIGS = {
    "default": {},
    "speech_commands": dict(upper_frequency_limit=7600, lower_frequency_limit=20, dct_coefficient_count=40),
    "fb64_dct13_low0": dict(lower_frequency_limit=0, upper_frequency_limit=8000, filterbank_channel_count=64),
    "fb1_dct1": dict(filterbank_channel_count=1, dct_coefficient_count=1, upper_frequency_limit=1000),
    "fb80_dct80": dict(filterbank_channel_count=80, dct_coefficient_count=80, lower_frequency_limit=125.5),
}


def test_mfcc(tf, rng):
    def fn(spectrogram, rate):
        return {
            name: tf.raw_ops.Mfcc(spectrogram=spectrogram, sample_rate=rate, **attrs)
            for name, attrs in MFCC_CONFIGS.items()
        }

    model = convert_fn(fn, ([None, None, None], tf.float32), ([], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"Mfcc": len(MFCC_CONFIGS)}
    f = tf.function(fn)
    audio = speech_like(rng, 16000, 2)
    spec = tf.raw_ops.AudioSpectrogram(
        input=audio, window_size=480, stride=160, magnitude_squared=True
    ).numpy()
    small = tf.raw_ops.AudioSpectrogram(
        input=audio[:2000], window_size=256, stride=256, magnitude_squared=True
    )
    odd = spec[:1, :7].copy()
    odd[0, 0] = 0  # every channel at the log floor
    odd[0, 1, ::3] = np.nan
    odd[0, 2] *= 1e-30
    cases = [
        (spec, 16000),
        (spec, 44100),
        (spec, 8000),
        (spec, 7000),  # TF's filterbank reaches past the spectrogram: every coefficient 0
        (small.numpy(), 16000),
        (odd, 16000),
        (spec[:, :0], 16000),
        (spec[:0], 16000),
        (rng.uniform(0, 10, (1, 3, 2)).astype(np.float32), 16000),  # two bins, the fewest allowed
    ]
    for spectrogram, rate in cases:
        inputs = [spectrogram, np.int32(rate)]
        want = {k: v.numpy() for k, v in f(*inputs).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for name in MFCC_CONFIGS:
                np.testing.assert_array_equal(
                    got[name], want[name], err_msg=f"[{runtime}] {spectrogram.shape} rate {rate} {name}"
                )
    # TF's initialization errors: rates <= 0, fewer than 2 bins.
    for spectrogram, rate in [(spec, 0), (spec, -16000), (spec[:, :, :1], 16000)]:
        message = tf_message(
            tf, lambda s, r: tf.raw_ops.Mfcc(spectrogram=s, sample_rate=r), spectrogram, rate
        )
        assert_runtimes_fail(model, [spectrogram, np.int32(rate)], "Mfcc", message)


def test_mfcc_attr_errors(tf):
    spec = np.ones((1, 2, 257), np.float32)
    model = convert_fn(
        lambda s, r: tf.raw_ops.Mfcc(spectrogram=s, sample_rate=r),
        ([None, None, None], tf.float32),
        ([], tf.int32),
    )
    for attrs in [
        dict(filterbank_channel_count=5, dct_coefficient_count=6),
        dict(dct_coefficient_count=0),
        dict(filterbank_channel_count=0),
        dict(dct_coefficient_count=-3),
        dict(lower_frequency_limit=-1.0),
        dict(lower_frequency_limit=300.0, upper_frequency_limit=300.0),
        dict(dct_coefficient_count=2**31),
    ]:
        message = tf_message(
            tf, lambda s, r, a=attrs: tf.raw_ops.Mfcc(spectrogram=s, sample_rate=r, **a), spec, 16000
        )
        bad = with_attrs(model, "Mfcc", **attrs)
        assert_runtimes_fail(bad, [spec, np.int32(16000)], "Mfcc", message)


# ---- WAV files ----


def chunk(cid: bytes, body: bytes, size: int | None = None) -> bytes:
    return cid + struct.pack("<I", len(body) if size is None else size) + body


def fmt_chunk(channels: int, rate: int, **over: int) -> bytes:
    v = dict(size=16, format=1, channels=channels, rate=rate, bits=16)
    v.update(over)
    frame = over.get("frame", 2 * v["channels"])
    per_second = over.get("per_second", frame * v["rate"])
    body = struct.pack("<HHIIHH", v["format"], v["channels"], v["rate"], per_second, frame, v["bits"])
    if v["size"] == 18:
        body += b"\x00\x00"
    return chunk(b"fmt ", body, v["size"])


def wav(samples: np.ndarray, rate: int = 16000, *, before=b"", after=b"", fmt=None, data=None) -> bytes:
    """A RIFF/WAVE file of int16 samples [frames, channels], with extra chunks around."""
    body = (
        b"WAVE"
        + before
        + (fmt if fmt is not None else fmt_chunk(samples.shape[1], rate))
        + (data if data is not None else chunk(b"data", samples.astype("<i2").tobytes()))
        + after
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def contents(b: bytes) -> np.ndarray:
    """A 0-d string of exactly these bytes as the TFLite runtimes take it: set_tensor copies a 0-d
    array's buffer, trailing NULs included. (TF gets the bytes themselves: numpy's bytes_ scalar
    drops trailing NULs when TF converts it, and most WAV files end in one.)"""
    return np.array(b, dtype=f"S{len(b)}")


DECODE_CONFIGS = {
    "file": {},
    "mono": dict(desired_channels=1),
    "three_channels": dict(desired_channels=3),
    "samples_100": dict(desired_samples=100),
    "samples_3_stereo": dict(desired_samples=3, desired_channels=2),
    "nothing": dict(desired_samples=0, desired_channels=0),
}


def valid_files(rng: np.random.Generator) -> dict[str, bytes]:
    def pcm(frames: int, channels: int) -> np.ndarray:
        s = rng.integers(-32768, 32768, (frames, channels)).astype(np.int16)
        s.ravel()[:2] = [-32768, 32767]
        return s

    mono, stereo, five = pcm(1000, 1), pcm(3, 2), pcm(7, 5)
    return {
        "mono 16 kHz": wav(mono),
        "stereo 44.1 kHz": wav(stereo, 44100),
        "five channels": wav(five, 8000),
        "junk and bext first": wav(
            mono[:50], before=chunk(b"JUNK", b"\x00" * 28) + chunk(b"bext", b"abc\x01")
        ),
        "18-byte fmt": wav(stereo, fmt=fmt_chunk(2, 22050, size=18)),
        "chunks around the data": wav(
            mono[:20],
            before=b"",
            after=chunk(b"LIST", b"INFOxxxx"),
            data=chunk(b"fact", b"\x10\x00\x00\x00") + chunk(b"data", mono[:20].astype("<i2").tobytes()),
        ),
        "empty data": wav(np.zeros((0, 2), np.int16)),
        # A ragged data chunk: its odd byte starts the next chunk's id.
        "ragged data": wav(mono[:4], data=chunk(b"data", mono[:4].astype("<i2").tobytes() + b"x", 9))
        + b"YZW\x00\x00\x00\x00",
        # A skip past 2^31 wraps TF's int offset negative, which ends the scan.
        "offset wrap": wav(mono[:4], after=chunk(b"LIST", b"", 0x7FFFFFFF)),
        "stereo samples ending in NUL": wav(np.zeros((5, 2), np.int16)),
    }


def bad_files(rng: np.random.Generator) -> dict[str, bytes]:
    s = rng.integers(-32768, 32768, (10, 1)).astype(np.int16)
    good = wav(s)
    return {
        "empty": b"",
        "short": b"RIF",
        "not RIFF": b"RIFX" + good[4:],
        "not WAVE": good[:8] + b"WAVX" + good[12:],
        "header only": good[:12],
        "unexpected field": wav(s, before=chunk(b"LIST", b"abcd")),
        "junk past the end": wav(s, before=chunk(b"JUNK", b"", 1000)),
        # TF adds a skip in 64 bits before narrowing: no wrap back into the file.
        "junk of 2^32 - 1 bytes": wav(s, before=chunk(b"JUNK", b"", 0xFFFFFFFF)),
        "fmt size 20": wav(s, fmt=fmt_chunk(1, 16000, size=20) + b"\x00" * 4),
        "float format": wav(s, fmt=fmt_chunk(1, 16000, format=3)),
        "no channels": wav(s, fmt=fmt_chunk(0, 16000, frame=2)),
        "8 bits": wav(s, fmt=fmt_chunk(1, 16000, bits=8, frame=1)),
        "bad frame size": wav(s, fmt=fmt_chunk(1, 16000, frame=4)),
        "bad byte rate": wav(s, fmt=fmt_chunk(1, 16000, per_second=1234)),
        # TF compares in 64 bits: the 32-bit field's wrapped value is refused.
        "wrapped byte rate": wav(s, fmt=fmt_chunk(2, 2**31 - 1, per_second=(4 * (2**31 - 1)) % 2**32)),
        "no data": wav(s, data=b""),
        "two data chunks": wav(s, after=chunk(b"data", b"\x00\x00")),
        "data past the end": wav(s, data=chunk(b"data", s.astype("<i2").tobytes(), 100)),
        "huge chunk": wav(s, after=chunk(b"LIST", b"", 0x80000000)),
        "truncated chunk header": good + b"LIS",
        "ragged data at the end": wav(s, data=chunk(b"data", s.astype("<i2").tobytes() + b"x", 21)),
    }


def test_decode_wav(tf, rng):
    def fn(c):
        out = {}
        for name, attrs in DECODE_CONFIGS.items():
            audio, rate = tf.audio.decode_wav(c, **attrs)
            out[name], out[name + "_rate"] = audio, rate
        return out

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeWav": len(DECODE_CONFIGS)}
    f = tf.function(fn)
    for label, b in valid_files(rng).items():
        want = {k: v.numpy() for k, v in f(tf.constant(b)).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [contents(b)], runtime)
            assert set(got) == set(want)
            for k, w in want.items():
                assert got[k].dtype == w.dtype and got[k].shape == w.shape, (runtime, label, k)
                np.testing.assert_array_equal(got[k], w, err_msg=f"[{runtime}] {label} {k}")
    decode = tf.function(lambda c: tf.audio.decode_wav(c))
    for b in bad_files(rng).values():
        message = tf_message(tf, decode, tf.constant(b))
        if b:  # the Python runtimes cannot feed an empty 0-d string
            assert_runtimes_fail(model, [contents(b)], "DecodeWav", message)
        else:
            assert message == "Data too short when trying to read string", message


def test_decode_wav_binary_ids(tf, rng):
    """TF puts a bad chunk id's bytes in its message as they are; ours writes bytes outside
    printable ASCII as \\xNN, so the runtimes' Python can decode the message (raw bytes made
    their invoke raise UnicodeDecodeError instead of the op's error, as TF's own eager call does)."""
    s = rng.integers(-100, 100, (4, 1)).astype(np.int16)
    model = convert_fn(lambda c: tf.audio.decode_wav(c), ([], tf.string))
    cases = [
        (wav(s, before=chunk(b"\x97\xe0a\x00", b"")), "Unexpected field ", r"Unexpected field \x97\xe0a\x00"),
        (
            b"RI\xffF" + wav(s)[4:],
            "Header mismatch: Expected RIFF but found ",
            r"Header mismatch: Expected RIFF but found RI\xffF",
        ),
    ]
    for b, tf_prefix, ours in cases:
        # TF's own Python fails to decode its message of raw bytes, but for the printable ones.
        with pytest.raises((UnicodeDecodeError, tf.errors.InvalidArgumentError)) as info:
            tf.audio.decode_wav(tf.constant(b))
        assert isinstance(info.value, UnicodeDecodeError) or tf_prefix in info.value.message
        assert_runtimes_fail(model, [contents(b)], "DecodeWav", ours)


def test_decode_wav_attr_errors(tf, rng):
    """TF checks desired_* after parsing the file: a bad file's error comes first."""
    good = wav(rng.integers(-100, 100, (10, 2)).astype(np.int16))
    model = convert_fn(lambda c: tf.audio.decode_wav(c), ([], tf.string))
    for b, attrs in [
        (good, dict(desired_channels=-2)),
        (good, dict(desired_samples=-5)),
        (good, dict(desired_samples=2**31)),
        (good[:20], dict(desired_channels=-2)),
    ]:
        message = tf_message(tf, lambda c, a=attrs: tf.raw_ops.DecodeWav(contents=c, **a), tf.constant(b))
        bad = with_attrs(model, "DecodeWav", **attrs)
        assert_runtimes_fail(bad, [contents(b)], "DecodeWav", message)


def test_speech_commands_front_end(tf, rng):
    """tf.function(WAV bytes) -> decode_wav -> AudioSpectrogram -> Mfcc, as speech_commands'
    models embed it: one model, clips of 1 s, shorter (zero-padded by desired_samples) and
    stereo (mixed down to the first channel)."""

    def fn(c):
        audio, rate = tf.audio.decode_wav(c, desired_channels=1, desired_samples=16000)
        spectrogram = tf.raw_ops.AudioSpectrogram(
            input=audio, window_size=480, stride=160, magnitude_squared=True
        )
        mfcc = tf.raw_ops.Mfcc(
            spectrogram=spectrogram,
            sample_rate=rate,
            dct_coefficient_count=40,
            upper_frequency_limit=7600,
            lower_frequency_limit=20,
            filterbank_channel_count=40,
        )
        return {"spectrogram": spectrogram, "mfcc": mfcc}

    model = convert_fn(fn, ([], tf.string))
    assert tflite_model.custom_op_counts(model) == {"DecodeWav": 1, "AudioSpectrogram": 1, "Mfcc": 1}
    f = tf.function(fn)
    clips = [
        np.round(speech_like(rng, 16000, 1) * 32768).astype(np.int16),
        np.round(speech_like(rng, 9000, 2) * 32768).astype(np.int16),
        np.round(tones(16000, 2) * 16000).astype(np.int16),
        np.full((16000, 1), 1000, np.int16),  # DC: its empty bins are rounding noise
        np.zeros((12000, 1), np.int16),
    ]
    for clip in clips:
        b = wav(clip)
        want = {k: v.numpy() for k, v in f(tf.constant(b)).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [contents(b)], runtime)
            assert_spectrogram_close(
                got["spectrogram"], want["spectrogram"], True, f"[{runtime}] {clip.shape}"
            )
            # Bitwise even where the spectrogram's noise-floor bins differ (measured; a bin that
            # small adds nothing to a mel sum of magnitudes).
            np.testing.assert_array_equal(got["mfcc"], want["mfcc"], err_msg=f"[{runtime}] {clip.shape}")


def one_string(value) -> bytes:
    """A 0-d string output's bytes (TF gives bytes, the runtimes a 0-d array)."""
    return value if isinstance(value, bytes) else bytes(np.asarray(value, dtype=object).item())


def test_encode_wav(tf, rng):
    """EncodeWav byte for byte (clamping, rounding, NaN and infinities, 40000 channels whose frame
    size overflows its 16-bit field, a rate whose byte rate overflows 32 bits, no frames), and
    decode_wav of the result in the same model; TF's errors for bad rates and channel counts."""

    def fn(audio, rate):
        contents = tf.audio.encode_wav(audio, rate)
        decoded, decoded_rate = tf.audio.decode_wav(contents)
        return {"contents": contents, "decoded": decoded, "rate": decoded_rate}

    model = convert_fn(fn, ([None, None], tf.float32), ([], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"EncodeWav": 1, "DecodeWav": 1}
    f = tf.function(fn)
    special = np.array([[np.nan, np.inf], [-np.inf, 1.0], [-1.0, 0.99999], [1.5e-5, -1.5e-5], [2.0, -3.0]])
    # Every rounding case near a step: k / 32768 and the halves between.
    steps = (np.arange(-70000, 70000) / 65536.0).reshape(-1, 2)
    model_only = convert_fn(
        lambda a, r: tf.audio.encode_wav(a, r), ([None, None], tf.float32), ([], tf.int32)
    )
    cases = [
        (special.astype(np.float32), 16000),
        (steps.astype(np.float32), 44100),
        (rng.uniform(-1.2, 1.2, (999, 3)).astype(np.float32), 8000),
        (np.zeros((0, 3), np.float32), 16000),
    ]
    for audio, rate in cases:
        inputs = [audio, np.int32(rate)]
        want = {k: v.numpy() for k, v in f(*inputs).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            assert one_string(got["contents"]) == one_string(want["contents"]), (
                runtime,
                audio.shape,
                rate,
            )
            np.testing.assert_array_equal(got["decoded"], want["decoded"])
            assert got["rate"] == want["rate"]
    # TF's own decode_wav refuses these (a frame size or byte rate field wrapped): encoded only.
    for wide in [
        [rng.uniform(-1, 1, (2, 40000)).astype(np.float32), np.int32(22050)],
        [rng.uniform(-1, 1, (5, 2)).astype(np.float32), np.int32(2**31 - 1)],
    ]:
        want = one_string(tf.audio.encode_wav(*wide).numpy())
        for runtime in RUNTIMES:
            assert one_string(run_tflite(model_only, wide, runtime)["output_0"]) == want, runtime
    for audio, rate in [
        (np.zeros((3, 1), np.float32), 0),
        (np.zeros((3, 1), np.float32), -5),
        (np.zeros((3, 0), np.float32), 16000),
        (np.zeros((1, 70000), np.float32), 8000),
    ]:
        message = tf_message(tf, lambda a, r: tf.audio.encode_wav(a, r), audio, np.int32(rate))
        assert_runtimes_fail(model_only, [audio, np.int32(rate)], "EncodeWav", message)


def escaped(text: str) -> str:
    """TF's message as ours writes it: bytes outside printable ASCII as \\xNN."""
    return "".join(c if " " <= c < "\x7f" else "".join(f"\\x{b:02x}" for b in c.encode()) for c in text)


def test_decode_wav_corrupted_files(tf, rng):
    """Random damage (bytes overwritten, header fields set to extremes, truncation, bytes
    appended) to small WAV files: each decodes to TF's floats or fails with TF's error."""
    model = convert_fn(lambda c: tf.audio.decode_wav(c, desired_channels=2), ([], tf.string))
    decode = tf.function(lambda c: tf.audio.decode_wav(c, desired_channels=2))
    base = [
        wav(rng.integers(-32768, 32768, (6, 2)).astype(np.int16)),
        wav(rng.integers(-32768, 32768, (5, 1)).astype(np.int16), before=chunk(b"JUNK", b"ab")),
        wav(rng.integers(-32768, 32768, (3, 3)).astype(np.int16), fmt=fmt_chunk(3, 8000, size=18)),
    ]
    outcomes = {"same": 0, "same error": 0}
    for _ in range(150):
        b = bytearray(base[int(rng.integers(len(base)))])
        kind = int(rng.integers(4))
        if kind == 0:
            for _ in range(int(rng.integers(1, 4))):
                b[int(rng.integers(len(b)))] = int(rng.integers(256))
        elif kind == 1:
            at = int(rng.choice([4, 16, 20, 22, 24, 28, 32, 34, 40]))
            if at + 4 <= len(b):
                b[at : at + 4] = struct.pack(
                    "<I", int(rng.choice([0, 1, 17, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]))
                )
        elif kind == 2:
            del b[int(rng.integers(1, len(b))) :]
        else:
            b += bytes(rng.integers(0, 256, int(rng.integers(1, 12)), dtype=np.uint8))
        b = bytes(b)
        try:
            want = [x.numpy() for x in decode(tf.constant(b))]
            error = None
        except tf.errors.InvalidArgumentError as e:
            # (TF's text ends at a NUL byte of a chunk id; ours goes on, escaped.)
            text = re.sub(r"^\{\{function_node [^}]*\}\} ", "", e.message.split("\n")[0])
            want, error = None, escaped(re.sub(r" \[Op:.*$", "", text))
        except UnicodeDecodeError:
            want, error = None, ""  # TF's message held raw bytes; ours is escaped
        for runtime in RUNTIMES:
            if want is not None:
                got = run_tflite(model, [contents(b)], runtime)
                audio, rate = got.values()
                np.testing.assert_array_equal(audio, want[0], err_msg=f"{runtime} {b!r}")
                assert rate == want[1]
                outcomes["same"] += 1
            else:
                with pytest.raises(RuntimeError) as info:
                    run_tflite(model, [contents(b)], runtime)
                assert f"DecodeWav: {error}" in str(info.value), (runtime, b, error, str(info.value))
                outcomes["same error"] += 1
    assert outcomes["same"] and outcomes["same error"], outcomes
