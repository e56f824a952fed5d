"""torch.special and elementwise special functions on opbridge's kernels.

litert-torch 0.10 has no lowering for any of the gamma, zeta, Bessel or
erfc/erfinv/erfcx functions ("Lowering not found: aten.<op>"), and lowers some
elementary functions into formulas that are wrong at ordinary inputs: tan of a
large argument (no range reduction), sinh/asinh/atanh of a small one (exp(x) -
exp(-x) and log-based formulas cancel: atanh(1e-30) = 0), acosh/asinh of a
large one (x*x overflows), cosh(NaN) = 0. Those go to the TF kernels.

Where TF's kernel (Eigen/Cephes) and torch differ outside a function's domain
(digamma at +-0, Bessel Y and K of a negative x, igamma with a = 0, ...), the
rewrite selects torch's value with plain torch ops, which litert-torch lowers
to builtins. Half and bfloat16 are computed in float32 and rounded, as torch's
CPU kernels do for most of these (not i0e: torch evaluates its half in half).

float64 (convert with enable_x64=True): litert-torch computes every float64
builtin in float32 (it wraps add, sub, mul, select, less in casts; abs, div,
equal, floor, exp, sin, broadcast_to... fail to legalize), so a torch-side fix
would round a double to a float. In float64 the rewrites are therefore the
kernels alone (erfinv adds opbridge's Abs, Sign and Mul kernels, mvlgamma
AddV2), and keep Eigen's values where they differ from torch's at domain
edges: digamma(+-0) NaN (torch -+inf); Bessel Y0/Y1 of x < 0 -inf, Y1(+-0) NaN
and K0/K1/K0e/K1e of x < 0 +inf (torch NaN, -inf, NaN); igamma/igammac with
a = 0 NaN (torch 1/0 for x > 0); zeta at an integer q <= 0 and odd x NaN
(torch inf), zeta(x, +inf) and zeta(+inf, q > 1) 0 (torch NaN);
polygamma(1, x) at the poles +inf (torch a large finite value from sin(pi x)
rounding), polygamma(n >= 2) at the poles NaN for even n (torch -inf); and
erfinv(y) for |y| << 1 has Erfinv's absolute error (~1e-16), not a relative one.
erfcx (and log_ndtr, which litert-torch decomposes into it) run on Opbridge>Erfcx, torch's own
algorithm and roundings: torch's bits except float32 x > 50 (within 2 ulp); log_ndtr keeps torch's
branch at x < -1, within 4 ulp (float32) / 8 ulp (float64) of torch (TF's Erfc against glibc's),
and for float32 x > 11.7 loses relative accuracy to the Erfc kernel's flushed subnormals
(docs/ops/erfcx.md). Half and bfloat16 are refused for both, as torch refuses them.
logcumsumexp runs on Opbridge>LogCumSumExp, torch's CPU rule and accumulation (bitwise).
The orthogonal polynomials (chebyshev_polynomial_t/u/v/w and the shifted ones, hermite_polynomial_h/he,
laguerre_polynomial_l, legendre_polynomial_p; tensor or scalar x and n) run on
Opbridge>OrthogonalPolynomial, torch's algorithm and its x86 build's fused recurrence steps (bitwise,
float32 and float64; docs/ops/orthogonal_polynomial.md).
airy_ai runs on Opbridge>AiryAi, torch's algorithm (Cephes' series and asymptotic forms) and its x86
build's fused steps (bitwise; docs/ops/airy_ai.md).
spherical_bessel_j0 takes sin(x) = 2t / (1 + t^2), t = Tan(x/2): TFLite's SIN builtin has no range
reduction (sin(1e10) = -4891, NaN from 1e20); within 4 ulp of torch in float32.
Binary functions of rank > 5 are broadcast by the kernel (TF's limit: 5 merged
dims) rather than here.

float32 limits kept from the kernels: results below the smallest normal float
(and, for zeta and polygamma n >= 2, any whose terms x^-(n+1) fall below it:
x > 4.4e12 for n = 2, x > 64 for n = 20) are flushed to 0 (TF's float mode),
where torch, summing in double, keeps them; zeta(x, q) for q < -9 not an
integer sums Eigen's float series from a negative q (wrong; torch sums in
double)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_KERNEL_DTYPES = (torch.float32, torch.float64)
_MAX_KERNEL_BROADCAST_RANK = 5  # TF's binary cwise kernels broadcast at most 5 (merged) dims


def _x64(t: torch.Tensor) -> bool:
    return t.dtype == torch.float64


def _work_dtype(x: torch.Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(torch's result dtype, the dtype the kernel computes in)."""
    out = x.dtype if x.is_floating_point() else torch.get_default_dtype()
    return out, (out if out in _KERNEL_DTYPES else torch.float32)


def _unary(
    kernel: str, x: torch.Tensor, fix: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
) -> Any:
    """kernel(x) in torch's result dtype (integers promote to float32; half computes in float32).
    Complex inputs are left to litert-torch (NotImplemented keeps the aten op)."""
    if x.is_complex():
        return NotImplemented
    out_dtype, work_dtype = _work_dtype(x)
    work = x.to(work_dtype)
    y = op(kernel)(work)
    if fix is not None and not _x64(work):
        y = fix(work, y)
    return y.to(out_dtype)


def _binary(
    kernel: str,
    a: torch.Tensor,
    b: torch.Tensor,
    fix: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """kernel(a, b) with torch's type promotion and broadcasting (the kernels broadcast as TF's
    binary ops do, up to 5 merged dims; higher ranks are broadcast here first)."""
    promoted = torch.result_type(a, b)
    out_dtype = promoted if promoted.is_floating_point else torch.get_default_dtype()
    work_dtype = out_dtype if out_dtype in _KERNEL_DTYPES else torch.float32
    a, b = a.to(work_dtype), b.to(work_dtype)
    if a.shape != b.shape and max(a.dim(), b.dim()) > _MAX_KERNEL_BROADCAST_RANK and not _x64(a):
        a, b = torch.broadcast_tensors(a, b)
    z = op(kernel)(a, b)
    if fix is not None and not _x64(z):
        z = fix(a, b, z)
    return z.to(out_dtype)


def _full(t: torch.Tensor, v: float) -> torch.Tensor:
    return torch.full_like(t, v)


def _nan_where(mask: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.where(mask, _full(y, math.nan), y)


# --- erf family ---------------------------------------------------------------------------------------


@replaces(aten.erfinv.default, aten.special_erfinv.default)
def erfinv(y: torch.Tensor) -> Any:
    # TF's Erfinv is ndtri(y/2 + 1/2) / sqrt(2): y/2 + 1/2 rounds, so it is far from torch's
    # values near |y| = 1 (erfinv(0.99999994f) = inf, true 3.85) and near 0 (erfinv(1e-30) = 0).
    # Odd symmetry gives an exact argument instead: x = -Erfinv(-|y|) = -ndtri(1/2 - |y|/2) / sqrt(2)
    # (exact for |y| >= 1/2, Sterbenz); below 1/2, one Newton step on erf(x) = |y| (erf' >= 0.88
    # there) restores the relative accuracy: x -= (erf(x) - |y|) sqrt(pi)/2 exp(x^2).
    if y.is_complex():
        return NotImplemented
    out_dtype, work_dtype = _work_dtype(y)
    y = y.to(work_dtype)
    if _x64(y):
        # kernels only (see the module's note): sign(y) * -Erfinv(-|y|); +-0 and NaN pass through
        magnitude = op("Erfinv")(op("Mul")(op("Abs")(y), _full(y, -1.0)))
        return op("Mul")(op("Sign")(y), op("Mul")(magnitude, _full(y, -1.0)))
    negative = y < 0
    a = torch.abs(y)
    x = -op("Erfinv")(-a)
    newton = x - (torch.erf(x) - a) * (math.sqrt(math.pi) / 2) * torch.exp(x * x)
    x = torch.where(a < 0.5, newton, x)
    # odd, with erfinv(-0) = -0 (litert-torch has no copysign)
    return torch.where(negative, -x, torch.where(y == 0, y, x)).to(out_dtype)


@replaces(aten.erfc.default, aten.special_erfc.default)
def erfc(x: torch.Tensor) -> torch.Tensor:
    return _unary("Erfc", x)


def _float_only(name: str, x: torch.Tensor) -> None:
    # torch's CPU kernel dispatches float and double only (integers promote to float32)
    if x.dtype in (torch.float16, torch.bfloat16) or x.is_complex():
        raise ValueError(
            f"{name}: torch has no kernel for {x.dtype} ('{name}_cpu' not implemented); use float32"
        )


@replaces(aten.special_erfcx.default)
def erfcx(x: torch.Tensor) -> torch.Tensor:
    # exp(x^2) erfc(x) on Opbridge>Erfcx, torch's algorithm (Johnson's Chebyshev fits) in both
    # float32 and float64 (docs/ops/erfcx.md)
    _float_only("erfcx", x)
    return _unary("Opbridge>Erfcx", x)


@replaces(aten.special_log_ndtr.default)
def log_ndtr(x: torch.Tensor) -> torch.Tensor:
    # torch's CPU rule (calc_log_ndtr, SciPy's): t = x / sqrt(2); x < -1: log(erfcx(-t) / 2) - t^2,
    # else log1p(-erfc(t) / 2). litert-torch's own decomposition (torch's _refs) switches at x < 1
    # instead and needs erfcx anyway; this keeps torch's branch and its roundings.
    _float_only("log_ndtr", x)
    out_dtype, work_dtype = _work_dtype(x)
    x = x.to(work_dtype)
    scale = float(np.float32(math.sqrt(0.5))) if work_dtype == torch.float32 else math.sqrt(0.5)
    if _x64(x):  # kernels only (see the module's note)
        t = op("Mul")(x, _full(x, scale))
        tail = op("Sub")(
            op("Log")(op("Mul")(op("Opbridge>Erfcx")(op("Neg")(t)), _full(x, 0.5))), op("Mul")(t, t)
        )
        body = op("Log1p")(op("Mul")(op("Erfc")(t), _full(x, -0.5)))
        return op("SelectV2")(op("Less")(x, _full(x, -1.0)), tail, body)
    t = x * scale
    tail = torch.log(op("Opbridge>Erfcx")(-t) * 0.5) - t * t
    body = log1p(erfc(t) * -0.5)
    return torch.where(x < -1, tail, body).to(out_dtype)


# --- gamma family -------------------------------------------------------------------------------------


@replaces(aten.lgamma.default, aten.special_gammaln.default)
def lgamma(x: torch.Tensor) -> torch.Tensor:
    return _unary("Lgamma", x)


def _digamma_fix(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # torch: digamma(+-0) = -+inf (the limit from the other side); Eigen gives NaN there.
    # -1/x is that value, sign of zero included (litert-torch has no copysign or signbit).
    return torch.where(x == 0, -1 / x, y)


@replaces(aten.digamma.default, aten.special_digamma.default, aten.special_psi.default)
def digamma(x: torch.Tensor) -> torch.Tensor:
    return _unary("Digamma", x, _digamma_fix)


@replaces(aten.polygamma.default, aten.special_polygamma.default)
def polygamma(n: int, x: torch.Tensor) -> Any:
    if n < 0:
        raise ValueError(f"polygamma(n, x): n must be non-negative, got {n} (torch refuses it too)")
    if n == 0:
        return digamma(x)
    if x.is_complex():
        return NotImplemented
    out_dtype, work_dtype = _work_dtype(x)
    x = x.to(work_dtype)
    kernel = op("Polygamma")
    if _x64(x):
        # Eigen's double zeta sums until q + k > 9, so a negative x is right (and takes about |x|
        # terms); the poles keep Eigen's values (see the module's note).
        return kernel(_full(x, float(n)), x)
    if n == 1:
        # torch's trigamma reflects x < 1/2: pi^2 / sin(pi x)^2 - trigamma(1 - x), with sin of the
        # rounded pi x, so its values at the poles are large and finite; and Eigen's float series
        # is wrong for a negative x. The kernel serves 1 - x >= 1/2.
        reflect = x < 0.5
        t = torch.where(reflect, 1 - x, x)
        y = kernel(torch.ones_like(t), t)
        # Eigen's float zeta flushes t^-2 once it is subnormal (t > 1.8e19), giving 0: there
        # 1/t + 1/(2 t^2) is exact to far below an ulp.
        y = torch.where(t > 1e8, 1 / t + 0.5 / (t * t), y)
        pi = np.float32(math.pi)
        s = torch.sin(math.pi * x)
        return torch.where(reflect, float(pi * pi) / (s * s) - y, y).to(out_dtype)
    else:
        # torch: (-1)^(n+1) n! zeta(n + 1, x), its zeta summed in double. Eigen's float zeta is
        # wrong for a negative q: a negative x is reflected,
        # psi_n(x) = (-1)^n psi_n(1 - x) - pi^(n+1) P_n(cot(pi x)), P_0(c) = c,
        # P_{k+1}(c) = -(1 + c^2) P_k'(c).
        reflect = x < 0
        t = torch.where(reflect, 1 - x, x)
        y = kernel(_full(t, float(n)), t)
        c = _cot_pi(x)
        poly = torch.zeros_like(c)
        for coefficient in reversed(_cot_derivative(n)):
            poly = poly * c + coefficient
        reflected = (-1.0) ** n * y - math.pi ** (n + 1) * poly
        y = torch.where(reflect, reflected, y)
    # torch's zeta edges (q = x): +-inf at the poles (the sign of (-1)^(n+1)), NaN at +inf.
    pole = torch.logical_and(x <= 0, x == torch.floor(x))
    y = torch.where(pole, _full(y, math.inf if n % 2 else -math.inf), y)
    return _nan_where(x == math.inf, y).to(out_dtype)


def _cot_pi(x: torch.Tensor) -> torch.Tensor:
    """cot(pi x) (float32) to a few ulps: reduced exactly to r = x - round(x) in [-1/2, 1/2], and
    for |r| > 1/4 written as -tan(pi (r -+ 1/2)) so that no sine or cosine is taken near its zero."""
    r = x - torch.round(x)
    near = torch.abs(r) <= 0.25
    s = torch.where(near, r, torch.where(r < 0, r + 0.5, r - 0.5))
    sin, cos = torch.sin(math.pi * s), torch.cos(math.pi * s)
    return torch.where(near, cos / sin, -sin / cos)


def _cot_derivative(n: int) -> list[float]:
    """Coefficients (constant first) of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))."""
    p = [0, 1]
    for _ in range(n):
        derivative = [k * p[k] for k in range(1, len(p))] or [0]
        p = [0] * (len(derivative) + 2)
        for k, d in enumerate(derivative):  # -(1 + c^2) * P'
            p[k] -= d
            p[k + 2] -= d
    return [float(v) for v in p]


@replaces(aten.mvlgamma.default, aten.special_multigammaln.default)
def mvlgamma(x: torch.Tensor, p: int) -> torch.Tensor:
    # torch: sum over j < p of lgamma(x - j/2), plus p(p-1)/4 log(pi). torch checks x > (p-1)/2 in
    # eager only (a value check a converted model cannot make): outside it, lgamma's values.
    if p < 1:
        raise ValueError(f"mvlgamma: p has to be greater than or equal to 1, got {p}")
    out_dtype, _ = _work_dtype(x)
    x = x.to(out_dtype)
    constant = p * (p - 1) * math.log(math.pi) * 0.25
    if _x64(x):  # opbridge's AddV2 kernel: litert-torch adds doubles in float32
        add = op("AddV2")
        total = lgamma(add(x, _full(x, -0.5 * (p - 1))))
        for j in range(p - 2, -1, -1):  # torch's order: offsets -(p-1)/2 ... 0
            total = add(total, lgamma(add(x, _full(x, -0.5 * j))))
        return add(total, _full(x, constant))
    total = lgamma(x - 0.5 * (p - 1))
    for j in range(p - 2, -1, -1):
        total = total + lgamma(x - 0.5 * j)
    return total + constant


def _igamma_edges(a: torch.Tensor, x: torch.Tensor, z: torch.Tensor, lower: bool) -> torch.Tensor:
    """torch's boundary values (its port of SciPy's igam/igamc), checked in torch's order; Eigen's
    kernel differs at a = 0, at x = 0 with a NaN, and where one input is infinite and the other NaN."""
    lo, hi = (1.0, 0.0) if lower else (0.0, 1.0)
    x_inf = torch.isinf(x)
    z = torch.where(x_inf, _full(z, lo), z)
    z = torch.where(torch.isinf(a), torch.where(x_inf, _full(z, math.nan), _full(z, hi)), z)
    z = torch.where(x == 0, _full(z, hi), z)
    z = torch.where(a == 0, torch.where(x > 0, _full(z, lo), _full(z, math.nan)), z)
    return _nan_where(torch.logical_or(x < 0, a < 0), z)


@replaces(aten.igamma.default, aten.special_gammainc.default)
def igamma(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return _binary("Igamma", a, x, lambda a, x, z: _igamma_edges(a, x, z, lower=True))


@replaces(aten.igammac.default, aten.special_gammaincc.default)
def igammac(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return _binary("Igammac", a, x, lambda a, x, z: _igamma_edges(a, x, z, lower=False))


def _zeta_edges(x: torch.Tensor, q: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """torch's zeta (Cephes) at its domain edges, in its order: x = 1 -> inf, x < 1 -> NaN; q <= 0:
    an integer q -> inf, else a non-integer x -> NaN; q = +inf, or x = +inf with q > 1 -> NaN (its
    series meets 0 * inf). Eigen's differs at the integer q <= 0 (NaN for odd x) and gives 0 for
    those infinite cases."""
    z = _nan_where(torch.logical_or(q == math.inf, torch.logical_and(x == math.inf, q > 1)), z)
    nonpositive = q <= 0
    z = _nan_where(torch.logical_and(nonpositive, x != torch.floor(x)), z)
    z = torch.where(torch.logical_and(nonpositive, q == torch.floor(q)), _full(z, math.inf), z)
    z = _nan_where(x < 1, z)
    return torch.where(x == 1, _full(z, math.inf), z)


@replaces(aten.special_zeta.default)
def zeta(x: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return _binary("Zeta", x, q, _zeta_edges)


@replaces(aten.special_zeta.other_scalar)
def zeta_scalar_q(x: torch.Tensor, q: float) -> torch.Tensor:
    return zeta(x, torch.full_like(x, q, dtype=_scalar_dtype(x)))


@replaces(aten.special_zeta.self_scalar)
def zeta_scalar_x(x: float, q: torch.Tensor) -> torch.Tensor:
    return zeta(torch.full_like(q, x, dtype=_scalar_dtype(q)), q)


def _scalar_dtype(t: torch.Tensor) -> torch.dtype:
    return t.dtype if t.is_floating_point() else torch.get_default_dtype()


# --- Bessel functions ---------------------------------------------------------------------------------


@replaces(aten.i0.default, aten.special_i0.default, aten.special_modified_bessel_i0.default)
def i0(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselI0", x)


@replaces(aten.special_i0e.default)
def i0e(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselI0e", x)


@replaces(aten.special_i1.default, aten.special_modified_bessel_i1.default)
def i1(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselI1", x)


@replaces(aten.special_i1e.default)
def i1e(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselI1e", x)


@replaces(aten.special_bessel_j0.default)
def bessel_j0(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselJ0", x)


@replaces(aten.special_bessel_j1.default)
def bessel_j1(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselJ1", x)


def _negative_is_nan(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # torch's Y and K are NaN for x < 0 (Eigen's formulas give -inf / +inf there).
    return _nan_where(x < 0, y)


@replaces(aten.special_bessel_y0.default)
def bessel_y0(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselY0", x, _negative_is_nan)


def _y1_fix(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # torch: Y1(+-0) = -inf (Eigen: NaN), Y1(x < 0) = NaN.
    return torch.where(x == 0, _full(y, -math.inf), _negative_is_nan(x, y))


@replaces(aten.special_bessel_y1.default)
def bessel_y1(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselY1", x, _y1_fix)


@replaces(aten.special_modified_bessel_k0.default)
def modified_bessel_k0(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselK0", x, _negative_is_nan)


@replaces(aten.special_modified_bessel_k1.default)
def modified_bessel_k1(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselK1", x, _negative_is_nan)


@replaces(aten.special_scaled_modified_bessel_k0.default)
def scaled_modified_bessel_k0(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselK0e", x, _negative_is_nan)


@replaces(aten.special_scaled_modified_bessel_k1.default)
def scaled_modified_bessel_k1(x: torch.Tensor) -> torch.Tensor:
    return _unary("BesselK1e", x, _negative_is_nan)


# --- elementary functions litert-torch lowers wrongly -------------------------------------------------


@replaces(aten.tan.default)
def tan(x: torch.Tensor) -> torch.Tensor:
    return _unary("Tan", x)


@replaces(aten.sinh.default)
def sinh(x: torch.Tensor) -> torch.Tensor:
    return _unary("Sinh", x)


@replaces(aten.cosh.default)
def cosh(x: torch.Tensor) -> torch.Tensor:
    return _unary("Cosh", x)


@replaces(aten.asinh.default, aten.arcsinh.default)
def asinh(x: torch.Tensor) -> torch.Tensor:
    return _unary("Asinh", x)


@replaces(aten.acosh.default, aten.arccosh.default)
def acosh(x: torch.Tensor) -> torch.Tensor:
    return _unary("Acosh", x)


@replaces(aten.atanh.default, aten.arctanh.default)
def atanh(x: torch.Tensor) -> torch.Tensor:
    return _unary("Atanh", x)


def _subnormal_is_itself(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # expm1(x) = log1p(x) = x exactly for |x| below the smallest normal; TF's kernels flush such
    # inputs to zero (TF's float mode), torch keeps them
    tiny = torch.finfo(x.dtype).tiny
    return torch.where(torch.abs(x) < tiny, x, y)


@replaces(aten.expm1.default, aten.special_expm1.default)
def expm1(x: torch.Tensor) -> torch.Tensor:
    # litert-torch lowers expm1 into EXP - 1, which cancels near 0 (expm1(1e-7) 19% high,
    # expm1(1e-30) = 0); TF's Expm1 is the C library's expm1, within 1 ulp
    return _unary("Expm1", x, _subnormal_is_itself)


@replaces(aten.log1p.default, aten.special_log1p.default)
def log1p(x: torch.Tensor) -> torch.Tensor:
    # litert-torch lowers log1p into LOG(1 + x), which cancels near 0 as expm1 does
    return _unary("Log1p", x, _subnormal_is_itself)


@replaces(aten.special_ndtri.default)
def ndtri(p: torch.Tensor) -> torch.Tensor:
    # Eigen's and torch's ndtri are both Cephes': -inf at 0, +inf at 1, NaN outside [0, 1]. A
    # subnormal p is flushed to 0 by the kernel (-inf; torch about -13.2 to -14.1)
    return _unary("Ndtri", p)


# --- scans ---------------------------------------------------------------------------------------------


@replaces(aten.logcumsumexp.default)
def logcumsumexp(x: torch.Tensor, dim: int) -> Any:
    # Opbridge>LogCumSumExp: torch's CPU rule (float accumulated in double, a NaN sticks, equal
    # infinities pass); TF's CumulativeLogsumexp accumulates float in float and treats NaN and
    # +inf, +inf differently (docs/ops/log_cum_sum_exp.md)
    if x.is_complex():
        return NotImplemented  # complex tensors do not convert anyway
    if not x.is_floating_point():
        raise ValueError(
            f"logcumsumexp: torch has no kernel for {x.dtype} ('logcumsumexp_out_cpu' not implemented)"
        )
    rank = max(x.dim(), 1)
    if not -rank <= dim < rank:
        raise ValueError(f"logcumsumexp: dim {dim} out of range for a tensor of rank {x.dim()}")
    if x.dtype == torch.bfloat16:  # no bfloat16 tensors in TFLite: float32 exactly, torch's float accumulator
        y = op("Opbridge>LogCumSumExp")(x.to(torch.float32), axis=dim % rank, float_accumulator=True)
        return y.to(torch.bfloat16)
    return op("Opbridge>LogCumSumExp")(x, axis=dim % rank)


# --- spherical Bessel -----------------------------------------------------------------------------------

# 1/6, 1/120, ... 1/13!: torch's series for |x| < 1/2, with alternating signs
_J0_SERIES = (-1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0, -1.0 / 39916800.0, 1.0 / 6227020800.0)


@replaces(aten.special_spherical_bessel_j0.default)
def spherical_bessel_j0(x: torch.Tensor) -> Any:
    # torch's rule (spherical_bessel_j0_forward): 0 at +-inf; for |x| < 1/2 the Taylor series
    # 1 + x^2 (-1/6 + x^2 (1/120 + ...)) (sin(x)/x cancels nothing there, but torch sums the series);
    # else sin(x) / x. float32: TFLite's SIN builtin has no range reduction (measured: sin(1e10) =
    # -4891, NaN from 1e20; 1 ulp of 1 absolute error near sin's zeros), so sin comes from the Tan
    # kernel, sin x = 2t / (1 + t^2) with t = tan(x/2) (x/2 exact; relative error kept near the
    # zeros: t -> 0 at even multiples of pi, 2/t at odd ones); float64: kernels only (the C
    # library's sin, as torch's).
    if x.is_complex():
        return NotImplemented
    out_dtype, work_dtype = _work_dtype(x)
    x = x.to(work_dtype)
    if _x64(x):
        mul, add = op("Mul"), op("AddV2")
        xx = mul(x, x)
        series = _full(x, _J0_SERIES[-1])
        for c in reversed(_J0_SERIES[:-1]):
            series = add(_full(x, c), mul(xx, series))
        series = add(_full(x, 1.0), mul(xx, series))
        y = op("SelectV2")(op("Less")(op("Abs")(x), _full(x, 0.5)), series, op("RealDiv")(op("Sin")(x), x))
        return op("SelectV2")(op("IsInf")(x), _full(x, 0.0), y)
    xx = x * x
    series = torch.full_like(x, _J0_SERIES[-1])
    for c in reversed(_J0_SERIES[:-1]):
        series = c + xx * series
    series = 1.0 + xx * series
    t = tan(x * 0.5)
    sin = torch.where(torch.abs(t) > 1e18, 2 / t, 2 * t / (1 + t * t))  # t^2 overflows past 1.8e19
    y = torch.where(torch.abs(x) < 0.5, series, sin / x)
    return torch.where(torch.isinf(x), torch.zeros_like(x), y).to(out_dtype)


# --- orthogonal polynomials -----------------------------------------------------------------------------

_POLYNOMIALS = (
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
)


def _polynomial(kind: str, x: Any, n: Any) -> torch.Tensor:
    """Opbridge>OrthogonalPolynomial(x, n): torch's kernel (its recurrences, trigonometric forms, edge
    values and roundings, docs/ops/orthogonal_polynomial.md) for a tensor or scalar degree alike. torch
    promotes x and n to one dtype (integers to float32) and truncates the degree in the kernel."""
    promoted = torch.result_type(x, n)
    if promoted.is_complex or promoted in (torch.float16, torch.bfloat16):
        raise ValueError(
            f"{kind}: torch has no kernel for {promoted} ('{kind}_cpu' not implemented); use float32"
        )
    dtype = promoted if promoted.is_floating_point else torch.get_default_dtype()
    like = x if isinstance(x, torch.Tensor) else n
    x = x.to(dtype) if isinstance(x, torch.Tensor) else torch.full_like(like, x, dtype=dtype)
    n = n.to(dtype) if isinstance(n, torch.Tensor) else torch.full_like(like, n, dtype=dtype)
    return op("Opbridge>OrthogonalPolynomial")(x, n, kind=kind)


def _register_polynomial(kind: str) -> None:
    packet = getattr(aten, "special_" + kind)

    @replaces(packet.default, packet.x_scalar, packet.n_scalar)
    def rewrite(x: Any, n: Any) -> torch.Tensor:
        return _polynomial(kind, x, n)

    rewrite.__name__ = kind


for _kind in _POLYNOMIALS:
    _register_polynomial(_kind)


@replaces(aten.special_airy_ai.default)
def airy_ai(x: torch.Tensor) -> torch.Tensor:
    # Opbridge>AiryAi: torch's algorithm (Cephes' series and asymptotic forms) and its x86 build's
    # fused steps, bitwise (docs/ops/airy_ai.md); integers promote to float32, as in torch
    _float_only("airy_ai", x)
    return _unary("Opbridge>AiryAi", x)
