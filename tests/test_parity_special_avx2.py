"""The elementwise kernels with a runtime-dispatched AVX2 path (float32 Atanh, Erfinv,
Ndtri, Digamma, Spence, Opbridge>Expm1 and Opbridge>Log1p; float64 Expm1 and Log1p) against TF, densely,
on both paths: AVX2 where the CPU has it, and baseline x86-64 (forced with
OPBRIDGE_NO_AVX2=1, which the kernels read once per process, hence a subprocess per path).

The AVX2 path evaluates Eigen's packet algorithm 8 lanes wide without FMA, as
TF's AVX build does, and the last n % 8 elements through the scalar function,
as TF's Eigen does: TF's bits exactly (Digamma and Spence: TF's scalar function in
lanes, every element). The baseline path runs the same
algorithm 4 lanes wide: the same bits except in the tail (last n % 8) where it
switches to the scalar function at another point, and for Erfinv, where TF's
AVX Eigen computes 1/z with the rcp estimate and a Newton step but SSE Eigen
without FMA divides (a few ulp: the tolerance of test_parity_special_functions).

Opbridge>Expm1 and Opbridge>Log1p keep float32 within 1 ulp of the float64 function
rather than TF's float32 formula: their AVX2+FMA path evaluates in double and rounds
once (TF's float64 result, rounded, exactly), the baseline runs the C library's
float functions (within 1 ulp of it).
"""

from __future__ import annotations

import functools
import subprocess
import sys

import numpy as np
import pytest

from conftest import kernel_path_env


def dense_inputs(rng) -> dict[str, np.ndarray]:
    """Per op: random values over its domain (both: [-1, 1], dense near +-1) and out
    of it, edges and specials;
    no subnormals (TF flushes them to zero, the TFLite interpreter does not; the
    per-op parity tests cover them). Lengths are 5 mod 8: a scalar tail."""
    specials = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, np.inf, -np.inf, np.nan]
    atanh = np.concatenate(
        [
            rng.uniform(-1, 1, 200000),
            1 - np.exp(rng.uniform(-17, 0, 20000)),
            -1 + np.exp(rng.uniform(-17, 0, 20000)),
            rng.uniform(-3, 3, 5000),
            np.nextafter(np.float32(0.5), np.float32([0, 1])),
            specials,
        ]
    )
    tiny = np.exp(rng.uniform(-80, -10, 5000)) * rng.choice([-1, 1], 5000)  # normal floats
    expm1 = np.concatenate([rng.standard_normal(100000) * 30, rng.uniform(-1, 1, 50000), tiny, specials])
    expm1 = np.concatenate([expm1, [88.72, 88.73, -104.0, 1e30, -1e30, 2.0**-25, -(2.0**-25)]])
    log1p = np.concatenate(
        [
            -1 + np.exp(rng.uniform(-40, 0, 30000)),
            np.exp(rng.uniform(-60, 88, 100000)),
            rng.uniform(-1, 2, 50000),
            tiny,
            specials,
            [-1.0000001, -3.0, 3e38, 2.0**-25, -(2.0**-25)],
        ]
    )
    digamma = np.concatenate(
        [
            rng.standard_normal(100000) * 5,
            rng.uniform(-30, 30, 50000),
            np.exp(rng.uniform(-20, 20, 20000)) * rng.choice([-1, 1], 20000),
            -np.arange(0, 40) - 0.5,  # the reflection's nz == 1/2 case
            -np.arange(0, 40, dtype=np.float64),  # poles
            [9.999999, 10.0, 1e8, 1.01e8, 1e30, -1e30, 3e38],
            specials,
        ]
    )
    # Spence's branches: x < 0, 0, 1, y = x or 1/x below/above 1/2 and 3/2, x above 3/2.
    spence = np.concatenate(
        [
            rng.uniform(0, 3, 100000),
            np.exp(rng.uniform(-30, 30, 50000)),
            rng.uniform(-2, 0, 2000),
            np.nextafter(np.float32([0.5, 1.5, 2.0, 1.0, 2 / 3]), np.float32([[0], [9]])).ravel(),
            [0.5, 1.5, 2.0, 2 / 3, 3e38, 1e-30, 2e-38],
            specials,
        ]
    )
    found = {
        "Atanh": atanh,
        "Digamma": digamma,
        "Spence": spence,
        "Erfinv": atanh,
        "Ndtri": (atanh + 1) / 2,
        "Opbridge>Expm1": expm1,
        "Opbridge>Log1p": log1p,
    }
    return {op: x[: len(x) // 8 * 8 - 3].astype(np.float32) for op, x in found.items()}


def run_kernels(xs: dict[str, np.ndarray], tmp_path, baseline: bool) -> dict[str, np.ndarray]:
    for i, x in enumerate(xs.values()):
        np.save(tmp_path / f"{i}.npy", x)
    script = (
        "import sys, numpy as np\n"
        "from opbridge import tflite_model\n"
        "from opbridge.running import run_tflite\n"
        "for i, op in enumerate(sys.argv[1:]):\n"
        "    x = np.load(f'{i}.npy')\n"
        "    spec = [('x', x.shape, np.float32)]\n"
        "    m = tflite_model.single_custom_op_model(op, spec, [('y', x.shape, np.float32)])\n"
        "    np.save(f'{i}.out.npy', list(run_tflite(m, [x], num_threads=2).values())[0])\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, *xs], cwd=tmp_path, env=kernel_path_env(baseline), check=True
    )
    return {op: np.load(tmp_path / f"{i}.out.npy") for i, op in enumerate(xs)}


TF_FN = {
    "Atanh": "atanh",
    "Erfinv": "erfinv",
    "Ndtri": "ndtri",
    "Digamma": "digamma",
    "Spence": "special.spence",
}
FLOAT64_FN = {"Opbridge>Expm1": "expm1", "Opbridge>Log1p": "log1p"}
BASELINE_EXACT = {"Atanh", "Digamma", "Spence"}


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float32_kernels_give_tf_bits(tf, rng, path, tmp_path):
    xs = {op: x for op, x in dense_inputs(rng).items() if op in TF_FN}
    got = run_kernels(xs, tmp_path, baseline=path == "baseline")
    for op, x in xs.items():
        want = functools.reduce(getattr, TF_FN[op].split("."), tf.math)(x).numpy()
        packets = len(x) // 8 * 8
        # NaN lanes compared as NaN (their bit patterns are Eigen's and libm's, not TF's contract).
        for lo, hi in ((0, packets), (packets, len(x))):
            g, w = got[op][lo:hi], want[lo:hi]
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=op)
            if path == "auto" or (lo == 0 and op in BASELINE_EXACT):
                np.testing.assert_array_equal(g[~np.isnan(g)], w[~np.isnan(w)], err_msg=op)
            else:
                np.testing.assert_allclose(g, w, rtol=1e-6, atol=0, err_msg=op)


def float32_ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Distance in float32 steps (finite values; infinities and NaN must match exactly)."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    return np.abs(got[finite].astype(np.float64) - want[finite]) / np.spacing(np.abs(want[finite]))


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float32_expm1_log1p_round_the_float64_function(tf, rng, path, tmp_path):
    xs = {op: x for op, x in dense_inputs(rng).items() if op in FLOAT64_FN}
    got = run_kernels(xs, tmp_path, baseline=path == "baseline")
    for op, x in xs.items():
        want = getattr(tf.math, FLOAT64_FN[op])(x.astype(np.float64)).numpy().astype(np.float32)
        ulps = float32_ulps(got[op], want)
        if path == "auto":
            np.testing.assert_array_equal(ulps, 0, err_msg=op)
        else:
            assert ulps.max() <= 1, op


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_packet_formulas_give_tf_bits(tf, rng, path, tmp_path):
    """Atan, Asin, Acos and Erf in float32 evaluate Eigen's packet functors: with AVX2 from
    the isolated AVX2 build (ops/math/packet_exprs_avx2.cc: 8-lane packets without FMA,
    TF's), bit for bit TF's on a length of whole packets. The baseline build (4 SSE2 lanes)
    gives the same bits for Asin, Acos and Erf; for Atan at |x| > 1 Eigen's SSE reciprocal is
    a division where its AVX one is rcp plus a Newton step: up to 4 ulp apart (measured)."""
    from conftest import run_tflite_in_process
    from opbridge.conversion import convert_model

    n = 60000
    x = np.concatenate(
        [
            rng.uniform(-1, 1, n),
            rng.standard_normal(n) * 5,
            np.exp(rng.uniform(-40, 30, n)) * rng.choice([-1, 1], n),
            [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-40],
        ]
    ).astype(np.float32)
    x = x[: len(x) // 64 * 64]
    fns = {"atan": tf.math.atan, "asin": tf.math.asin, "acos": tf.math.acos, "erf": tf.math.erf}

    def fn(v):
        return {name: f(v) for name, f in fns.items()}

    fn = tf.function(fn, input_signature=[tf.TensorSpec(x.shape, tf.float32)])
    got = run_tflite_in_process(convert_model(fn).model, [x], tmp_path, baseline=path == "baseline")
    for name, want in ((k, v.numpy()) for k, v in fn(x).items()):
        g = got[name]
        np.testing.assert_array_equal(np.isnan(g), np.isnan(want), err_msg=name)
        g, want = g[~np.isnan(g)], want[~np.isnan(want)]
        if path == "baseline" and name == "atan":
            assert float32_ulps(g, want).max() <= 4, name
        else:
            np.testing.assert_array_equal(g.view(np.uint32), want.view(np.uint32), err_msg=name)


def float64_inputs(rng, name: str) -> np.ndarray:
    """Per function: random values over the ranges that take different paths, edges, specials.
    No subnormals: TF itself gives x or 0 for them by position (its packet path and the C library
    under flush-to-zero differ); test_parity_expm1_log1p holds those within 2 ulp of TF."""
    n = 40000
    specials = [0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan, 2.0**-54, 2.0**-53, 2.3e-308, 1.0, 3.0]
    near_zero = np.exp(rng.uniform(-140, 0, n)) * rng.choice([-1, 1], n)
    if name == "log1p":
        parts = [
            rng.uniform(-1, 4, n),
            -1 + np.exp(rng.uniform(-36, 0, n)),  # near -1
            np.exp(rng.uniform(0, 700, n)),
            [np.finfo(np.float64).max, np.sqrt(2) - 1, np.sqrt(0.5) - 1],
        ]
    else:
        ln2 = np.log(2.0)
        parts = [
            rng.uniform(-2, 2, n),
            rng.uniform(-60, 709.78, n),
            rng.uniform(-800, -30, n // 4),
            (np.arange(-80, 1025) + 0.5) * ln2,  # every reduction step's edge
            [709.782712893383973096, 709.7827128933841, 37.3216, -37.5, -60.0, -60.5, 1e300, -1e300],
        ]
    return np.concatenate([near_zero, *parts, specials])


@pytest.mark.parametrize("name", ["expm1", "log1p"])
@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_float64_expm1_log1p_within_one_ulp(tf, rng, path, name, tmp_path):
    """float64 Expm1 and Log1p: with AVX2+FMA the vectorized forms (ops/math/expm1_double_avx2.h,
    log1p_double_avx2.h), else the C library's functions per element. Both within 1 ulp of the
    function in long double (80-bit x87 here: a reference 11 bits more precise), and each
    element's value independent of its position (lanes alone: an input shifted by one gives the
    same values shifted)."""
    from conftest import run_tflite_in_process
    from opbridge.conversion import convert_model

    x = float64_inputs(rng, name)
    fn = tf.function(getattr(tf.math, name), input_signature=[tf.TensorSpec([None], tf.float64)])
    model = convert_model(fn).model
    runs = []
    for part, values in (("all", x), ("shifted", x[1:])):
        (tmp_path / part).mkdir()
        runs.append(run_tflite_in_process(model, [values], tmp_path / part, baseline=path == "baseline"))
    got, shifted = runs
    (y,), (y_shifted,) = got.values(), shifted.values()
    np.testing.assert_array_equal(y[1:].view(np.uint64), y_shifted.view(np.uint64))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exact = getattr(np, name)(x.astype(np.longdouble))
    np.testing.assert_array_equal(np.isnan(y), np.isnan(exact))
    # Beyond double's range the long double is finite where the double result is inf.
    rounded = exact.astype(np.float64)
    infinite = ~np.isfinite(rounded) & ~np.isnan(exact)
    np.testing.assert_array_equal(y[infinite], rounded[infinite])
    finite = np.isfinite(rounded)
    spacing = np.spacing(np.abs(rounded[finite])).astype(np.longdouble)
    ulps = np.abs(y[finite].astype(np.longdouble) - exact[finite]) / spacing
    assert float(ulps.max()) < 1.0, path
