"""torch.linalg on opbridge's linear-algebra kernels (TF's MatrixInverse, Cholesky, ...).

Each rewrite computes torch's result from TF's op plus plain torch ops that
litert-torch lowers to builtins. Where torch and TF differ:
- upper factors / the upper triangle (cholesky upper=True, eigh UPLO='U'): TF
  reads the lower triangle, so the rewrite passes A^H (whose lower triangle is
  A's upper one, conjugated) and returns the factor's adjoint;
- vector right-hand sides, left=False and batch broadcasting of linalg.solve:
  done here, TF's MatrixSolve wants matrices with equal batch dims;
- SVD: TF returns (s, u, v), torch (U, S, Vh = v^H);
- slogdet: torch's sign is 0 when log|det| is NaN, TF's is NaN.
Where torch raises at run time and the kernel cannot (SVD of non-finite input),
the converted model gives NaN; where both raise (singular inv/solve, non-finite
eigh, a Cholesky factor of a matrix that is not positive definite: Opbridge>CholeskyEx
with check_errors) the converted model's invoke fails with the kernel's message.
float64 (litert-torch's enable_x64=True): TFLite's TRANSPOSE and BROADCAST_TO
refuse float64 and litert-torch computes float64 SELECT/ADD/MUL in float32, so
the variants that need one of these are refused for float64, naming the op.
matrix_power (n <= 0) and pinv reduce to the above plus matmuls; matrix_rank
to svdvals/eigvalsh and pinv's tolerance; cholesky_solve to two triangular
solves on the factor's own triangle.
matrix_exp: Opbridge>MatrixExp, torch's own algorithm (degree-selected Taylor
polynomials, scaling and squaring; a batch of several matrices takes degree 18).
LU: Opbridge>LuFactor is LAPACK's getrf (any m x n, 1-based int32 pivots, info;
an exactly zero pivot is no error, except for lu_factor, whose invoke fails with
torch's message as torch raises). Its column order is unblocked, LAPACK's
blocked: factors agree to rounding, pivots unless two candidates tie within
rounding. lu_solve unrolls the given pivots into a row order (k selects).
householder_product / orgqr: the reflectors applied one by one (rank-1
updates, as LAPACK's unblocked orgqr) to the m x n identity.
eig / eigvals: TF's Eig (complex64/complex128 outputs, which LiteRT carries);
the eigenvalues are torch's as a set, but their order is the diagonal order of
Eigen's real Schur form, not LAPACK geev's (which balances, permuting the
matrix, before its own QR iteration): on random 4 x 4 matrices it often differs.
Eigenvectors (column by column with their eigenvalue) equal torch's up to a
per-column phase (_eig). Where torch raises on NaN/inf input, the converted
model gives what TF's kernel gives.
inv_ex / solve_ex (and linalg.cond with p in 1, -1, inf, -inf, 'fro', which
torch computes through inv_ex): torch's own composition, getrf then getrs
(Opbridge>LuFactor, then lu_solve's triangular solves): info is getrf's and a
singular A gives inf/NaN entries as torch's, not an error (cond: inf);
check_errors=True runs MatrixInverse / MatrixSolve, whose invoke fails on a
singular A as torch raises. tensorinv: MatrixInverse of the reshaped matrix
(torch raises for a singular one, so does the invoke). cholesky_inverse: the
identity's cholesky_solve. lu_unpack: the selects and one-hot rows of lu.
cholesky_ex: Opbridge>CholeskyEx, LAPACK's potrf (info, and potf2's partial
factor where it fails, as torch's; check_errors fails the invoke with torch's
message). geqrf: Opbridge>Geqrf, LAPACK's geqrf (the reflectors and tau, unique:
compared directly); ormqr applies them as householder_product does.
ldl_factor / ldl_factor_ex / ldl_solve: Opbridge>LdlFactor / LdlSolve, LAPACK's
sytrf (lower, Bunch-Kaufman: the same pivots, compared directly) and sytrs;
ldl_factor's invoke fails where torch raises (an exactly zero D).
lstsq is not here: torch.export fails on its aten op (data-dependent output shapes)
before any rewrite runs, so export_functions.py answers torch.linalg.lstsq during export.
"""

from __future__ import annotations

import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten


def _check_dtype(name: str, *tensors: torch.Tensor) -> None:
    for t in tensors:
        if t.dtype not in (torch.float32, torch.float64):
            raise ValueError(
                f"torch.{name}: dtype {t.dtype} is not supported by opbridge's kernels for torch "
                "(float32, float64; complex is not handled by these rewrites)"
            )


def _refuse_float64(a: torch.Tensor, name: str, what: str) -> None:
    # TFLite's TRANSPOSE and BROADCAST_TO have no float64 (the converter refuses them),
    # litert-torch computes a float64 SELECT_V2 in float32 between CASTs, and opbridge's
    # Transpose kernel takes its perm as a tensor, which a fake (shape-only) call cannot read:
    # float64 variants that need one of these are refused, naming the op.
    if a.dtype == torch.float64:
        raise ValueError(
            f"torch.{name}: this variant needs a float64 {what}, which TFLite's builtins do not "
            "support (or litert-torch computes in float32); use float32 or a variant without it"
        )


def _mT(a: torch.Tensor, name: str) -> torch.Tensor:
    _refuse_float64(a, name, "matrix transpose")
    return a.mT


def _adjoint(a: torch.Tensor, name: str) -> torch.Tensor:
    return _mT(a, name)  # real dtypes only (_check_dtype)


@replaces(aten.linalg_inv.default, aten.inverse.default)
def inv(a: torch.Tensor) -> torch.Tensor:
    _check_dtype("linalg.inv", a)
    return op("MatrixInverse")(a)


@replaces(aten.linalg_cholesky.default, aten.cholesky.default)
def cholesky(a: torch.Tensor, upper: bool = False) -> torch.Tensor:
    # LAPACK's potrf as torch (Opbridge>CholeskyEx reads the triangle it returns, as potrf's uplo),
    # with check_errors: torch raises for a matrix that is not positive-definite, so the invoke
    # fails with torch's message (TF's Cholesky kernel would give NaN instead).
    _check_dtype("linalg.cholesky", a)
    return op("Opbridge>CholeskyEx")(a, upper=upper, check_errors=True)[0]


def _batch_expand(x: torch.Tensor, batch: torch.Size) -> torch.Tensor:
    shape = (*batch, *x.shape[-2:])
    if tuple(x.shape) == shape:
        return x
    _refuse_float64(x, "linalg.solve", "batch broadcast")
    return x.expand(shape)


def _solve_is_vector_rhs(a: torch.Tensor, b: torch.Tensor) -> bool:
    # torch's rule (linalg_solve_is_vector_rhs): B is a (batch of) vector(s) if it is 1-D, or if
    # it has one dim less than A and its shape is A.shape[:-1].
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


@replaces(aten.linalg_solve.default)
def solve(a: torch.Tensor, b: torch.Tensor, left: bool = True) -> torch.Tensor:
    _check_dtype("linalg.solve", a, b)
    vector = _solve_is_vector_rhs(a, b)
    if vector and not left:  # torch.export's meta already refuses this; kept for direct calls
        raise ValueError("torch.linalg.solve: vector broadcasting is not supported for left=False")
    rhs = b.unsqueeze(-1) if vector else b
    if not left:  # X A = B  <=>  A^T X^T = B^T
        rhs = _mT(rhs, "linalg.solve(left=False)")
    batch = torch.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    x = op("MatrixSolve")(_batch_expand(a, batch), _batch_expand(rhs, batch), adjoint=not left)
    if not left:
        x = _mT(x, "linalg.solve(left=False)")
    return x.squeeze(-1) if vector else x


def _unit_diagonal(a: torch.Tensor, upper: bool, name: str) -> torch.Tensor:
    # The strict triangle, ones elsewhere (the kernel reads the diagonal and the chosen triangle
    # only): the diagonal is not read, not even when it is NaN. litert-torch computes a float64
    # select in float32 (CAST, SELECT_V2, CAST), so float64 is refused.
    _refuse_float64(a, name, "select")
    n = a.shape[-1]
    ones = torch.ones(n, n, dtype=torch.bool)
    keep = ones.triu(1) if upper else ones.tril(-1)
    return torch.where(keep, a, torch.ones_like(a))


@replaces(aten.linalg_solve_triangular.default)
def solve_triangular(
    a: torch.Tensor, b: torch.Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> torch.Tensor:
    _check_dtype("linalg.solve_triangular", a, b)
    if unitriangular:
        a = _unit_diagonal(a, upper, "linalg.solve_triangular(unitriangular=True)")
    # MatrixTriangularSolve broadcasts batch dims itself; `lower` names A's triangle before
    # `adjoint` is applied, so X A = B is A^T X^T = B^T with A's own triangle.
    if left:
        return op("MatrixTriangularSolve")(a, b, lower=not upper, adjoint=False)
    name = "linalg.solve_triangular(left=False)"
    return _mT(op("MatrixTriangularSolve")(a, _mT(b, name), lower=not upper, adjoint=True), name)


@replaces(aten.triangular_solve.default)
def triangular_solve(
    b: torch.Tensor, a: torch.Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    _check_dtype("triangular_solve", a, b)
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    coefficient = _batch_expand(a, batch).clone()  # torch returns A, broadcast, as its second output
    if unitriangular:
        a = _unit_diagonal(a, upper, "triangular_solve(unitriangular=True)")
    x = op("MatrixTriangularSolve")(a, b, lower=not upper, adjoint=transpose)
    return x, coefficient


@replaces(aten.linalg_det.default, aten.det.default)
def det(a: torch.Tensor) -> torch.Tensor:
    _check_dtype("linalg.det", a)
    return op("MatrixDeterminant")(a)


def _slogdet(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    sign, logabsdet = op("LogMatrixDeterminant")(a)
    if sign.numel() == 0:  # (litert-torch cannot lower `where` on empty tensors)
        return sign, logabsdet
    # torch's sign is the product of sgn(U_ii), and sgn(NaN) = 0; TF's is NaN there. (The test
    # runs in float32: TFLite's comparisons have no float64, and NaN stays NaN in the cast.)
    nan = torch.isnan(logabsdet.to(torch.float32))
    return torch.where(nan, torch.zeros_like(sign), sign), logabsdet


@replaces(aten.linalg_slogdet.default, aten.slogdet.default)
def slogdet(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    _check_dtype("linalg.slogdet", a)
    return _slogdet(a)


@replaces(aten.logdet.default)
def logdet(a: torch.Tensor) -> torch.Tensor:
    # torch: NaN for a negative determinant, -inf for a zero one, else log|det|.
    _check_dtype("logdet", a)
    _refuse_float64(a, "logdet", "select")  # litert-torch would compute it in float32
    sign, logabsdet = _slogdet(a)
    if sign.numel() == 0:
        return logabsdet
    negative = sign.to(torch.float32) == -1  # sign is exactly -1, 0 or 1
    return torch.where(negative, torch.full_like(logabsdet, float("nan")), logabsdet)


@replaces(aten.linalg_qr.default)
def qr(a: torch.Tensor, mode: str = "reduced") -> tuple[torch.Tensor, torch.Tensor]:
    _check_dtype("linalg.qr", a)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"torch.linalg.qr: mode {mode!r}, expected 'reduced', 'complete' or 'r'")
    q, r = op("Qr")(a, full_matrices=mode == "complete")
    if mode == "r":  # torch returns an empty Q
        return a.new_zeros((0,)), r
    return q, r


@replaces(aten.linalg_svd.default)
def svd(
    a: torch.Tensor, full_matrices: bool = True, driver: str | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    _check_dtype("linalg.svd", a)
    s, u, v = op("Svd")(a, compute_uv=True, full_matrices=full_matrices)
    return u, s, _adjoint(v, "linalg.svd (Vh)")


@replaces(aten.svd.default)
def svd_legacy(
    a: torch.Tensor, some: bool = True, compute_uv: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # torch.svd returns V (not V^H); without compute_uv, zero U [m, m] and V [n, n].
    _check_dtype("svd", a)
    if not compute_uv:
        s = svdvals(a)
        m, n = a.shape[-2], a.shape[-1]
        return a.new_zeros((*a.shape[:-2], m, m)), s, a.new_zeros((*a.shape[:-2], n, n))
    s, u, v = op("Svd")(a, compute_uv=True, full_matrices=not some)
    return u, s, v


@replaces(aten.linalg_svdvals.default)
def svdvals(a: torch.Tensor, driver: str | None = None) -> torch.Tensor:
    _check_dtype("linalg.svdvals", a)
    return op("Svd")(a, compute_uv=False)[0]


def _lower_of(a: torch.Tensor, uplo: str) -> torch.Tensor:
    # TF's SelfAdjointEigV2 reads the lower triangle; A^H's lower triangle is A's upper one.
    if uplo.upper() not in ("L", "U"):
        raise ValueError(f"torch.linalg.eigh: UPLO {uplo!r}, expected 'L' or 'U'")
    return a if uplo.upper() == "L" else _adjoint(a, "linalg.eigh(UPLO='U')")


@replaces(aten.linalg_eigh.default)
def eigh(a: torch.Tensor, UPLO: str = "L") -> tuple[torch.Tensor, torch.Tensor]:
    _check_dtype("linalg.eigh", a)
    e, v = op("SelfAdjointEigV2")(_lower_of(a, UPLO), compute_v=True)
    return e, v


@replaces(aten.linalg_eigvalsh.default)
def eigvalsh(a: torch.Tensor, UPLO: str = "L") -> torch.Tensor:
    _check_dtype("linalg.eigvalsh", a)
    return op("SelfAdjointEigV2")(_lower_of(a, UPLO), compute_v=False)[0]


@replaces(aten.linalg_matrix_power.default)
def matrix_power(a: torch.Tensor, n: int) -> torch.Tensor:
    # litert-torch lowers n > 0 (matmuls) but not n < 0 (linalg.inv) nor n = 0 (torch.eye, whose
    # STABLEHLO_IOTA the interpreter lacks). torch's order of products: a binary decomposition of
    # |n|, least significant bit first, with 2 and 3 multiplied directly.
    if n == 0:
        return torch.diag_embed(torch.ones_like(a[..., 0])) if a.numel() else a.clone()
    if n < 0:
        a, n = inv(a), -n
    if n == 1:
        return a.clone()
    if n == 2:
        return a @ a
    if n == 3:
        return (a @ a) @ a
    z: torch.Tensor | None = None
    result: torch.Tensor | None = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    assert result is not None
    return result


def _tolerance(
    largest: torch.Tensor,
    atol: torch.Tensor | float | None,
    rtol: torch.Tensor | float | None,
    default: float,
) -> torch.Tensor:
    # torch's linalg_pinv: tol = max(atol, rtol * largest); atol defaults to 0, rtol to `default`
    # (eps * max(m, n)), or to 0 where a positive atol is given. (No tensors are made from
    # Python numbers here: torch.export cannot lift constants created inside a rewrite.)
    if rtol is None:
        if atol is None:
            rtol = default
        elif isinstance(atol, torch.Tensor):
            rtol = (atol <= 0).to(largest.dtype) * default
        else:
            rtol = 0.0 if atol > 0 else default
    scaled = rtol.unsqueeze(-1) * largest if isinstance(rtol, torch.Tensor) else largest * rtol
    if isinstance(atol, torch.Tensor):
        return torch.maximum(atol.to(largest.dtype).unsqueeze(-1), scaled)
    return scaled.clamp(min=0.0 if atol is None else atol)


def _pinv(
    a: torch.Tensor, atol: torch.Tensor | float | None, rtol: torch.Tensor | float | None, hermitian: bool
) -> torch.Tensor:
    _check_dtype("linalg.pinv", a)
    m, n = a.shape[-2], a.shape[-1]
    if a.numel() == 0:
        return a.new_zeros((*a.shape[:-2], n, m))
    default = torch.finfo(a.dtype).eps * max(m, n)
    name = "linalg.pinv"
    if hermitian:  # singular values are |eigenvalues|
        e, u = eigh(a)
        magnitude = e.abs()
        tol = _tolerance(magnitude.amax(-1, keepdim=True), atol, rtol, default)
        e_pinv = torch.where(magnitude > tol, e.reciprocal(), torch.zeros_like(e))
        return (u * e_pinv.unsqueeze(-2)) @ _mT(u, name)
    u, s, vh = svd(a, False)
    tol = _tolerance(s[..., :1], atol, rtol, default)  # s is descending
    s_pinv = torch.where(s > tol, s.reciprocal(), torch.zeros_like(s))
    return (_mT(vh, name) * s_pinv.unsqueeze(-2)) @ _mT(u, name)


@replaces(aten.linalg_pinv.atol_rtol_tensor, aten.linalg_pinv.atol_rtol_float)
def pinv(
    a: torch.Tensor,
    *,
    atol: torch.Tensor | float | None = None,
    rtol: torch.Tensor | float | None = None,
    hermitian: bool = False,
) -> torch.Tensor:
    return _pinv(a, atol, rtol, hermitian)


@replaces(aten.linalg_pinv.default)
def pinv_rcond(a: torch.Tensor, rcond: float, hermitian: bool = False) -> torch.Tensor:
    return _pinv(a, None, rcond, hermitian)


@replaces(aten.pinverse.default)
def pinverse(a: torch.Tensor, rcond: float = 1e-15) -> torch.Tensor:
    return _pinv(a, None, rcond, False)


@replaces(aten.linalg_matrix_exp.default, aten.matrix_exp.default)
def matrix_exp(a: torch.Tensor) -> torch.Tensor:
    # Opbridge>MatrixExp is torch's algorithm (degree-selected Taylor polynomials, scaling and
    # squaring), including its rule that a batch of several matrices takes degree 18 for each.
    _check_dtype("linalg.matrix_exp", a)
    return op("Opbridge>MatrixExp")(a)


@replaces(aten.cholesky_solve.default)
def cholesky_solve(b: torch.Tensor, factor: torch.Tensor, upper: bool = False) -> torch.Tensor:
    # A = L L^T (upper: U^T U): two triangular solves on the factor's own triangle (as LAPACK
    # potrs, the other triangle is not read); MatrixTriangularSolve broadcasts the batch dims and
    # its `adjoint` gives the transposed solve without a TRANSPOSE (so float64 works too).
    _check_dtype("cholesky_solve", b, factor)
    solve = op("MatrixTriangularSolve")
    lower = not upper
    y = solve(factor, b, lower=lower, adjoint=upper)
    return solve(factor, y, lower=lower, adjoint=lower)


def _matrix_rank(
    a: torch.Tensor, atol: torch.Tensor | float | None, rtol: torch.Tensor | float | None, hermitian: bool
) -> torch.Tensor:
    # torch: the number of singular values (|eigenvalues| when hermitian) above
    # max(atol, rtol * the largest), with pinv's defaults (_tolerance); 0 for an empty matrix.
    # The tolerance stays in the input's dtype: torch's float64 atol/rtol tensors lowered
    # as they are give a float64 MAXIMUM, which TFLite's converter refuses.
    _check_dtype("linalg.matrix_rank", a)
    m, n = a.shape[-2], a.shape[-1]
    if a.numel() == 0:
        return a.new_zeros(a.shape[:-2], dtype=torch.int64)
    default = torch.finfo(a.dtype).eps * max(m, n)
    if hermitian:
        s = eigvalsh(a).abs()
        largest = s.amax(-1, keepdim=True)
    else:
        s = svdvals(a)
        largest = s[..., :1]  # s is descending
    return (s > _tolerance(largest, atol, rtol, default)).sum(-1)


@replaces(aten.linalg_matrix_rank.atol_rtol_tensor, aten.linalg_matrix_rank.atol_rtol_float)
def matrix_rank(
    a: torch.Tensor,
    *,
    atol: torch.Tensor | float | None = None,
    rtol: torch.Tensor | float | None = None,
    hermitian: bool = False,
) -> torch.Tensor:
    return _matrix_rank(a, atol, rtol, hermitian)


@replaces(aten.linalg_matrix_rank.default, aten.linalg_matrix_rank.tol_tensor)
def matrix_rank_tol(a: torch.Tensor, tol: torch.Tensor | float, hermitian: bool = False) -> torch.Tensor:
    # torch: tol is the absolute tolerance, rtol = 0.
    return _matrix_rank(a, tol, 0.0, hermitian)


def _lu_factor(a: torch.Tensor, pivot: bool, check_errors: bool, name: str) -> tuple[torch.Tensor, ...]:
    # Opbridge>LuFactor is LAPACK's getrf: (LU, 1-based int32 pivots, the row order perm of
    # P^T A, info).
    _check_dtype(name, a)
    if not pivot:
        raise ValueError(f"torch.{name}: LU without pivoting is not implemented on the CPU (as torch)")
    return op("Opbridge>LuFactor")(a, check_errors=check_errors)


@replaces(aten.linalg_lu_factor.default)
def lu_factor(a: torch.Tensor, *, pivot: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    # torch raises for an exactly zero pivot: the converted model's invoke fails with its message.
    lu, pivots, _, _ = _lu_factor(a, pivot, True, "linalg.lu_factor")
    return lu, pivots


@replaces(aten.linalg_lu_factor_ex.default)
def lu_factor_ex(
    a: torch.Tensor, *, pivot: bool = True, check_errors: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lu, pivots, _, info = _lu_factor(a, pivot, check_errors, "linalg.lu_factor_ex")
    return lu, pivots, info


def _one_hot_rows(perm: torch.Tensor, dtype: torch.dtype, transpose: bool) -> torch.Tensor:
    # Q [..., m, m] with Q[i, r] = (perm[i] == r): Q A takes row perm[i] of A to row i (P^T A);
    # transpose=True gives Q^T = P. Exact products for finite operands.
    m = perm.shape[-1]
    rows = torch.arange(m, dtype=perm.dtype)
    hits = perm.unsqueeze(-2) == rows.unsqueeze(-1) if transpose else perm.unsqueeze(-1) == rows
    return hits.to(dtype)


def _triangles(lu: torch.Tensor, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    # L (unit lower, m x k) and U (upper, k x n) of a packed m x n factor, by selects.
    _refuse_float64(lu, name, "select")
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    left, top = lu[..., :, :k], lu[..., :k, :]
    ones = torch.ones(m, k, dtype=torch.bool)
    strict = ones.tril(-1)
    diagonal = ones.tril() & ~strict
    lower = torch.where(strict, left, diagonal.to(lu.dtype))
    upper = torch.where(torch.ones(k, n, dtype=torch.bool).triu(), top, torch.zeros_like(top))
    return lower, upper


@replaces(aten.linalg_lu.default)
def lu(a: torch.Tensor, *, pivot: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # A = P L U. torch does not raise for a singular matrix, nor does this (check_errors=False).
    if a.numel() == 0:  # (litert-torch cannot lower the selects on empty tensors)
        _check_dtype("linalg.lu", a)
        m, n = a.shape[-2], a.shape[-1]
        batch, k = a.shape[:-2], min(m, n)
        return a.new_zeros((*batch, m, m)), a.new_zeros((*batch, m, k)), a.new_zeros((*batch, k, n))
    packed, _, perm, _ = _lu_factor(a, pivot, False, "linalg.lu")
    lower, upper = _triangles(packed, "linalg.lu")
    return _one_hot_rows(perm, a.dtype, transpose=True), lower, upper


def _pivots_to_perm(pivots: torch.Tensor, m: int) -> torch.Tensor:
    # LAPACK's interchanges (row j swapped with row pivots[j] - 1, j = 0, 1, ...) applied to
    # 0..m-1: the row order of P^T A. Sequential, unrolled over the k static steps, each an
    # elementwise select on [..., m] (no gather: TFLite's would need int64 indices here).
    rows = torch.arange(m, dtype=torch.int32)
    perm = rows.expand(*pivots.shape[:-1], m)
    for j in range(pivots.shape[-1]):
        other = pivots[..., j : j + 1].to(torch.int32) - 1
        at_j = perm[..., j : j + 1]
        at_other = (perm * (rows == other).to(torch.int32)).sum(-1, keepdim=True)
        perm = torch.where(rows == j, at_other, torch.where(rows == other, at_j, perm))
    return perm


@replaces(aten.linalg_lu_solve.default)
def lu_solve(
    lu: torch.Tensor, pivots: torch.Tensor, b: torch.Tensor, *, left: bool = True, adjoint: bool = False
) -> torch.Tensor:
    # A = P L U (L unit lower, U upper, packed in `lu`), torch's broadcasting of the batch dims.
    # left, not adjoint: X = U^-1 L^-1 P^T B; adjoint: A^T X = B gives X = P L^-T U^-T B;
    # left=False: X A = B is A^T X^T = B^T (and X A^T = B is A X^T = B^T).
    name = "linalg.lu_solve"
    _check_dtype(name, lu, b)
    n = lu.shape[-1]
    if lu.numel() == 0 or b.numel() == 0:  # (litert-torch cannot lower the selects on empty tensors)
        batch = torch.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
        return b.new_zeros((*batch, *b.shape[-2:]))
    if not left:
        return _mT(lu_solve(lu, pivots, _mT(b, name), left=True, adjoint=not adjoint), name)
    unit_lower = _unit_diagonal(lu, False, name)
    solve = op("MatrixTriangularSolve")
    perm = _pivots_to_perm(pivots, n)
    if not adjoint:
        y = solve(unit_lower, _one_hot_rows(perm, b.dtype, transpose=False) @ b, lower=True, adjoint=False)
        return solve(lu, y, lower=False, adjoint=False)
    y = solve(lu, b, lower=False, adjoint=True)
    return _one_hot_rows(perm, b.dtype, transpose=True) @ solve(unit_lower, y, lower=True, adjoint=True)


@replaces(aten.linalg_householder_product.default, aten.orgqr.default)
def householder_product(a: torch.Tensor, tau: torch.Tensor) -> torch.Tensor:
    # Q = H_1 ... H_k (first n columns), H_i = I - tau_i v_i v_i^T with v_i column i of A below
    # the diagonal and 1 on it (LAPACK orgqr). As orgqr's unblocked form: H_k first, applied to
    # the m x n identity, then H_{k-1} .. H_1, each a rank-1 update Q -= tau_i v_i (v_i^T Q);
    # LAPACK blocks the reflectors (larft/larfb): the same product to rounding.
    name = "linalg.householder_product"
    _check_dtype(name, a, tau)
    m, n, k = a.shape[-2], a.shape[-1], tau.shape[-1]
    if m < n:
        raise ValueError(f"torch.{name}: input.shape[-2] must be >= input.shape[-1] (got {m} x {n})")
    if k > n:
        raise ValueError(f"torch.{name}: tau.shape[-1] must be <= input.shape[-1] (got {k} > {n})")
    if tuple(a.shape[:-2]) != tuple(tau.shape[:-1]):
        raise ValueError(f"torch.{name}: batch dims of input {tuple(a.shape[:-2])} and tau differ")
    _refuse_float64(a, name, "select")
    ones = torch.ones(m, n, dtype=torch.bool)
    strict = ones.tril(-1)
    identity = (ones.tril() & ~strict).to(a.dtype)  # (no torch.eye: its IOTA does not load)
    if a.numel() == 0:
        return identity.expand(a.shape).clone()
    v = torch.where(strict, a, identity)  # unit lower trapezoid: the reflectors' vectors
    q = identity.expand(a.shape)
    for i in reversed(range(k)):
        vi = v[..., :, i : i + 1]  # [..., m, 1]
        w = (vi * q).sum(-2, keepdim=True)  # v_i^T Q, [..., 1, n]
        q = q - tau[..., i : i + 1].unsqueeze(-1) * vi * w
    return q


def _eig(a: torch.Tensor, compute_v: bool) -> tuple[torch.Tensor, torch.Tensor]:
    # TF's Eig (Eigen's real Schur form). Eigenvalues come in the Schur form's diagonal order,
    # as LAPACK geev's (torch's), and agreed with torch's order on every matrix tried; eigenvectors
    # have unit 2-norm as torch's but a different complex phase per column (LAPACK makes the
    # largest component real, and a real vector's sign is the implementation's), so they equal
    # torch's only up to that phase.
    _check_dtype("linalg.eig", a)
    tout = "complex64" if a.dtype == torch.float32 else "complex128"
    return op("Eig")(a, compute_v=compute_v, Tout=tout)


@replaces(aten.linalg_eigvals.default)
def eigvals(a: torch.Tensor) -> torch.Tensor:
    return _eig(a, False)[0]


@replaces(aten.linalg_eig.default)
def eig(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    e, v = _eig(a, True)
    return e, v


# --- _ex variants, lu_unpack, cholesky_inverse, tensorinv ----------------------------------------


def _lu_solve_ex(
    a: torch.Tensor, b: torch.Tensor, left: bool, name: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    # torch's _linalg_solve_ex: getrf of A (no error for a singular A: info > 0 and the solve
    # divides by the zero pivot, giving inf/NaN as torch), then getrs, with solve's vector rule.
    _check_dtype(name, a, b)
    _refuse_float64(a, name, "select")  # lu_solve's unit diagonal
    vector = _solve_is_vector_rhs(a, b)
    if vector and not left:
        raise ValueError(f"torch.{name}: vector broadcasting is not supported for left=False")
    packed, pivots, _, info = _lu_factor(a, True, False, name)
    rhs = b.unsqueeze(-1) if vector else b
    x = lu_solve(packed, pivots, rhs, left=left)
    return (x.squeeze(-1) if vector else x), packed, pivots, info


@replaces(aten._linalg_solve_ex.default)
def solve_ex_full(
    a: torch.Tensor, b: torch.Tensor, *, left: bool = True, check_errors: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    if check_errors:  # torch raises for a singular A: MatrixSolve's invoke fails as well
        x = solve(a, b, left=left)
        packed, pivots, _, info = _lu_factor(a, True, False, "linalg.solve_ex")
        return x, packed, pivots, info
    return _lu_solve_ex(a, b, left, "linalg.solve_ex")


@replaces(aten.linalg_solve_ex.default)
def solve_ex(
    a: torch.Tensor, b: torch.Tensor, *, left: bool = True, check_errors: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    if check_errors:
        return solve(a, b, left=left), _lu_factor(a, True, False, "linalg.solve_ex")[3]
    x, _, _, info = _lu_solve_ex(a, b, left, "linalg.solve_ex")
    return x, info


def _identity(n: int, dtype: torch.dtype) -> torch.Tensor:
    # A constant (torch.eye lowers to an IOTA the interpreter cannot load).
    ones = torch.ones(n, n, dtype=torch.bool)
    return (ones.tril() & ~ones.tril(-1)).to(dtype)


@replaces(aten.linalg_inv_ex.default)
def inv_ex(a: torch.Tensor, *, check_errors: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    # torch: linalg_solve_ex(A, I). A singular A gives info > 0 and inf/NaN entries, not an error
    # (what linalg.cond(p in 1, inf, 'fro', 'nuc') relies on for its inf); check_errors=True
    # raises: MatrixInverse's invoke fails.
    name = "linalg.inv_ex"
    _check_dtype(name, a)
    if check_errors:
        return inv(a), _lu_factor(a, True, False, name)[3]
    _refuse_float64(a, name, "select")  # lu_solve's unit diagonal
    if a.numel() == 0:
        return a.new_zeros(a.shape), a.new_zeros(a.shape[:-2], dtype=torch.int32)
    packed, pivots, _, info = _lu_factor(a, True, False, name)
    return lu_solve(packed, pivots, _identity(a.shape[-1], a.dtype)), info


@replaces(aten.linalg_tensorinv.default)
def tensorinv(a: torch.Tensor, ind: int = 2) -> torch.Tensor:
    # torch: inv of A reshaped to (prod(shape[:ind]), prod(shape[ind:])), raising for a singular
    # one (MatrixInverse's invoke fails), reshaped to shape[ind:] + shape[:ind].
    _check_dtype("linalg.tensorinv", a)
    if ind <= 0:
        raise ValueError(f"torch.linalg.tensorinv: expected a strictly positive integer for 'ind', got {ind}")
    left, right = tuple(a.shape[:ind]), tuple(a.shape[ind:])
    rows = int(torch.Size(left).numel())
    cols = int(torch.Size(right).numel())
    if rows != cols:
        raise ValueError(
            "torch.linalg.tensorinv: expected prod(shape[ind:]) == prod(shape[:ind]), "
            f"but got {cols} != {rows}"
        )
    return inv(a.reshape(rows, cols)).reshape(*right, *left)


@replaces(aten.cholesky_inverse.default)
def cholesky_inverse(factor: torch.Tensor, upper: bool = False) -> torch.Tensor:
    # (L L^T)^-1 (upper: (U^T U)^-1): cholesky_solve of the identity, the two triangular solves on
    # the factor's own triangle (LAPACK potri reads only it too). Float64 works (no transpose).
    _check_dtype("cholesky_inverse", factor)
    if factor.numel() == 0:
        return factor.new_zeros(factor.shape)
    return cholesky_solve(_identity(factor.shape[-1], factor.dtype), factor, upper)


@replaces(aten.lu_unpack.default)
def lu_unpack(
    lu_data: torch.Tensor, lu_pivots: torch.Tensor, unpack_data: bool = True, unpack_pivots: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # A = P L U from lu_factor's packed factor and LAPACK pivots; the parts not asked for are empty,
    # as torch's.
    name = "lu_unpack"
    _check_dtype(name, lu_data)
    m, n = lu_data.shape[-2], lu_data.shape[-1]
    batch, k = lu_data.shape[:-2], min(m, n)
    empty = lu_data.new_zeros((0,))
    if lu_data.numel() == 0:
        lower, upper = lu_data.new_zeros((*batch, m, k)), lu_data.new_zeros((*batch, k, n))
        p = lu_data.new_zeros((*batch, m, m))
    else:
        lower, upper = _triangles(lu_data, "lu_unpack") if unpack_data else (empty, empty)
        p = (
            _one_hot_rows(_pivots_to_perm(lu_pivots, m), lu_data.dtype, transpose=True)
            if unpack_pivots
            else empty
        )
    if not unpack_data:
        lower, upper = empty, empty
    if not unpack_pivots:
        p = empty
    return p, lower, upper


@replaces(aten.linalg_cholesky_ex.default)
def cholesky_ex(
    a: torch.Tensor, *, upper: bool = False, check_errors: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    # Opbridge>CholeskyEx is LAPACK's potrf: info and, where it fails, potf2's partial factor
    # (torch's), not TF Cholesky's NaN; check_errors fails the invoke with torch's message.
    _check_dtype("linalg.cholesky_ex", a)
    return op("Opbridge>CholeskyEx")(a, upper=upper, check_errors=check_errors)


@replaces(aten.geqrf.default)
def geqrf(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # Opbridge>Geqrf is LAPACK's geqrf: R and the Householder vectors packed, and tau.
    _check_dtype("geqrf", a)
    return op("Opbridge>Geqrf")(a)


@replaces(aten.ormqr.default)
def ormqr(
    a: torch.Tensor, tau: torch.Tensor, c: torch.Tensor, left: bool = True, transpose: bool = False
) -> torch.Tensor:
    # op(Q) C (left) or C op(Q) with Q = H_1 ... H_k from geqrf's reflectors (column i of A below
    # the diagonal, 1 on it; H_i = I - tau_i v_i v_i^T), applied one by one as LAPACK's unblocked
    # orm2r: Q C = H_1 (... (H_k C)) from H_k, Q^T C from H_1, C Q from H_1, C Q^T from H_k.
    name = "ormqr"
    _check_dtype(name, a, tau, c)
    rows, k = a.shape[-2], tau.shape[-1]
    order = c.shape[-2] if left else c.shape[-1]
    if rows != order:
        side = "other.shape[-2]" if left else "other.shape[-1]"
        raise ValueError(f"torch.{name}: input.shape[-2] ({rows}) must equal {side} ({order})")
    if k > a.shape[-1] or k > rows:
        raise ValueError(f"torch.{name}: tau.shape[-1] ({k}) must be <= input.shape[-1] and input.shape[-2]")
    if not (tuple(a.shape[:-2]) == tuple(tau.shape[:-1]) == tuple(c.shape[:-2])):
        raise ValueError(f"torch.{name}: the batch dims of input, tau and other must be equal")
    if c.numel() == 0 or k == 0:
        return c.clone()
    _refuse_float64(a, name, "select")
    ones = torch.ones(rows, k, dtype=torch.bool)
    strict = ones.tril(-1)
    v = torch.where(strict, a[..., :, :k], (ones.tril() & ~strict).to(a.dtype))  # [..., rows, k]
    steps = range(k) if left == transpose else reversed(range(k))
    for i in steps:
        vi = v[..., :, i : i + 1]  # [..., rows, 1]
        ti = tau[..., i : i + 1].unsqueeze(-1)  # [..., 1, 1]
        if left:  # H_i C = C - tau v (v^T C)
            c = c - ti * vi * (vi * c).sum(-2, keepdim=True)
        else:  # C H_i = C - tau (C v) v^T
            vt = vi.squeeze(-1).unsqueeze(-2)  # [..., 1, rows]
            c = c - ti * (c * vt).sum(-1, keepdim=True) * vt
    return c


def _ldl_factor(a: torch.Tensor, hermitian: bool, check_errors: bool, name: str) -> tuple[torch.Tensor, ...]:
    # Opbridge>LdlFactor is LAPACK's sytrf (lower, Bunch-Kaufman): (LD, 1-based int32 pivots,
    # info). hermitian changes nothing for real matrices.
    _check_dtype(name, a)
    return op("Opbridge>LdlFactor")(a, check_errors=check_errors)


@replaces(aten.linalg_ldl_factor_ex.default)
def ldl_factor_ex(
    a: torch.Tensor, *, hermitian: bool = False, check_errors: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    ld, pivots, info = _ldl_factor(a, hermitian, check_errors, "linalg.ldl_factor_ex")
    return ld, pivots, info


@replaces(aten.linalg_ldl_factor.default)
def ldl_factor(a: torch.Tensor, *, hermitian: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    # torch raises for an exactly zero D block: the converted model's invoke fails.
    ld, pivots, _ = _ldl_factor(a, hermitian, True, "linalg.ldl_factor")
    return ld, pivots


@replaces(aten.linalg_ldl_solve.default)
def ldl_solve(
    ld: torch.Tensor, pivots: torch.Tensor, b: torch.Tensor, *, hermitian: bool = False
) -> torch.Tensor:
    # Opbridge>LdlSolve is LAPACK's sytrs; torch broadcasts the batch dims of LD (with pivots)
    # and B, done here.
    name = "linalg.ldl_solve"
    _check_dtype(name, ld, b)
    batch = torch.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
    n = ld.shape[-1]
    if tuple(ld.shape[:-2]) != tuple(batch):
        _refuse_float64(ld, name, "batch broadcast")
        ld = ld.expand(*batch, n, n)
    if tuple(pivots.shape[:-1]) != tuple(batch):
        pivots = pivots.expand(*batch, n)
    if tuple(b.shape[:-2]) != tuple(batch):
        _refuse_float64(b, name, "batch broadcast")
        b = b.expand(*batch, *b.shape[-2:])
    return op("Opbridge>LdlSolve")(ld, pivots.to(torch.int32), b)
