"""Where aarch64's outputs differ from x86-64's bits: both against TF's outputs.

The expected cause is Eigen's packet math: TF's x86 build (and opbridge's
x86-64 kernels, which keep TF's bits) evaluate transcendental functions with
AVX/SSE packets, aarch64 with NEON packets of another width, whose polynomial
and range-reduction steps round differently in the last bits. Such a seed
passes when aarch64's outputs are as close to TF's as the parity tests ask of
a kernel that is not bit-exact (RTOL/ATOL below, the tests' usual float
tolerance); the report also gives the largest distance in ulps for both
builds, so docs/aarch64.md can say how far each op moved.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12, np.dtype(np.float16): 1e-3}
ATOL = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-12, np.dtype(np.float16): 1e-3}


def ulps(a: np.ndarray, b: np.ndarray) -> int:
    """Largest distance in units in the last place (real parts of complex values)."""
    if np.iscomplexobj(a):
        return max(ulps(a.real, b.real), ulps(a.imag, b.imag))
    both = np.isfinite(a) & np.isfinite(b)
    if not both.any():
        return 0
    a, b = a[both], b[both]
    spacing = np.spacing(np.maximum(np.abs(a), np.abs(b)).astype(a.dtype))
    return int(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)) / spacing))


def tf_outputs(tf: Any, case: Any) -> dict[str, np.ndarray]:
    """TF's outputs under the signature names opbridge.convert gives them."""
    result = case.fn(*[tf.constant(a) for a in case.inputs])
    if isinstance(result, dict):
        return {k: np.asarray(v) for k, v in result.items()}
    if hasattr(result, "_fields"):  # a raw op's named outputs (tf.raw_ops.Qr: q, r)
        return {k: np.asarray(v) for k, v in zip(result._fields, result, strict=True)}
    if isinstance(result, (list, tuple)):
        return {f"output_{i}": np.asarray(v) for i, v in enumerate(result)}
    return {"output_0": np.asarray(result)}


def eig_check(a: np.ndarray, got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> tuple[bool, str]:
    """Eig as tests/test_parity_eig.py compares it beyond bit-exactness: rounding can change the
    Schur order (and a conjugate pair's), so eigenvalues as sets, eigenvectors by A v = v diag(e)
    and unit length."""
    e, v = got["output_0"], got["output_1"]
    e_tf = want["output_0"]
    eps = float(np.finfo(e.real.dtype).eps)
    n = a.shape[-1]
    scale = np.abs(a).max(axis=(-2, -1))
    sets = np.abs(np.sort_complex(e) - np.sort_complex(e_tf)).max(-1) <= 64 * eps * n * scale
    residual = np.abs(a @ v - v * e[..., None, :]).max(axis=(-2, -1)) <= 64 * eps * n * scale
    unit = np.abs(np.linalg.norm(v, axis=-2) - 1).max(-1) <= 16 * eps * n
    ok = bool(sets.all() and residual.all() and unit.all())
    return (
        ok,
        f"Eig: eigenvalue sets {sets.sum()}/{sets.size}, A v = v e {residual.sum()}, |v| = 1 {unit.sum()}",
    )


def dot_product_bound(tf: Any, case: Any, name: str, dtype: np.dtype) -> np.ndarray:
    """For ops whose outputs are sums of products (convolutions, matrix products): the bound
    tests/test_parity_conv_2d.py uses, 2 gamma_K sum|x_i w_i| (Higham 3.1), since NEON's GEMM
    blocks, orders and fuses the sums otherwise than x86-64's. sum|x_i w_i| is the op on the
    inputs' absolute values (float64); K, the terms per output, is at most the smaller float
    input's size (each term takes distinct elements of both)."""
    floats = [a for a in case.inputs if np.issubdtype(a.dtype, np.floating)]
    k = min(a.size for a in floats)
    u = float(np.finfo(dtype).eps) / 2
    gamma = k * u / (1 - k * u)
    absolute = [np.abs(a) if np.issubdtype(a.dtype, np.floating) else a for a in case.inputs]
    magnitudes = tf_outputs(tf, dataclasses.replace(case, inputs=absolute))
    magnitude = next(iter(magnitudes.values())) if len(magnitudes) == 1 else magnitudes[name]
    return 2 * gamma * np.asarray(magnitude, np.float64)


def compare_with_tf(seeds: Path, work: Path, differing: dict[str, list[str]]) -> dict[str, tuple[bool, str]]:
    import tensorflow as tf

    from opbridge.bench.runner import all_cases

    cases = all_cases(tf, quick=True)  # the order tests/make_fuzz_seeds.py numbered them in
    verdicts = {}
    for stem, names in differing.items():
        case = cases[int(stem.split("_")[1])]
        saved = np.load(seeds / f"{stem}.npz")
        if not all(np.array_equal(saved[f"arr_{i}"], a) for i, a in enumerate(case.inputs)):
            verdicts[stem] = (False, "the bench case's inputs changed since the seeds were made")
            continue
        here, there = np.load(work / "x86" / f"{stem}.npz"), np.load(work / "aarch64" / f"{stem}.npz")
        expected = tf_outputs(tf, case)
        if len(expected) == 1 and len(here.files) == 1:  # one output, whatever the signature calls it
            expected = {here.files[0]: next(iter(expected.values()))}
        if case.op == "Eig" and set(here.files) == {"output_0", "output_1"}:
            verdicts[stem] = eig_check(case.inputs[0], dict(there), expected)
            continue
        ok, notes = True, []
        for name in names:
            if name not in expected or name not in there.files:
                ok, notes = False, [*notes, f"{name}: no TF output to compare"]
                continue
            want, got = expected[name], there[name]
            if got.dtype not in RTOL and not np.iscomplexobj(got):
                ok, notes = False, [*notes, f"{name}: {got.dtype} differs (not a float)"]
                continue
            key = np.dtype(got.real.dtype)
            close = np.allclose(got, want, rtol=RTOL[key], atol=ATOL[key], equal_nan=True)
            if not close and ("Conv" in case.op or "MatMul" in case.op):
                limit = dot_product_bound(tf, case, name, key)
                error = np.abs(got.astype(np.float64) - want.astype(np.float64))
                close = bool((error <= limit).all())
                worst = float(np.max(error / np.maximum(limit, 1e-300)))
                notes.append(f"worst error {worst:.2g} of the 2 gamma_K bound")
            ok = ok and close
            notes.append(
                f"{name} {got.dtype}: aarch64-TF {ulps(got, want)} ulp, x86-TF {ulps(here[name], want)} ulp,"
                f" aarch64-x86 {ulps(got, here[name])} ulp, {np.sum(got != here[name])} of {got.size} differ"
            )
        verdicts[stem] = (ok, "; ".join(notes))
    return verdicts
