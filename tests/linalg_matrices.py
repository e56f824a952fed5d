"""Test matrices and tolerances shared by the linear-algebra parity tests."""

from __future__ import annotations

import numpy as np

FLOATS = [np.float32, np.float64]
ALL_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
# Square batches: single, batched, rank 4, BDCSVD's and LU's blocked paths (n >= 16), empty.
SQUARE_SHAPES = [(1, 1), (3, 3), (5, 5), (20, 20), (4, 3, 3), (2, 3, 4, 4), (0, 3, 3), (0, 0), (2, 0, 0)]


def single(dtype) -> bool:
    return np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64))


def tol(dtype) -> dict[str, float]:
    """The brief's targets: f32 1e-5 relative (absolute on unit-scale data), f64 1e-10."""
    return {"rtol": 1e-5, "atol": 1e-5} if single(dtype) else {"rtol": 1e-10, "atol": 1e-10}


def random(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    a = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def well_conditioned(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """Random plus 2 sqrt(n) I: condition numbers of a few units."""
    n = shape[-1]
    return (random(rng, shape, dtype) + (2 * np.sqrt(n) * np.eye(n) if n else 0)).astype(dtype)


def hermitian(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    a = random(rng, shape, dtype)
    return ((a + np.conj(np.swapaxes(a, -1, -2))) / 2).astype(dtype)


def positive_definite(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    """A A^H / n + I: Hermitian, eigenvalues in about [1, 5]."""
    a = random(rng, shape, dtype).astype(np.complex128)
    n = shape[-1]
    m = a @ np.conj(np.swapaxes(a, -1, -2)) / max(n, 1) + np.eye(n)
    return (m if np.issubdtype(dtype, np.complexfloating) else m.real).astype(dtype)


def adjoint(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def vector_tolerance(dtype, values: np.ndarray) -> float:
    """How far TF's own singular vectors / eigenvectors can be from the exact ones, given the
    (exact) singular values or eigenvalues along the last axis: eps * max|value| / smallest gap,
    the perturbation bound of one vector, times a safety factor 4; at least the brief's target.
    Example: 40x18 float32 Gaussian matrices have gaps ~0.05; TF's U is 1.4e-5 from a float64
    reference, ours 1.1e-5 from TF's."""
    target = tol(dtype)["atol"]
    if values.size == 0 or values.shape[-1] < 2:
        return target
    gap = np.abs(np.diff(np.sort(values, axis=-1), axis=-1)).min()
    return max(target, 4 * float(np.finfo(dtype).eps) * float(np.abs(values).max()) / gap)


def aligned_to(reference: np.ndarray, x: np.ndarray, *partners: np.ndarray, k: int | None = None):
    """x (and partners, e.g. V for U) with the first k columns turned by the sign (phase) that best
    matches `reference`: a vector's sign or phase is arbitrary, and both factors of a singular pair
    turn together. Later columns are returned as they are."""
    k = x.shape[-1] if k is None else k
    dot = np.sum(np.conj(x[..., :k]) * reference[..., :k], axis=-2, keepdims=True)
    size = np.abs(dot)
    phase = np.where(size > 0, dot / np.where(size > 0, size, 1), 1)
    if not np.iscomplexobj(x):
        phase = phase.real
    out = []
    for m in (x, *partners):
        m = m.copy()
        m[..., :k] *= phase
        out.append(m)
    return out if partners else out[0]
