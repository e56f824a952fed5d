"""FakeQuantWithMinMaxVarsPerChannel, FakeQuantWithMinMaxVars and FakeQuantWithMinMaxArgs against TF's
kernels, bit for bit, in both runtimes (and on two threads): one model carries every num_bits
(2..16) with and without narrow_range for each op: per channel and Vars with min and max fed as
tensors, Args and Vars of constant ranges. All three run the Opbridge> substitutes opbridge.convert
puts in, since the converter emits QUANTIZE/DEQUANTIZE for Args and constant Vars, and adds a
QUANTIZE/DEQUANTIZE pair after a per-channel node of constant ranges; their other numbers are
shown here (TF's names, for conversions without substitutes, are checked too). Inputs: values
on and between the levels (and 1-2 ulp around each turning point), beyond the range, signed zeros,
infinities, NaN; ranges that hold 0 or not, inverted, empty (0, 0), NaN."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

BITS = [(b, narrow) for b in range(2, 17) for narrow in (False, True)]
# Constant ranges of the Args and constant-Vars outputs, cycled over BITS.
RANGES = [(-1.3, 2.1), (0.0, 1.0), (-2.0, -0.5), (0.3, 1.7), (-6.0, 6.0), (-1e-3, 2e-3), (-100.0, 3.0)]


def same_bits(want: np.ndarray, got: np.ndarray, context: str) -> None:
    assert want.shape == got.shape and want.dtype == got.dtype, (context, want.shape, got.shape)
    w, g = want.reshape(-1), got.reshape(-1)
    nan = np.isnan(w)
    bad = (nan != np.isnan(g)) | (~nan & (w.view("u4") != g.view("u4")))
    if bad.any():
        i = int(np.argmax(bad))
        raise AssertionError(
            f"{context}: {int(bad.sum())} of {w.size} differ; first at {i}: tf={w[i]!r} got={g[i]!r}"
        )


def fake_quant_fn(tf):
    def fn(x, mins, maxs, lo, hi):
        out = {}
        for k, (bits, narrow) in enumerate(BITS):
            tag = f"{bits}{'n' if narrow else ''}"
            a, b = RANGES[k % len(RANGES)]
            q = dict(num_bits=bits, narrow_range=narrow)
            out[f"channel_{tag}"] = tf.quantization.fake_quant_with_min_max_vars_per_channel(
                x, mins, maxs, **q
            )
            out[f"vars_{tag}"] = tf.quantization.fake_quant_with_min_max_vars(x, lo, hi, **q)
            out[f"args_{tag}"] = tf.quantization.fake_quant_with_min_max_args(x, a, b, **q)
            out[f"vars_const_{tag}"] = tf.quantization.fake_quant_with_min_max_vars(
                x, tf.constant(a, tf.float32), tf.constant(b, tf.float32), **q
            )
        return out

    return fn


def level_boundaries(ranges: list[tuple[float, float]]) -> np.ndarray:
    """Values where rounding turns over for each (num_bits, narrow_range) and range: the nudged
    min plus (k + 1/2) scales, in float32 as TF computes them, and their neighbours 1 and 2 ulp
    away (a quantizer whose inverse scale is 1 ulp off rounds some of them the other way)."""
    f = np.float32
    out = []
    for bits, narrow in BITS:
        qmin, qmax = f(1 if narrow else 0), f(2**bits - 1)
        for lo, hi in ranges:
            lo, hi = f(lo), f(hi)
            if not (lo < hi and np.isfinite(hi - lo)):
                continue
            scale = (hi - lo) / (qmax - qmin)
            zero = float(np.clip(np.round(qmin - lo / scale), qmin, qmax))
            nudged_min = (qmin - f(zero)) * scale
            k = np.linspace(0, qmax - qmin - 1, 12).astype(np.float32)
            edges = nudged_min + (k + f(0.5)) * scale
            for step in (-2, -1, 0, 1, 2):
                out.append(edges + step * np.spacing(edges))
    return np.concatenate(out).astype(np.float32)


def inputs_cases(rng: np.random.Generator) -> list[list[np.ndarray]]:
    """[x [n, 6], mins [6], maxs [6], lo, hi] sets."""
    cases = []
    channel_ranges = [
        ([-1.3, 0.0, -2.0, 0.3, 0.0, 1.0], [2.1, 1.0, -0.5, 1.7, 0.0, -1.0]),  # (0, 0) and inverted channels
        ([-6.0, -1e-3, -100.0, np.nan, 0.5, -0.2], [6.0, 2e-3, 3.0, 1.0, 0.5, np.inf]),  # NaN, equal, inf
    ]
    scalar_ranges = [
        (-1.3, 2.1),
        (0.0, 0.0),
        (0.3, 1.7),
        (1.0, -1.0),
        (0.5, 0.5),
        (np.nan, 1.0),
        (-2.0, -0.5),
    ]
    for n, (mins, maxs) in enumerate(channel_ranges):
        for lo, hi in scalar_ranges[n::2]:
            rows = [5, 37, 1, 0][len(cases) % 4]
            x = rng.uniform(-3, 3, (rows, 6))
            # Values on level boundaries (half levels of common scales) and exact levels.
            grid = np.linspace(-2.5, 2.5, 6 * 64).reshape(64, 6) if rows else np.zeros((0, 6))
            x = np.concatenate([x, grid]) if rows else x
            if rows:
                x[0] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40]
            if rows > 1:
                ranges = [*RANGES, *zip(mins, maxs, strict=True), (lo, hi)]
                edges = level_boundaries(ranges)
                x = np.concatenate([x, np.repeat(edges[:, None], 6, axis=1)])
            cases.append(
                [
                    x.astype(np.float32),
                    np.array(mins, np.float32),
                    np.array(maxs, np.float32),
                    np.float32(lo),
                    np.float32(hi),
                ]
            )
    return cases


def test_fake_quant_gives_tf_bits(tf, rng):
    fn = fake_quant_fn(tf)
    specs = [
        ([None, 6], tf.float32),
        ([6], tf.float32),
        ([6], tf.float32),
        ([], tf.float32),
        ([], tf.float32),
    ]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    n = len(BITS)
    assert counts == {
        "Opbridge>FakeQuantWithMinMaxVarsPerChannel": n,
        "Opbridge>FakeQuantWithMinMaxArgs": n,
        "Opbridge>FakeQuantWithMinMaxVars": 2 * n,  # computed and constant ranges alike
    }, counts
    reference = tf.function(fn, input_signature=[tf.TensorSpec(s, d) for s, d in specs])
    for k, inputs in enumerate(inputs_cases(rng)):
        want = {name: v.numpy() for name, v in reference(*inputs).items()}
        for runtime in RUNTIMES:
            for threads in (1, 2) if runtime == "litert" else (1,):
                got = run_tflite(model, inputs, runtime, num_threads=threads)
                for name, w in want.items():
                    same_bits(w, got[name], f"[{runtime} {threads}T] case {k} {name}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_per_channel_errors(tf, runtime):
    """min or max of another size than the last dim: TF's errors, naming the op."""

    def fn(x, mins, maxs):
        return tf.quantization.fake_quant_with_min_max_vars_per_channel(x, mins, maxs, num_bits=4)

    # (The converter refuses a model whose sizes could differ; the inputs are resized at run time.)
    model = convert_fn(fn, ([None, 3], tf.float32), ([3], tf.float32), ([3], tf.float32))
    x = np.ones((2, 3), np.float32)
    with pytest.raises(
        RuntimeError, match=r"FakeQuantWithMinMaxVarsPerChannel.*min has incorrect size, expected 3 was 2"
    ):
        run_tflite(model, [x, np.zeros(2, np.float32), np.ones(3, np.float32)], runtime)
    with pytest.raises(RuntimeError, match="max has incorrect size, expected 3 was 4"):
        run_tflite(model, [x, np.zeros(3, np.float32), np.ones(4, np.float32)], runtime)


def test_stock_converter_and_quantizing_conversions(tf):
    """Why Args and constant Vars are substituted: the stock converter's QUANTIZE/DEQUANTIZE pair
    ignores narrow_range (measured: 0.82 -> 0.857 where TF gives 1.0 at 2 bits). A quantizing
    opbridge.convert keeps TF's FakeQuant nodes for the converter to read (no substitute)."""
    fn = tf.function(
        lambda v: tf.quantization.fake_quant_with_min_max_args(v, 0.0, 1.0, num_bits=8, narrow_range=True),
        input_signature=[tf.TensorSpec([None], tf.float32)],
    )
    concrete = fn.get_concrete_function()
    stock = tf.lite.TFLiteConverter.from_concrete_functions([concrete], concrete).convert()
    assert tflite_model.custom_op_counts(stock) == {}
    x = np.linspace(-0.5, 1.5, 41).astype(np.float32)
    (builtin,) = run_tflite(stock, [x], "litert").values()
    want = fn(x).numpy()
    assert (builtin != want).sum() > 5
    # TF's name, as a conversion without substitutes leaves computed-range Vars.
    vars_fn = tf.function(
        lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars(
            v, lo, hi, num_bits=3, narrow_range=True
        ),
        input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.float32)] * 1
        + [tf.TensorSpec([], tf.float32)],
    )
    plain = opbridge.convert(vars_fn, substitute=False)
    assert tflite_model.custom_op_counts(plain) == {"FakeQuantWithMinMaxVars": 1}
    for lo, hi in [(-1.3, 2.1), (0.0, 0.0), (0.5, 0.5)]:
        args = [x, np.float32(lo), np.float32(hi)]
        for runtime in RUNTIMES:
            (got,) = run_tflite(plain, args, runtime).values()
            same_bits(vars_fn(*args).numpy(), got, f"[{runtime}] Vars {lo} {hi}")
    quantized = opbridge.convert(fn, quantize="float16")
    assert "Opbridge>FakeQuantWithMinMaxArgs" not in tflite_model.custom_op_counts(quantized)


def test_per_channel_constant_ranges(tf, rng):
    """A quantization-aware model exported as float: per-channel ranges are constants. The stock
    converter keeps TF's op and adds a QUANTIZE/DEQUANTIZE pair of its own after it, which moves
    values a level (measured); opbridge.convert substitutes Opbridge>FakeQuantWithMinMaxVarsPerChannel,
    after which the converter adds nothing. TF's name, which a conversion without substitutes
    keeps, gives TF's bits where the ranges are tensors."""
    mins = np.array([-1.0, -2.0, 0.0, -0.3], np.float32)
    maxs = np.array([1.0, 2.0, 3.0, 0.7], np.float32)
    x = rng.uniform(-3, 4, (64, 4)).astype(np.float32)
    for bits, narrow in [(8, False), (8, True), (4, False), (16, True)]:
        fn = tf.function(
            lambda v, b=bits, n=narrow: tf.quantization.fake_quant_with_min_max_vars_per_channel(
                v, tf.constant(mins), tf.constant(maxs), num_bits=b, narrow_range=n
            ),
            input_signature=[tf.TensorSpec([None, 4], tf.float32)],
        )
        want = fn(x).numpy()
        if bits == 8 and not narrow:
            concrete = fn.get_concrete_function()
            converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], concrete)
            converter.allow_custom_ops = True
            stock = converter.convert()
            assert {"QUANTIZE", "DEQUANTIZE"} <= set(tflite_model.op_histogram(stock))
            (builtin,) = run_tflite(stock, [x], "litert").values()
            assert (builtin != want).sum() > 5
        model = opbridge.convert(fn)
        assert tflite_model.op_histogram(model) == {"Opbridge>FakeQuantWithMinMaxVarsPerChannel": 1}
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            same_bits(want, got, f"[{runtime}] {bits} bits narrow={narrow}")
    tensors = tf.function(
        lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars_per_channel(v, lo, hi, num_bits=5),
        input_signature=[tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([4], tf.float32)] * 1
        + [tf.TensorSpec([4], tf.float32)],
    )
    plain = opbridge.convert(tensors, substitute=False)
    assert tflite_model.custom_op_counts(plain) == {"FakeQuantWithMinMaxVarsPerChannel": 1}
    for runtime in RUNTIMES:
        (got,) = run_tflite(plain, [x, mins, maxs], runtime).values()
        same_bits(tensors(x, mins, maxs).numpy(), got, f"[{runtime}] TF's name")
