"""torch functions replaced while torch.export traces the module, for ops whose aten form torch.export
itself cannot trace, so no aten rewrite (decompositions.py) ever sees them: torch.linalg.lstsq, and
torch.cov / torch.corrcoef / F.gaussian_nll_loss, whose value checks (aten.equal, `torch.any(var < 0)`)
torch.export cannot trace; their replacements are torch's formulas without the checks (a model
cannot raise: negative or fractional weights, and a negative variance, are used as given / clamped).

`torch.linalg.lstsq`: its aten op has outputs whose sizes depend on the values (residuals only for a
full-rank tall A, driver-dependent rank and singular values), and torch.export's fake-tensor rule
raises DynamicOutputShapeException before any graph exists. During export the call is answered with
torch ops that opbridge converts (pinv, matrix_rank, svdvals), with the shapes torch's CPU drivers give:

| driver (CPU default gelsy) | solution | residuals | rank | singular_values |
|---|---|---|---|---|
| gels | (*, n, k) | (*, k) if m > n, else (0,) | (0,) | (0,) |
| gelsy | (*, n, k) | (0,) | (*) | (0,) |
| gelsd, gelss | (*, n, k) | (*, k) if m > n, else (0,) | (*) | (*, min(m, n)) |

The solution is the minimum-norm least-squares solution pinv(A, rtol=rcond) @ B, the one gelsy,
gelsd and gelss compute; rcond defaults to eps * max(m, n) as in torch. Differences from torch, by
construction: a rank-deficient A under gelsy decides its rank from QR with column pivoting, the rewrite
from singular values (the same answer unless a singular value sits at the threshold); the solution
agrees to rounding (SVD vs QR, relative error ~ cond(A) * eps); for a rank-deficient tall A torch
returns empty residuals under gels/gelsd/gelss (a value-dependent shape), the model returns the
residuals of the minimum-norm solution; 'gels' on a rank-deficient A is undefined in LAPACK, the model
gives the minimum-norm solution.
"""

from __future__ import annotations

import contextlib
import linecache
import math
import sys
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq(a: torch.Tensor, b: torch.Tensor, rcond: float | None = None, *, driver: str | None = None) -> Any:
    name = "linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"{name}: driver must be one of {_DRIVERS} (torch's CPU drivers), got {driver!r}")
    if a.dim() < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if a.dtype != b.dtype:
        raise ValueError(f"{name}: A ({a.dtype}) and B ({b.dtype}) must have the same dtype")
    m, n = a.shape[-2], a.shape[-1]
    vector = b.dim() == a.dim() - 1
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.shape[-2] != m:
        raise ValueError(f"{name}: A has {m} rows, B has {rhs.shape[-2]}: they must be equal")
    eps = torch.finfo(a.dtype if not a.is_complex() else a.real.dtype).eps
    rtol = eps * max(m, n) if rcond is None or rcond <= 0 else rcond
    solution = torch.linalg.pinv(a, rtol=rtol) @ rhs
    empty = a.new_empty((0,))
    if m > n and driver != "gelsy":
        residual = rhs - a @ solution
        residuals = (residual.abs() ** 2 if a.is_complex() else residual * residual).sum(-2)
    else:
        residuals = empty.real if a.is_complex() else empty
    has_rank = driver != "gels"
    rank = torch.linalg.matrix_rank(a, rtol=rtol) if has_rank else a.new_empty((0,), dtype=torch.int64)
    if driver in ("gelsd", "gelss"):
        singular_values = torch.linalg.svdvals(a)
    else:
        singular_values = empty.real if a.is_complex() else empty
    if vector:  # torch squeezes the solution, not the residuals (shape (*, 1))
        solution = solution.squeeze(-1)
    return torch.return_types.linalg_lstsq((solution, residuals, rank, singular_values))


def _cov(
    x: torch.Tensor,
    *,
    correction: int = 1,
    fweights: torch.Tensor | None = None,
    aweights: torch.Tensor | None = None,
) -> torch.Tensor:
    """torch.cov's formula (aten/native/Correlation.cpp) without its value checks (integral,
    non-negative weights): torch.export fails on them (aten.equal), and a model cannot raise."""
    name = "cov"
    if x.dim() > 2:
        raise ValueError(f"{name}: expected input to have two or fewer dimensions but got {x.dim()}")
    observations = x.view(1, -1) if x.dim() < 2 else x
    n = observations.shape[1]
    w: torch.Tensor | None = None
    for weights, what in ((fweights, "fweights"), (aweights, "aweights")):
        if weights is not None and (weights.dim() > 1 or weights.numel() != n):
            raise ValueError(f"{name}: expected {what} to be a 1-D tensor of {n} elements")
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = observations.mean(1)
        w_sum = torch.tensor(n, dtype=avg.real.dtype if avg.is_complex() else avg.dtype)
        norm_factor = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (observations * w).sum(1) / w_sum
        if aweights is None:
            norm_factor = w_sum - correction
        else:
            norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    norm_factor = torch.where(norm_factor <= 0, torch.zeros_like(norm_factor), norm_factor)
    centered = observations - avg.unsqueeze(1)
    weighted = centered if w is None else centered * w
    c = torch.mm(centered, weighted.t().conj()) / norm_factor
    return c.squeeze()


def _corrcoef(x: torch.Tensor) -> torch.Tensor:
    """torch.corrcoef: cov divided by the outer product of the standard deviations, clipped to [-1, 1]
    (each part for complex)."""
    c = _cov(x)
    if c.dim() == 0:
        return c / c
    stddev = torch.diagonal(c).real.sqrt() if c.is_complex() else torch.diagonal(c).sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    if c.is_complex():
        return torch.complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


def _gaussian_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    var: torch.Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    """F.gaussian_nll_loss (torch/nn/functional.py) without `torch.any(var < 0)`, a data-dependent
    check torch.export cannot trace: a negative variance, where torch raises, is clamped to eps."""
    name = "gaussian_nll_loss"
    if isinstance(var, float):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries")
        var = var * torch.ones_like(input)
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = torch.unsqueeze(var, -1)
        elif not (
            input.ndim == var.ndim
            and sum(y for x, y in zip(input.size(), var.size(), strict=True) if x != y) == 1
        ):
            raise ValueError(f"{name}: var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: {reduction} is not valid")
    var = var.clamp(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


_REPLACED = {
    torch.linalg.lstsq: _lstsq,
    torch.cov: _cov,
    torch.Tensor.cov: _cov,
    torch.corrcoef: _corrcoef,
    torch.Tensor.corrcoef: _corrcoef,
    torch.nn.functional.gaussian_nll_loss: _gaussian_nll_loss,
}


class _Replacing(TorchFunctionMode):
    """_REPLACED's functions answered by their replacements; with `reads` (a _Recording's), each
    value read of an input-independent tensor answered with the value the eager run read there."""

    def __init__(self, reads: dict[tuple[Any, ...], _Read] | None = None) -> None:
        super().__init__()
        self.reads = reads
        self.seen: dict[tuple[Any, ...], int] = {}

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        replacement = _REPLACED.get(func)
        if replacement is not None:  # torch disables the mode inside this call: no recursion
            return replacement(*args, **kwargs)
        if self.reads is not None and (func in _SCALAR_READS or _scalars_in_lists(args)):
            key = _key(func, self.seen)
            read = self.reads.get(key)
            if read is not None and read.replayable:
                if func in _SCALAR_READS:
                    if not _symbolic(args[0]):
                        return read.values[0]
                else:
                    args = _substituted(args, read)
        return func(*args, **kwargs)


@contextlib.contextmanager
def replaced(reads: dict[tuple[Any, ...], _Read] | None = None) -> Iterator[None]:
    """torch.linalg.lstsq (and any later entry of _REPLACED) answered by the replacement while active;
    with `reads` (`record`), input-independent value reads answered with their eager values, and
    transformers' mask skip as in eager (`_transformers_mask_skip`)."""
    with _Replacing(reads), _transformers_mask_skip() if reads is not None else contextlib.nullcontext():
        yield


@contextlib.contextmanager
def _transformers_mask_skip() -> Iterator[None]:
    """transformers' `_ignore_bidirectional_mask_sdpa` deciding as in eager while opbridge exports.

    In eager it drops an all-True padding mask (or none) and SDPA attends everywhere; under
    torch.export (`is_torchdynamo_exporting()`) it never drops it, and an encoder mask then reaches
    layers it was not made for: Informer's distilling conv layers halve the sequence (the mask
    check raises "Attention mask should be of size (1, 1, 4, 4)"), Autoformer's and Nystromformer's
    attention cannot broadcast it. Here a missing mask is dropped, and a mask whose `.all()` the
    eager run read as an input-independent True (a mask of ones the model builds) is dropped too;
    a mask computed from the inputs is kept, as transformers keeps it. Dropping an all-True mask
    changes no value: SDPA without a mask is attention everywhere."""
    masking = sys.modules.get("transformers.masking_utils")
    original = getattr(masking, "_ignore_bidirectional_mask_sdpa", None)
    if original is None:
        yield
        return

    def skip(padding_mask: Any, kv_length: int, local_attention_size: int | None = None) -> bool:
        if local_attention_size is None or kv_length < local_attention_size:
            if padding_mask is None:
                return True
            everything = padding_mask.all().item()  # a Python bool where _Replacing answers it
            if isinstance(everything, bool):
                return everything
        return original(padding_mask, kv_length, local_attention_size)

    masking._ignore_bidirectional_mask_sdpa = skip
    try:
        yield
    finally:
        masking._ignore_bidirectional_mask_sdpa = original


# Specializing on values that do not depend on the inputs.
#
# torch.export traces with fake tensors: it knows shapes, not values. A Python-level read of a
# tensor's value (`if mask.any():`, `.item()`, `int(t)`, a 0-dim tensor inside F.pad's padding
# list) becomes an unbacked symbol, and a branch or a size on it fails ("Could not guard on
# data-dependent expression"). Many models read values that are constants of the model: computed
# from its buffers, its parameters, shapes, or tensors it builds itself (LED/Longformer's
# `is_global_attn` from an attention mask of ones it makes, Encodec/Mimi's padding from stride and
# kernel-size buffers). opbridge runs the module once eagerly on the sample inputs under
# _Recording, which follows which tensors depend on the inputs' values (taint through every torch
# call) and records each value read with the call site; torch.export then runs under _Replacing,
# and a read recorded as input-independent is answered with its eager value, so the graph is the
# one torch runs for every input of these shapes. A read of a value computed from the inputs is
# never answered: a model whose control flow or sizes follow its inputs' values stays unexported,
# and `data_dependence` names the first such read (function, source line) for the error.
#
# Conservative by construction: a tensor is input-dependent if any tensor argument of the call that
# made it was, or it came from a random function; an in-place call with an input-dependent argument
# taints the tensor, its base and the base's views. Python numbers escape the tracking, so after the
# first read of an input-dependent value no later read is replayed.

_T = torch.Tensor
_SCALAR_READS = frozenset({_T.item, _T.__bool__, _T.__int__, _T.__float__, _T.__index__, _T.tolist})
_SIZE_FROM_VALUES = frozenset(
    {
        torch.nonzero,
        _T.nonzero,
        torch.argwhere,
        _T.argwhere,
        torch.masked_select,
        _T.masked_select,
        torch.unique,
        _T.unique,
        torch.unique_consecutive,
        _T.unique_consecutive,
        torch.repeat_interleave,
        _T.repeat_interleave,
        torch.bincount,
        _T.bincount,
    }
)
# Results that depend on the argument's shape and dtype only.
_VALUE_FREE = frozenset(
    {
        torch.ones_like,
        torch.zeros_like,
        torch.empty_like,
        torch.full_like,
        _T.new_ones,
        _T.new_zeros,
        _T.new_empty,
        _T.new_full,
    }
)
_RANDOM = frozenset(
    {
        torch.rand,
        torch.randn,
        torch.randint,
        torch.randperm,
        torch.rand_like,
        torch.randn_like,
        torch.randint_like,
        torch.bernoulli,
        _T.bernoulli,
        _T.bernoulli_,
        torch.multinomial,
        _T.multinomial,
        torch.normal,
        torch.poisson,
        _T.normal_,
        _T.uniform_,
        _T.exponential_,
        _T.random_,
        _T.geometric_,
        _T.log_normal_,
        _T.cauchy_,
    }
)
_INPLACE_DUNDERS = frozenset(
    {"__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__"}
    | {"__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__", "__imatmul__"}
)
_SKIPPED_FILES = (str(torch.__file__).rsplit("/", 1)[0] + "/", __file__, contextlib.__file__)


class _Read:
    """One recorded value read: the values (one for a scalar read, one per 0-dim tensor in a list
    argument), whether each depends on the inputs, and whether it may be answered at export."""

    __slots__ = ("dependent", "func", "replayable", "site", "values")

    def __init__(self, func: Any, site: tuple[str, int], values: list[Any], dependent: list[bool]) -> None:
        self.func, self.site, self.values, self.dependent = func, site, values, dependent
        self.replayable = True


def _site() -> tuple[str, int]:
    """The innermost frame outside torch and opbridge's export code: the model's source line."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_SKIPPED_FILES):
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("?", 0)


def _key(func: Any, seen: dict[tuple[Any, ...], int]) -> tuple[Any, ...]:
    """(call site, function, how many times this pair came before): the same in the eager run
    and in torch.export's run of the same Python code."""
    base = (_site(), func)
    count = seen.get(base, 0)
    seen[base] = count + 1
    return (*base, count)


def _scalars_in_lists(args: Any) -> list[tuple[int, int]]:
    """(argument, element) positions of one-element tensors inside list or tuple arguments (sizes,
    paddings given as 0-dim tensors: the C++ argument parser reads them without a torch function)."""
    return [
        (i, j)
        for i, arg in enumerate(args)
        if isinstance(arg, (list, tuple))
        for j, item in enumerate(arg)
        if isinstance(item, torch.Tensor) and not _symbolic(item) and item.numel() == 1
    ]


def _substituted(args: Any, read: _Read) -> Any:
    positions = _scalars_in_lists(args)
    if len(positions) != len(read.values) or any(read.dependent):
        return args
    out = list(args)
    for (i, j), value in zip(positions, read.values, strict=True):
        if _symbolic(out[i][j]):
            return args
        items = list(out[i])
        items[j] = value
        out[i] = type(out[i])(items) if isinstance(out[i], list) else tuple(items)
    return tuple(out)


def _symbolic(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and any(isinstance(d, torch.SymInt) for d in t.shape)


def _tensors(tree: Any) -> list[torch.Tensor]:
    return [x for x in torch.utils._pytree.tree_leaves(tree) if isinstance(x, torch.Tensor)]


class _Recording(TorchFunctionMode):
    def __init__(self, inputs: Sequence[torch.Tensor]) -> None:
        super().__init__()
        self.dependent: dict[int, Any] = {}  # id -> weakref of each input-dependent tensor
        self.views: dict[int, list[Any]] = {}  # id of a base -> weakrefs of its views
        self.reads: dict[tuple[Any, ...], _Read] = {}
        self.seen: dict[tuple[Any, ...], int] = {}
        self.first_dependent: _Read | None = None  # the first read of an input-dependent value
        self.escaped = False  # an input-dependent Python number exists: replay nothing after
        for t in inputs:
            self._taint(t)

    def _is_dependent(self, t: torch.Tensor) -> bool:
        ref = self.dependent.get(id(t))
        return ref is not None and ref() is t

    def _taint(self, t: torch.Tensor) -> None:
        self.dependent[id(t)] = weakref.ref(t)

    def _taint_inplace(self, t: torch.Tensor) -> None:
        base = t._base if t._base is not None else t
        for x in [t, base, *(ref() for ref in self.views.get(id(base), []))]:
            if x is not None:
                self._taint(x)

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        inputs = _tensors((args, kwargs))
        dependent = any(self._is_dependent(t) for t in inputs)
        positions = [] if func in _SCALAR_READS else _scalars_in_lists(args)
        if func in _SCALAR_READS or positions:
            key = _key(func, self.seen)
            if func in _SCALAR_READS:
                values, flags = [func(*args, **kwargs)], [dependent]
            else:
                values = [args[i][j].item() for i, j in positions]
                flags = [self._is_dependent(args[i][j]) for i, j in positions]
            read = _Read(func, key[0], values, flags)
            read.replayable = not self.escaped and not any(flags)
            self.reads[key] = read
            if any(flags):
                self.escaped = True
                self.first_dependent = self.first_dependent or read
            if func in _SCALAR_READS:
                return values[0]
        result = func(*args, **kwargs)
        if dependent and func in _SIZE_FROM_VALUES and self.first_dependent is None:
            self.first_dependent = _Read(func, _site(), [], [True])
        name = getattr(func, "__name__", "")
        inplace = name in _INPLACE_DUNDERS or (name.endswith("_") and not name.startswith("_"))
        if func in _RANDOM or (dependent and func not in _VALUE_FREE):
            for t in _tensors(result):
                self._taint(t)
            if inplace and args and isinstance(args[0], torch.Tensor):
                self._taint_inplace(args[0])
        for t in _tensors(result):
            if t._base is not None:
                self.views.setdefault(id(t._base), []).append(weakref.ref(t))
        return result


class Reads:
    """What one eager run of a module read of its tensors' values (`record`)."""

    def __init__(self, recording: _Recording) -> None:
        self.reads = recording.reads
        self.first_dependent = recording.first_dependent

    @property
    def constant(self) -> int:
        """How many reads will be answered with their eager value at export."""
        return sum(read.replayable for read in self.reads.values())

    def data_dependence(self) -> str | None:
        """The first read of a value computed from the inputs, as `function at file:line (code)`."""
        read = self.first_dependent
        if read is None:
            return None
        path, line = read.site
        code = linecache.getline(path, line).strip()
        where = f"{'/'.join(path.split('/')[-3:])}:{line}"
        name = torch.overrides.resolve_name(read.func) or str(read.func)
        return f"{name} at {where}" + (f" (`{code}`)" if code else "")


def record(module: torch.nn.Module, inputs: Sequence[torch.Tensor]) -> Reads:
    """Runs the module once on the inputs, recording its value reads (see above)."""
    recording = _Recording(inputs)
    with torch.no_grad(), recording, _Replacing(), _transformers_mask_skip():
        module(*inputs)
    return Reads(recording)


def fold_float64_constants(graph_module: torch.fx.GraphModule) -> int:
    """Folds the parts of the graph computed from no input, parameter or buffer (arange, full...)
    that compute in float64, into constant buffers; returns how many values were folded.

    litert-torch cannot legalize float64 math (`tfl.pow`, `tfl.broadcast_to` of f64: RT-DETR's
    sinusoidal position embedding, `10000 ** (arange / d)` in float64, then cast to float32), but
    such a part is a constant of the model: torch computes it here, once, as it does in eager.
    Random factories are never folded."""
    graph = graph_module.graph
    values: dict[torch.fx.Node, Any] = {}
    wide: dict[torch.fx.Node, bool] = {}
    for node in graph.nodes:
        if node.op != "call_function":
            continue
        tags = getattr(node.target, "tags", ())
        schema = getattr(node.target, "_schema", None)
        if torch.Tag.nondeterministic_seeded in tags or "assert" in str(node.target):
            continue
        if schema is not None and schema.is_mutable:  # in-place: the graph's order matters
            continue
        inputs = node.all_input_nodes
        if any(n not in values for n in inputs):
            continue
        try:
            value = node.target(
                *torch.fx.map_arg(node.args, values.__getitem__),
                **torch.fx.map_arg(node.kwargs, values.__getitem__),
            )
        except Exception:  # not runnable outside the trace: left as it is
            continue
        values[node] = value
        f64 = isinstance(value, torch.Tensor) and value.dtype == torch.float64
        wide[node] = f64 or any(wide[n] for n in inputs)
    folded = 0
    for node in list(values):
        value = values[node]
        frontier = any(user not in values for user in node.users)
        if not (wide[node] and frontier and isinstance(value, torch.Tensor)):
            continue
        name = f"_opbridge_folded_{folded}"
        graph_module.register_buffer(name, value.detach().clone(), persistent=False)
        with graph.inserting_before(node):
            constant = graph.get_attr(name)
        constant.meta = dict(node.meta)
        for user in list(node.users):
            if user not in values:
                user.replace_input_with(node, constant)
        folded += 1
    if folded:
        for node in reversed(list(graph.nodes)):  # asserts of folded values, then the folded nodes
            assert_of_folded = "assert" in str(node.target) and all(wide.get(n) for n in node.all_input_nodes)
            if (wide.get(node) or assert_of_folded) and not node.users:
                graph.erase_node(node)
        graph.lint()
        graph_module.recompile()
    return folded


_ASSERTIONS = (torch.ops.aten._assert_scalar.default, torch.ops.aten._assert_async.msg)


def drop_runtime_assertions(graph_module: torch.fx.GraphModule) -> int:
    """Removes torch's runtime assertions (`torch._check` of a tensor condition, transformers'
    `torch_compilable_check`: RT-DETR v2's "spatial shapes align with the sequence length", traced to
    `_is_all_true` -> item -> `_assert_scalar`) and the values only they used: a .tflite graph has no
    assertion, and litert-torch cannot lower `_is_all_true`. Returns how many were removed."""
    graph = graph_module.graph
    dropped = [node for node in graph.nodes if node.op == "call_function" and node.target in _ASSERTIONS]
    for node in dropped:
        graph.erase_node(node)
    if dropped:
        graph.eliminate_dead_code()
        graph_module.recompile()
    return len(dropped)
