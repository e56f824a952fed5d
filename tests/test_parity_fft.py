"""FFT, IFFT, FFT2D, IFFT2D, FFT3D, IFFT3D: TFLite kernels vs TF's own kernels and a
float64 reference, through tf.signal.fft/ifft/fft2d/ifft2d/fft3d/ifft3d."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, run_tflite_in_process
from opbridge import tflite_model
from opbridge.testing import run_tflite

# Even, odd, powers of two, mixed radix, primes (direct radix up to 61, Bluestein above).
LENGTHS = [1, 2, 3, 7, 12, 13, 16, 60, 61, 97, 100, 400, 509, 512, 1000]
DTYPES = [np.complex64, np.complex128]
# complex64: our worst error against a float64 reference (relative to the output's scale)
# may be at most TF's own (DUCC's) worst error on the same data, plus half an ulp.
# complex128: the float64 bound, relative to the output's scale.
F64_BOUND = 1e-12


def spectrum(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def reference(kind, x):
    """numpy's float64 transform over the op's inner dims."""
    rank = {"": 1, "2d": 2, "3d": 3}[kind.removeprefix("i").removeprefix("fft")]
    axes = tuple(range(-rank, 0))
    x = x.astype(np.complex128)
    if x.size == 0:
        return x
    return np.fft.ifftn(x, axes=axes) if kind.startswith("i") else np.fft.fftn(x, axes=axes)


def check_accuracy(label, dtype, want_tf, got, ref):
    """got (ours) against the float64 reference, within what TF's kernel achieves on it."""
    assert got.shape == want_tf.shape == ref.shape and got.dtype == want_tf.dtype, label
    if ref.size == 0:
        return 0.0
    scale = max(float(np.abs(ref).max()), 1e-30)
    ours = float(np.abs(got - ref).max()) / scale
    theirs = float(np.abs(want_tf - ref).max()) / scale
    if dtype == np.complex64:
        assert ours <= theirs + 2.0**-24, f"{label}: ours {ours:.3g}, TF {theirs:.3g}"
        np.testing.assert_allclose(got, want_tf, rtol=0, atol=(ours + theirs) * scale * 1.01, err_msg=label)
    else:
        assert ours <= F64_BOUND, f"{label}: ours {ours:.3g}"
    return ours


def run_everywhere(tf, fn, inputs, runtimes=RUNTIMES):
    """TF's outputs (through the concrete function) and each runtime's, by output index."""
    signature = [
        tf.TensorSpec(x.shape, tf.as_dtype(x.dtype), name=f"input_{i}") for i, x in enumerate(inputs)
    ]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    want = [np.asarray(v) for v in tf.nest.flatten(concrete(*[tf.constant(x) for x in inputs]))]
    model = opbridge.convert(concrete)
    got = {}
    for runtime in runtimes:
        out = run_tflite(model, inputs, runtime)
        got[runtime] = [out[f"output_{i}"] for i in range(len(want))]
    return model, want, got


@pytest.mark.parametrize("dtype", DTYPES, ids=["complex64", "complex128"])
def test_fft_and_ifft_over_lengths(tf, rng, dtype):
    """One model: FFT and IFFT of (4, n) for every length."""
    inputs = [spectrum(rng, (4, n), dtype) for n in LENGTHS]

    def fn(*xs):
        return [tf.signal.fft(x) for x in xs] + [tf.signal.ifft(x) for x in xs]

    model, want, got = run_everywhere(tf, fn, inputs)
    assert tflite_model.custom_op_counts(model) == {"FFT": len(LENGTHS), "IFFT": len(LENGTHS)}
    for runtime, outs in got.items():
        for i, kind in enumerate(["fft"] * len(LENGTHS) + ["ifft"] * len(LENGTHS)):
            x = inputs[i % len(LENGTHS)]
            check_accuracy(f"{runtime} {kind} n={x.shape[-1]}", dtype, want[i], outs[i], reference(kind, x))


CASES_2D = [(2, 6, 10), (3, 7, 13), (1, 16, 9), (4, 1, 5), (2, 61, 4), (20, 20)]
CASES_3D = [(2, 3, 4, 5), (5, 7, 2, 9), (1, 1, 1, 1, 6), (8, 8, 8), (2, 3, 13, 1)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["complex64", "complex128"])
def test_2d_and_3d_transforms(tf, rng, dtype):
    inputs = [spectrum(rng, s, dtype) for s in CASES_2D + CASES_3D]
    kinds = ["fft2d", "ifft2d"] * len(CASES_2D) + ["fft3d", "ifft3d"] * len(CASES_3D)
    ops = {
        "fft2d": tf.signal.fft2d,
        "ifft2d": tf.signal.ifft2d,
        "fft3d": tf.signal.fft3d,
        "ifft3d": tf.signal.ifft3d,
    }

    def fn(*xs):
        return [ops[k](xs[i // 2]) for i, k in enumerate(kinds)]

    model, want, got = run_everywhere(tf, fn, inputs)
    counts = {
        "FFT2D": len(CASES_2D),
        "IFFT2D": len(CASES_2D),
        "FFT3D": len(CASES_3D),
        "IFFT3D": len(CASES_3D),
    }
    assert tflite_model.custom_op_counts(model) == counts
    for runtime, outs in got.items():
        for i, kind in enumerate(kinds):
            x = inputs[i // 2]
            check_accuracy(f"{runtime} {kind} {x.shape}", dtype, want[i], outs[i], reference(kind, x))


@pytest.mark.parametrize("dtype", DTYPES, ids=["complex64", "complex128"])
def test_batch_dims_and_empty_tensors(tf, rng, dtype):
    """No batch dims, several batch dims, an empty batch and an empty transform axis."""
    cases = [
        ("fft", (8,)),
        ("ifft", (2, 3, 2, 12)),
        ("fft", (0, 8)),
        ("ifft", (3, 0)),
        ("fft2d", (4, 5)),
        ("ifft2d", (2, 2, 3, 3, 6)),
        ("fft2d", (0, 4, 4)),
        ("fft3d", (3, 4, 5)),
        ("ifft3d", (2, 1, 2, 3, 4)),
    ]
    ops = {k: getattr(tf.signal, k) for k, _ in cases}
    inputs = [spectrum(rng, s, dtype) for _, s in cases]

    def fn(*xs):
        return [ops[k](x) for (k, _), x in zip(cases, xs, strict=True)]

    model, want, got = run_everywhere(tf, fn, inputs)
    # Transforms of empty tensors stay custom ops (the converter does not fold them).
    assert sum(tflite_model.custom_op_counts(model).values()) == len(cases)
    for runtime, outs in got.items():
        for i, (kind, shape) in enumerate(cases):
            check_accuracy(f"{runtime} {kind} {shape}", dtype, want[i], outs[i], reference(kind, inputs[i]))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_shapes(tf, rng, runtime):
    """Shapes unknown at conversion: one model serves every length and batch."""
    fn = tf.function(
        lambda a, b, c: (tf.signal.fft(a), tf.signal.ifft2d(b), tf.signal.fft3d(c)),
        input_signature=[
            tf.TensorSpec([None, None], tf.complex64),
            tf.TensorSpec([None, None, None], tf.complex128),
            tf.TensorSpec(None, tf.complex64),
        ],
    )
    model = opbridge.convert(fn)
    assert tflite_model.custom_op_counts(model) == {"FFT": 1, "IFFT2D": 1, "FFT3D": 1}
    for n, shape_2d, shape_3d in [
        (7, (3, 5, 9), (2, 3, 4)),
        (400, (1, 97, 2), (2, 2, 3, 5, 7)),
        (1, (2, 1, 1), (1, 1, 1)),
    ]:
        a = spectrum(rng, (3, n), np.complex64)
        b = spectrum(rng, shape_2d, np.complex128)
        c = spectrum(rng, shape_3d, np.complex64)
        want = [v.numpy() for v in fn(a, b, c)]
        out = run_tflite(model, [a, b, c], runtime)
        got = [out[f"output_{i}"] for i in range(3)]
        for kind, x, w, g, dtype in zip(
            ["fft", "ifft2d", "fft3d"],
            [a, b, c],
            want,
            got,
            [np.complex64, np.complex128, np.complex64],
            strict=True,
        ):
            check_accuracy(f"{kind} {x.shape}", dtype, w, g, reference(kind, x))


# complex64 lengths TF's DUCC kernel transforms by Bluestein's algorithm in float, as ours
# does (fft_axes.h): primes above 64 where the padded convolution is the cheaper, 2 * 509.
BLUESTEIN_CASES = [
    ("fft", (3, 509)),
    ("ifft", (9, 127)),
    ("fft", (1, 1018)),
    ("ifft", (2, 3, 251)),
    ("fft2d", (2, 131, 10)),
    ("ifft2d", (3, 6, 251)),
    ("fft3d", (2, 127, 3, 4)),
    ("ifft3d", (1, 4, 131, 9)),
]


# complex64 lengths of 256 or more whose prime factors are 2, 3, 5, 7: computed in float, as
# TF's DUCC kernel does (fft_axes.h), on the last axis and on outer axes, with radix-2, 3,
# 5 and 7 passes (1024 = 4^5, 2048 = 4^5 * 2, 768 = 4^4 * 3, 1000, 256 * 7 = 1792).
SMOOTH_FLOAT_CASES = [
    ("fft", (3, 1024)),
    ("ifft", (9, 768)),
    ("fft", (2, 2048)),
    ("ifft", (2, 3, 1000)),
    ("fft2d", (2, 256, 10)),
    ("ifft2d", (3, 6, 400)),
    ("fft3d", (1, 1792, 2, 3)),
    ("ifft3d", (1, 2, 256, 9)),
]


@pytest.mark.parametrize("cases", [BLUESTEIN_CASES, SMOOTH_FLOAT_CASES], ids=["bluestein", "radix_2_to_7"])
def test_lengths_computed_in_float_are_as_accurate_as_tf(tf, rng, cases):
    """Batches that fill 8-line groups and leave some over, outer axes of 8 adjacent lines."""
    ops = {k: getattr(tf.signal, k) for k, _ in cases}
    inputs = [spectrum(rng, s, np.complex64) for _, s in cases]

    def fn(*xs):
        return [ops[k](x) for (k, _), x in zip(cases, xs, strict=True)]

    model, want, got = run_everywhere(tf, fn, inputs)
    assert sum(tflite_model.custom_op_counts(model).values()) == len(cases)
    for runtime, outs in got.items():
        for i, (kind, shape) in enumerate(cases):
            ref = reference(kind, inputs[i])
            check_accuracy(f"{runtime} {kind} {shape}", np.complex64, want[i], outs[i], ref)


@pytest.mark.parametrize("n", [509, 400, 97])
def test_a_row_has_the_same_bits_alone_and_in_a_batch(tf, rng, n):
    """Rows run in groups of 8 (float, Bluestein), 4 (double) or alone (the rest): the same bits."""
    fn = tf.function(lambda a: tf.signal.fft(a), input_signature=[tf.TensorSpec([None, n], tf.complex64)])
    model = opbridge.convert(fn)
    batch = spectrum(rng, (11, n), np.complex64)
    together = run_tflite(model, [batch])["output_0"]
    for row in range(batch.shape[0]):
        alone = run_tflite(model, [batch[row : row + 1]])["output_0"]
        np.testing.assert_array_equal(alone[0], together[row], err_msg=f"row {row}")


def test_threads_do_not_change_results(tf, rng):
    fn = tf.function(
        lambda a, b, c: (tf.signal.fft(a), tf.signal.ifft(b), tf.signal.ifft2d(c)),
        input_signature=[
            tf.TensorSpec([None, None], tf.complex64),
            tf.TensorSpec([None, None], tf.complex64),
            tf.TensorSpec([None, None, None], tf.complex64),
        ],
    )
    model = opbridge.convert(fn)
    inputs = [spectrum(rng, (203, 400), np.complex64), spectrum(rng, (203, 509), np.complex64)]
    inputs.append(spectrum(rng, (9, 97, 60), np.complex64))
    one = run_tflite(model, inputs, num_threads=1)
    four = run_tflite(model, inputs, num_threads=4)
    for name in one:
        np.testing.assert_array_equal(one[name], four[name])


# Lengths whose plans take every pass kind: radix 4 and 2 (512, odd pass count), 3 and 5 (400, 60),
# 7, direct primes 11 and 61 (paired at run time), Bluestein in double (1018 as complex128) and
# in float (509 as complex64); complex128 lines moved by AVX2 (complex128_lines_avx2.h): rows
# of even and odd length, adjacent lines of outer axes, groups that straddle two outer indices.
ISA_CASES = [
    ("fft", (9, 512), np.complex64),
    ("ifft", (5, 400), np.complex64),
    ("fft", (6, 7 * 11), np.complex128),
    ("ifft", (5, 61), np.complex128),
    ("fft", (11, 509), np.complex64),
    ("fft", (3, 1018), np.complex128),
    ("fft2d", (3, 60, 13), np.complex64),
    ("ifft3d", (2, 8, 12, 61), np.complex128),
    ("ifft", (6, 256), np.complex128),
    ("fft2d", (3, 24, 10), np.complex128),
    # complex64 outer axes of 256 run in float, 8 adjacent lines in AVX2 (complex64_lines_avx2.h),
    # lines 20 and 520 apart (the latter beyond a page: the next lines prefetched).
    ("fft2d", (2, 256, 20), np.complex64),
    ("ifft2d", (1, 256, 520), np.complex64),
]


def runs_on_every_path(model, inputs, tmp_path):
    """The model's outputs from three processes: the default paths (AVX-512 where the CPU has
    it), AVX2 (OPBRIDGE_NO_AVX512=1) and the baseline (OPBRIDGE_NO_AVX2=1)."""
    runs = {}
    for name, baseline, env in (
        ("avx512", False, {}),
        ("avx2", False, {"OPBRIDGE_NO_AVX512": "1"}),
        ("baseline", True, {}),
    ):
        workdir = tmp_path / name
        workdir.mkdir()
        runs[name] = run_tflite_in_process(model, inputs, workdir, baseline=baseline, extra_env=env)
    return runs


def test_instruction_set_paths_give_the_same_bits(tf, rng, tmp_path):
    """The passes run on 64-byte vectors where the CPU has AVX-512 (fft.h PassAvx512), on
    32-byte ones with AVX2 (OPBRIDGE_NO_AVX512=1) and on 16-byte ones on the baseline
    (OPBRIDGE_NO_AVX2=1): each value sees the same operations in the same order on every
    path, so the three give the same bits (and stay within TF's accuracy)."""
    ops = {k: getattr(tf.signal, k) for k, _, _ in ISA_CASES}
    inputs = [spectrum(rng, shape, dtype) for _, shape, dtype in ISA_CASES]

    def fn(*xs):
        return [ops[k](x) for (k, _, _), x in zip(ISA_CASES, xs, strict=True)]

    model, want, _ = run_everywhere(tf, fn, inputs, runtimes=[])
    runs = runs_on_every_path(model, inputs, tmp_path)
    for i, (kind, shape, dtype) in enumerate(ISA_CASES):
        label = f"{kind} {shape} {np.dtype(dtype).name}"
        got = runs["avx512"][f"output_{i}"]
        np.testing.assert_array_equal(got, runs["avx2"][f"output_{i}"], err_msg=f"{label}: AVX-512 vs AVX2")
        np.testing.assert_array_equal(got, runs["baseline"][f"output_{i}"], err_msg=f"{label}: vs baseline")
        check_accuracy(label, dtype, want[i], got, reference(kind, inputs[i]))


# Real transforms: float32 rows go through the AVX2 gather and the AVX-512 pairwise untangling
# (real_lanes.h) from n = 8 on; n = 2, 6 and odd n take only the plain loops.
REAL_ISA_CASES = [(7, 400), (5, 100), (6, 18), (4, 2), (5, 6), (3, 15), (4, 12)]


def test_real_transforms_give_the_same_bits_on_every_instruction_set(tf, rng, tmp_path):
    """rfft of float32 and float64 rows (groups of 4 and a remainder) on the AVX-512, AVX2 and
    baseline paths: the same bits, within TF's accuracy."""
    inputs = [rng.standard_normal(shape).astype(np.float32) for shape in REAL_ISA_CASES]
    inputs.append(rng.standard_normal((6, 400)))

    def fn(*xs):
        return [tf.signal.rfft(x) for x in xs]

    model, want, _ = run_everywhere(tf, fn, inputs, runtimes=[])
    runs = runs_on_every_path(model, inputs, tmp_path)
    for i, x in enumerate(inputs):
        label = f"rfft {x.shape} {x.dtype}"
        got = runs["avx512"][f"output_{i}"]
        np.testing.assert_array_equal(got, runs["avx2"][f"output_{i}"], err_msg=f"{label}: AVX-512 vs AVX2")
        np.testing.assert_array_equal(got, runs["baseline"][f"output_{i}"], err_msg=f"{label}: vs baseline")
        ref = np.fft.rfft(x.astype(np.float64), axis=-1)
        dtype = np.complex64 if x.dtype == np.float32 else np.complex128
        check_accuracy(label, dtype, want[i], got, ref)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nan_and_inf_reach_what_they_reach_in_tf(tf, rng, runtime):
    """A NaN or Inf input makes its row non-finite in both; clean rows are unaffected."""
    x = spectrum(rng, (3, 12), np.complex64)
    x[1, 5] = complex(np.nan, 0)
    x[2, 0] = complex(np.inf, 1)
    fn = tf.function(tf.signal.fft, input_signature=[tf.TensorSpec(x.shape, tf.complex64)])
    want = fn(x).numpy()
    got = run_tflite(opbridge.convert(fn), [x], runtime)["output_0"]
    assert np.isnan(got[1]).all() and np.isnan(want[1]).all()
    assert (~np.isfinite(got[2])).all() and (~np.isfinite(want[2])).all()
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-5)


def fft_model(op, shape, dtype=np.complex64, options=None):
    from flatbuffers import flexbuffers

    return tflite_model.single_custom_op_model(
        op, [("input", shape, dtype)], [("output", shape, dtype)], options=flexbuffers.Dumps(options or {})
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_name_the_op_and_the_problem(tf, runtime):
    cases = [
        (fft_model("FFT", []), r"FFT: input 'input' must have rank >= 1, got shape \[\]"),
        (fft_model("FFT2D", [4]), r"FFT2D: input 'input' must have rank >= 2, got shape \[4\]"),
        (fft_model("IFFT3D", [2, 2]), r"IFFT3D: input 'input' must have rank >= 3, got shape \[2, 2\]"),
    ]
    for model, message in cases:
        interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
        with pytest.raises(RuntimeError, match=message):
            interpreter.allocate_tensors()
    # TF refuses the same inputs.
    with pytest.raises((tf.errors.InvalidArgumentError, ValueError), match="rank"):
        tf.raw_ops.FFT2D(input=np.ones(4, np.complex64))
