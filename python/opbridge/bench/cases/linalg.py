from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def dims(*sizes: int) -> tuple[int, ...]:
        return tuple(max(1, s // scale) for s in sizes)

    def normal(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    def matrices(batch: int, n: int, dtype: Any) -> np.ndarray:
        batch, n = dims(batch, n)
        return (rng.standard_normal((batch, n, n)) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)

    def positive_definite(batch: int, n: int, dtype: Any) -> np.ndarray:
        batch, n = dims(batch, n)
        a = rng.standard_normal((batch, n, n))
        return (a @ a.transpose(0, 2, 1) / n + np.eye(n)).astype(dtype)

    def label(*arrays: np.ndarray, note: str = "") -> str:
        kind = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}[arrays[0].dtype]
        shapes = " ".join("[" + ",".join(map(str, a.shape)) + "]" for a in arrays)
        return f"{kind} {shapes}{' ' + note if note else ''}"

    found = [
        Case("MatrixInverse", "f32 [4096,3,3]", tf.linalg.inv, [matrices(4096, 3, np.float32)]),
        Case("MatrixInverse", "f32 [256,16,16]", tf.linalg.inv, [matrices(256, 16, np.float32)]),
        Case("MatrixInverse", "f64 [8,128,128]", tf.linalg.inv, [matrices(8, 128, np.float64)]),
    ]
    # One large matrix: Eigen's blocked paths (GEMM panels), on TF's packet width only in the
    # AVX2 builds (ops/linalg/avx2_entries.h).
    a = matrices(1, 512, np.float32)
    found.append(Case("MatrixInverse", label(a), tf.linalg.inv, [a]))
    for batch, n, dtype in ((4096, 4, np.float32), (8, 128, np.float64)):
        a = matrices(batch, n, dtype)
        found.append(Case("Lu", label(a), lambda x: tf.linalg.lu(x), [a]))
    # Determinants of small transforms (Jacobians, poses); log-likelihoods of Gaussians.
    for batch, n, dtype in ((4096, 3, np.float32), (64, 32, np.float64)):
        a = matrices(batch, n, dtype)
        found.append(Case("MatrixDeterminant", label(a), tf.linalg.det, [a]))
    for batch, n, dtype in ((1024, 8, np.float32), (16, 64, np.float64)):
        a = positive_definite(batch, n, dtype)
        found.append(Case("LogMatrixDeterminant", label(a), tf.linalg.slogdet, [a]))
    # Covariance factors (Gaussian processes, Kalman filters).
    for batch, n, dtype in ((256, 16, np.float32), (8, 128, np.float64)):
        a = positive_definite(batch, n, dtype)
        found.append(Case("Cholesky", label(a), tf.linalg.cholesky, [a]))
    # Linear systems with a few right-hand sides.
    for batch, n, k, dtype in ((1024, 6, 1, np.float32), (32, 64, 8, np.float64)):
        a = matrices(batch, n, dtype)
        b = normal((*a.shape[:2], *dims(k)), dtype)
        found.append(Case("MatrixSolve", label(a, b), tf.linalg.solve, [a, b]))
    # Solves with one Cholesky factor broadcast over a batch of right-hand sides; upper adjoint.
    lower = np.tril(matrices(1, 64, np.float32)[0])
    rhs = normal((*dims(256), lower.shape[0], *dims(16)), np.float32)
    found.append(Case("MatrixTriangularSolve", label(lower, rhs), tf.linalg.triangular_solve, [lower, rhs]))
    # A triangular factor applied to as many right-hand sides as it has rows (Eigen's blocked solve).
    lower = np.tril(matrices(1, 384, np.float64)[0])
    rhs = normal((lower.shape[0], lower.shape[0]), np.float64)
    found.append(Case("MatrixTriangularSolve", label(lower, rhs), tf.linalg.triangular_solve, [lower, rhs]))
    upper = np.triu(matrices(64, 32, np.float64))
    rhs = normal((*upper.shape[:2], *dims(4)), np.float64)
    found.append(
        Case(
            "MatrixTriangularSolve",
            label(upper, rhs, note="upper adjoint"),
            lambda m, r: tf.linalg.triangular_solve(m, r, lower=False, adjoint=True),
            [upper, rhs],
        )
    )

    # Tridiagonal systems (cubic splines, implicit finite-difference steps), a few right-hand
    # sides each: partial pivoting (the default) and the Thomas algorithm.
    def tridiagonal(pivoting: bool) -> Any:
        return lambda d, r: tf.linalg.tridiagonal_solve(d, r, partial_pivoting=pivoting)

    for dtype, pivoting in ((np.float32, True), (np.float64, True), (np.float32, False)):
        batch, n = dims(64, 1024)
        diagonals = normal((batch, 3, n), dtype)
        diagonals[:, 1] += 4  # diagonally dominant, as discretized operators are
        rhs = normal((batch, n, *dims(8)), dtype)
        name = label(diagonals, rhs, note="" if pivoting else "thomas")
        found.append(Case("TridiagonalSolve", name, tridiagonal(pivoting), [diagonals, rhs]))

    # Banded triangular factors (16 bands of 512x512 matrices): lower, and upper adjoint.
    def banded(lower: bool, adjoint: bool) -> Any:
        return lambda m, r: tf.linalg.banded_triangular_solve(m, r, lower=lower, adjoint=adjoint)

    for dtype, k, lower, adjoint in ((np.float32, 32, True, False), (np.float64, 8, False, True)):
        batch, n = dims(8, 512)
        bands = normal((batch, 16, n), dtype) / 4
        diagonal = 0 if lower else -1
        bands[:, diagonal] = 2 + np.abs(bands[:, diagonal])
        rhs = normal((batch, n, *dims(k)), dtype)
        name = label(bands, rhs, note="" if lower else "upper adjoint")
        found.append(Case("BandedTriangularSolve", name, banded(lower, adjoint), [bands, rhs]))
    # A float64 product of two large matrices (cache blocks, ops/linalg/matmul_tiles.h).
    x, y = (normal((1, *dims(512, 512)), np.float64) for _ in range(2))
    found.append(Case("BatchMatMulV2", label(x, y), tf.linalg.matmul, [x, y]))
    # Orthogonalization of tall blocks (thin Q).
    for shape, dtype in (((256, 16, 8), np.float32), ((16, 128, 32), np.float64)):
        a = normal(dims(*shape), dtype)
        found.append(Case("Qr", label(a), tf.linalg.qr, [a]))
    # Kabsch/Procrustes rotations (3x3, with U and V); singular values of weight blocks.
    a = normal((*dims(4096), 3, 3), np.float32)
    found.append(Case("Svd", label(a), tf.linalg.svd, [a]))
    a = normal(dims(16, 64, 32), np.float32)
    found.append(Case("Svd", label(a, note="values only"), lambda x: tf.linalg.svd(x, compute_uv=False), [a]))
    # Principal axes of 3x3 covariances (point-cloud normals); the spectrum of larger ones.
    a = positive_definite(4096, 3 * scale, np.float32)
    found.append(Case("SelfAdjointEigV2", label(a), tf.linalg.eigh, [a]))
    a = positive_definite(16, 64, np.float64)
    found.append(Case("SelfAdjointEigV2", label(a, note="values only"), tf.linalg.eigvalsh, [a]))
    # Modes of small linear dynamical systems (state matrices); stability checks of larger ones.
    a = normal((*dims(1024), 4, 4), np.float32)
    found.append(Case("Eig", label(a), tf.linalg.eig, [a]))
    a = normal(dims(16, 32, 32), np.float64)
    found.append(Case("Eig", label(a, note="values only"), tf.linalg.eigvals, [a]))
    # Whitening transforms: square roots of covariances.
    for batch, n, dtype in ((256, 8, np.float32), (8, 64, np.float64)):
        a = positive_definite(batch, n, dtype)
        found.append(Case("MatrixSquareRoot", label(a), tf.linalg.sqrtm, [a]))
    # Logarithms of transforms near the identity (Lie-algebra coordinates, interpolation of poses);
    # at least 8x8 in quick runs so that the fuzz seeds reach the Schur blocks.
    for batch, n, dtype, kind in ((256, 8, np.complex64, "c64"), (8, 64, np.complex128, "c128")):
        m = max(8, *dims(n))
        shape = (*dims(batch), m, m)
        a = np.eye(m) + 0.2 * normal(shape, np.float64) + 0.2j * normal(shape, np.float64)
        found.append(
            Case("MatrixLogarithm", f"{kind} [{shape[0]},{m},{m}]", tf.linalg.logm, [a.astype(dtype)])
        )
    # Diagonals of batched score matrices; a band of them.
    a = normal(dims(64, 256, 256), np.float32)
    found.append(Case("MatrixDiagPartV3", label(a), tf.linalg.diag_part, [a]))
    band = lambda x: tf.linalg.diag_part(x, k=(-2, 2), align="LEFT_LEFT")  # noqa: E731
    found.append(Case("MatrixDiagPartV3", label(a, note="k=(-2,2)"), band, [a]))
    # Triangles of float64 factors (the converter lowers float32 band parts to builtins).
    a = normal(dims(64, 128, 128), np.float64)
    found.append(Case("MatrixBandPart", label(a, note="upper"), lambda x: tf.linalg.band_part(x, 0, -1), [a]))
    # Normals of mesh triangles / torques: cross products of 3-vectors.
    u, v = normal((*dims(262144), 3), np.float32), normal((*dims(262144), 3), np.float32)
    found.append(Case("Cross", label(u, v), tf.linalg.cross, [u, v]))
    # Opbridge>MatrixExp is torch.linalg.matrix_exp's algorithm (tf.linalg.expm is a Pade
    # composite of other ops), so its TF column is opbridge's own kernel through the TF op.
    # Propagators of small linear systems (a batch: degree 18 with scaling and squaring for each);
    # a single larger generator (the degree picked by its norm).
    from opbridge import _tf_library

    expm = _tf_library.load().opbridge_matrix_exp
    own = "reference: opbridge's own kernel through the TF op"
    a = normal((*dims(4096), 4, 4), np.float32)
    found.append(Case("Opbridge>MatrixExp", label(a), expm, [a], note=own))
    a = normal(dims(8, 64, 64), np.float64) / 8
    found.append(Case("Opbridge>MatrixExp", label(a), expm, [a], note=own))
    a = normal(dims(1, 128, 128), np.float32) / 64
    found.append(Case("Opbridge>MatrixExp", label(a, note="single"), expm, [a], note=own))
    # Opbridge>LuFactor is torch.linalg.lu_factor's LAPACK contract (TF's Lu differs), likewise.
    lu_factor = _tf_library.load().opbridge_lu_factor
    a = normal((*dims(1024), 6, 6), np.float32)
    found.append(Case("Opbridge>LuFactor", label(a), lu_factor, [a], note=own))
    a = normal(dims(8, 128, 96), np.float64)
    found.append(Case("Opbridge>LuFactor", label(a), lu_factor, [a], note=own))
    # Opbridge>CholeskyEx (torch.linalg.cholesky_ex: potrf's info and partial factor) and
    # Opbridge>Geqrf (torch.geqrf: LAPACK's packed reflectors), likewise: covariances of small
    # Gaussian models; least-squares systems reduced before a Householder-based solve.
    cholesky_ex = _tf_library.load().opbridge_cholesky_ex
    a = positive_definite(1024, 6, np.float32)
    found.append(Case("Opbridge>CholeskyEx", label(a), cholesky_ex, [a], note=own))
    a = positive_definite(8, 128, np.float64)
    found.append(Case("Opbridge>CholeskyEx", label(a), cholesky_ex, [a], note=own))
    geqrf = _tf_library.load().opbridge_geqrf
    a = normal((*dims(1024), 8, 4), np.float32)
    found.append(Case("Opbridge>Geqrf", label(a), geqrf, [a], note=own))
    a = normal(dims(8, 128, 96), np.float64)
    found.append(Case("Opbridge>Geqrf", label(a), geqrf, [a], note=own))
    # Opbridge>LdlFactor / LdlSolve (torch.linalg.ldl_factor / ldl_solve: LAPACK sytrf / sytrs):
    # symmetric indefinite systems (saddle-point / KKT matrices of small optimization steps).
    ldl_factor = _tf_library.load().opbridge_ldl_factor
    ldl_solve = _tf_library.load().opbridge_ldl_solve
    for batch, n, dtype in ((1024, 6, np.float32), (8, 128, np.float64)):
        s = normal((*dims(batch), *dims(n, n)), dtype)
        s = s + np.swapaxes(s, -1, -2)
        found.append(Case("Opbridge>LdlFactor", label(s), ldl_factor, [s], note=own))
        ld, pivots, _ = (np.asarray(t) for t in ldl_factor(s))
        rhs = normal((*s.shape[:-1], 4), dtype)
        found.append(Case("Opbridge>LdlSolve", label(ld, rhs), ldl_solve, [ld, pivots, rhs], note=own))
    return found
