"""`opbridge.convert` for PyTorch: a torch module (or ExportedProgram) to .tflite through litert-torch.

The module is exported with torch.export, the aten ops opbridge takes over are
rewritten onto opbridge's torch operators (decompositions.py), and litert-torch
converts the rest to builtins, each opbridge operator to one CUSTOM node.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import re
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import torch

from .. import tflite_model
from ..conversion import ConversionResult, _without_kernel
from ..errors import OpbridgeError, UnsupportedOpsError
from . import decompositions, export_functions, lowering, ops
from .litert_torch_api import api

_NO_LOWERING = re.compile(r"Lowering not found: ([^\n]+)")
# litert-torch lowering an aten op on complex tensors it has no types for; the FX node follows
_COMPLEX_TYPE = re.compile(r"Unsupported ir element type: (complex<\w+>)")
_EXECUTING = re.compile(r"While executing %\S+ : .*?target=(?:torch\.ops\.)?(aten\.[\w.]+)")


class TorchExportError(OpbridgeError):
    """torch.export could not trace the module (torch's message, shortened)."""


def export(module: Any, sample_inputs: Sequence[Any]) -> torch.export.ExportedProgram:
    """The module's ExportedProgram (an ExportedProgram is returned as it is)."""
    if isinstance(module, torch.export.ExportedProgram):
        return module
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"opbridge.convert: expected a torch.nn.Module or ExportedProgram, got {type(module)}"
        )
    # An exported graph (torch.export's .module(), a PT2E-quantized model) is traced
    # already and refuses .eval(); other modules must be in eval mode.
    if module.training and not isinstance(module, torch.fx.GraphModule):
        raise ValueError("opbridge.convert: the module is in training mode; call module.eval() first")
    args = tuple(sample_inputs)
    if not all(isinstance(a, torch.Tensor) for a in args):
        raise TypeError("opbridge.convert: sample_inputs must be a tuple of torch tensors")
    try:
        with export_functions.replaced():
            program = torch.export.export(module, args)
    except Exception as exc:  # torch's tracing errors have many types; the message is what helps
        first = exc
    else:
        if not _value_dependent_size(program):
            return program
        # A tensor sized by a value read (which litert-torch cannot convert): specialized on the
        # input-independent reads, the graph may have static sizes (Reformer's position ids).
        try:
            with export_functions.replaced(export_functions.record(module, args).reads):
                specialized = torch.export.export(module, args)
        except Exception:
            return program
        return program if _value_dependent_size(specialized) else specialized
    # Values the module reads that do not depend on its inputs (computed from buffers, shapes, or
    # tensors it builds) are answered with their eager values, and torch.export tries again.
    try:
        reads = export_functions.record(module, args)
    except Exception:  # the eager run fails too: torch's export error is the one to show
        reads = None
    if reads is not None:
        try:
            with export_functions.replaced(reads.reads):
                return torch.export.export(module, args)
        except Exception as exc:
            first = exc
    raise TorchExportError(_export_message(module, first, reads)) from first


def _export_message(module: Any, exc: BaseException, reads: Any) -> str:
    name = type(module).__name__
    where = reads.data_dependence() if reads is not None else None
    if where is None:
        return f"torch.export could not trace {name}: {_short(exc)}"
    return (
        f"torch.export could not trace {name}: data-dependent: {where} reads a value computed from the "
        f"inputs, and a branch or a tensor size follows it; a .tflite graph is fixed at conversion, so "
        f"the model cannot be converted as it is (torch: {_short(exc, 300)})"
    )


def _short(exc: BaseException, limit: int = 600) -> str:
    text = str(exc).strip()
    return text if len(text) <= limit else text[:limit] + " ..."


def _origin(program: torch.export.ExportedProgram, aten_op: str) -> str:
    """Where the module uses `aten_op` (the user's source line, from torch.export's stack traces)."""
    for node in program.graph.nodes:
        if node.op == "call_function" and str(node.target) in (aten_op, aten_op.removeprefix("aten.")):
            trace = (node.meta.get("stack_trace") or "").strip().splitlines()
            where = next((line.strip() for line in reversed(trace) if line.strip().startswith("File")), "")
            return f"{node.name}: {where}" if where else node.name
    return "from litert-torch's decomposition of another op"


def _value_dependent_size(program: torch.export.ExportedProgram, taken: Collection[Any] = ()) -> str | None:
    """The node whose value sizes a tensor of the graph (an `item`, `nonzero`... torch.export binds
    to an unbacked symbol), with its source line, if some tensor's size depends on one. Nodes an
    opbridge rewrite took (`taken`: unique, nonzero, masked_select... in aten_dynamic.py carry
    their data-sized results into the model) do not count: a failure elsewhere is not theirs."""
    sized = False
    for node in program.graph.nodes:
        value = node.meta.get("val")
        if isinstance(value, torch.Tensor) and any(
            isinstance(d, torch.SymInt) and torch.fx.experimental.symbolic_shapes.free_unbacked_symbols(d)
            for d in value.shape
        ):
            sized = True
            break
    if not sized:
        return None
    for node in program.graph.nodes:
        if node.op == "call_function" and node.meta.get("unbacked_bindings") and node.target not in taken:
            lines = (node.meta.get("stack_trace") or "").splitlines()
            trace = [line.strip() for line in lines if line.strip()]
            found = re.match(r'File "(.+)", line (\d+)', trace[-2]) if len(trace) >= 2 else None
            if found is None:
                return str(node.target)
            path = "/".join(found.group(1).split("/")[-3:])
            return f"{node.target} at {path}:{found.group(2)} (`{trace[-1]}`)"
    return None


_NO_BUILTIN = re.compile(r"Didn't find op for builtin opcode '(\w+)'")


def _check_loads(model: bytes) -> None:
    """Refuses a model the stock runtime cannot load: litert-torch can emit builtins
    (STABLEHLO_* ops) that ai-edge-litert has no kernel for."""
    from ..interpreter import Interpreter

    try:
        Interpreter(model_content=model)
    except (RuntimeError, ValueError) as exc:
        found = _NO_BUILTIN.search(str(exc))
        if not found:
            raise
        builtin = found.group(1)
        raise UnsupportedOpsError(
            {builtin: 1},
            f"litert-torch lowered an op to the builtin {builtin}, which this LiteRT runtime has no kernel "
            "for; the model would not load",
        ) from None


def _uses(program: torch.export.ExportedProgram, targets: Any) -> dict[str, int]:
    """How many nodes call each of `targets`, by name."""
    counts: dict[str, int] = {}
    for node in program.graph.nodes:
        if node.op == "call_function" and node.target in targets:
            counts[str(node.target)] = counts.get(str(node.target), 0) + 1
    return counts


def _recording(op: Any, rewrite: Any, taken: set[Any]) -> Any:
    def run(*args: Any, **kwargs: Any) -> Any:
        result = rewrite(*args, **kwargs)
        if result is not NotImplemented:
            taken.add(op)
        return result

    return run


def _declining_to(rewrite: Any, table: Any, op: Any) -> Any:
    """The rewrite; where it declines (NotImplemented), litert-torch's own decomposition of the op
    in that table, if it has one (max_pool2d, matmul: CompositeImplicit ops litert-torch only lowers
    decomposed; without this a declined one stays whole and cannot lower)."""
    if op not in table:
        return rewrite
    fallback = table[op]

    def run(*args: Any, **kwargs: Any) -> Any:
        result = rewrite(*args, **kwargs)
        return fallback(*args, **kwargs) if result is NotImplemented else result

    return run


_table_lock = threading.Lock()


@contextlib.contextmanager
def _rewrites_installed(lite: Any, table: dict[Any, Any]) -> Iterator[None]:
    """opbridge's rewrites in litert-torch's decomposition tables, for one conversion.

    They run inside litert-torch's own decomposition step, so an aten op is
    rewritten before litert-torch's decomposition would take it apart (linalg.inv
    into linalg_inv_ex and an effectful error check it cannot convert), and the
    tables are as they were afterwards: litert_torch.convert alone is unchanged.
    """
    with _table_lock:
        before_convert, before_lower = lite.pre_convert_decomp(), lite.pre_lower_decomp()
        for op, rewrite in table.items():
            # (a CustomDecompTable's .get misses the CompositeImplicit entries it materializes on [])
            lite.add_pre_convert_decomp(op, _declining_to(rewrite, before_convert, op))
            lite.add_pre_lower_decomp(op, _declining_to(rewrite, before_lower, op))
        try:
            yield
        finally:
            for op in table:
                lite.remove_pre_lower_decomp(op)  # from both tables
                if op in before_convert:
                    lite.add_pre_convert_decomp(op, before_convert[op])
                if op in before_lower:
                    lite.add_pre_lower_decomp(op, before_lower[op])


@contextlib.contextmanager
def _infinities_kept() -> Iterator[None]:
    """litert-torch's constant lowering without its clamp of +-inf to the dtype's finite
    range, for one conversion (under _table_lock, as _rewrites_installed).

    litert-torch clamps every float tensor constant (`x + torch.tensor([inf])` becomes
    `x + 3.4e38`, a `masked_fill` value tensor of -inf becomes finite) and does so in
    place, on the module's own buffer. Without it the constants keep torch's values
    and the converter (told not to canonicalize infinities) keeps them too. A
    litert-torch without the function converts as it does on its own."""
    try:
        consts = importlib.import_module("litert_torch.backend.inline_consts")
    except ImportError:
        yield
        return
    clamp = getattr(consts, "_clamp_inf_values", None)
    if clamp is None:
        yield
        return
    consts._clamp_inf_values = lambda tensor: tensor
    try:
        yield
    finally:
        consts._clamp_inf_values = clamp


def convert_model(
    module: Any,
    *,
    sample_inputs: Sequence[Any],
    quantize: str | None = None,
    representative_data: Any = None,
    allow_missing: bool = False,
    **options: Any,
) -> ConversionResult:
    start = time.perf_counter()
    if quantize not in (None, "none"):
        raise ValueError(
            "opbridge.convert: for torch modules, quantize with litert-torch's quant_config= "
            "(passed through); quantize= is the TF converter's"
        )
    if representative_data is not None:
        raise ValueError("opbridge.convert: representative_data is only used by the TF converter")
    program = export(module, sample_inputs)
    table = decompositions.table()
    taken: set[Any] = set()  # aten ops whose rewrite applied (a rewrite may decline: NotImplemented)
    table = {op: _recording(op, rewrite, taken) for op, rewrite in table.items()}
    lite = api()
    ops.enable_lowerings()
    # litert-torch reports progress on stdout/stderr and logs; a library must not.
    logging.getLogger("litert_torch").setLevel(logging.ERROR)
    try:
        with (
            _rewrites_installed(lite, table),
            _infinities_kept(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            graph_module = program.module()
            # Exported in eval mode already; the unlifted module refuses .eval(), and
            # litert-torch warns about a module left in training mode.
            for sub in graph_module.modules():
                sub.training = False
            export_functions.fold_float64_constants(graph_module)
            export_functions.drop_runtime_assertions(graph_module)
            with lowering.x64_mode(bool(options.get("enable_x64", False))):
                edge = lite.convert(graph_module, tuple(sample_inputs), **options)
            model = bytes(edge.model_content())
    except Exception as exc:
        text = "\n".join([str(exc), *getattr(exc, "__notes__", [])])  # torch.fx adds the node as a note
        complex_type, node = _COMPLEX_TYPE.search(text), _EXECUTING.search(text)
        if isinstance(exc, RuntimeError) and complex_type and node:
            aten_op = node.group(1)
            raise UnsupportedOpsError(
                {aten_op: 1},
                f"litert-torch cannot lower {aten_op} on complex tensors ({complex_type.group(1)}; "
                f"{_origin(program, aten_op)}) and no opbridge rewrite covers it (docs/torch.md, "
                "aten_complex.py lists the complex ops that convert).",
            ) from None
        found = _NO_LOWERING.search(str(exc)) if isinstance(exc, RuntimeError) else None
        if not found:
            dependence = _value_dependent_size(program, taken)
            if dependence:  # litert-torch re-traces the graph and fails on the unbacked size
                raise TorchExportError(
                    f"torch.export traced {type(module).__name__}, but it is data-dependent: {dependence} "
                    "reads a value computed from the inputs that sizes a tensor; a .tflite graph's sizes "
                    "are fixed at conversion, so it cannot be converted as it is "
                    f"(litert-torch: {_short(exc, 300)})"
                ) from exc
            raise
        aten_op = found.group(1).strip()
        raise UnsupportedOpsError(
            {aten_op: 1},
            f"litert-torch cannot lower {aten_op} ({_origin(program, aten_op)}) and no opbridge kernel "
            "implements it. Write one (see `opbridge new`) or ask for it.",
        ) from None
    custom = tflite_model.parse(model).custom_op_counts()
    missing = _without_kernel(custom)
    if missing and not allow_missing:
        raise UnsupportedOpsError(missing)
    if not missing:
        _check_loads(model)
    return ConversionResult(
        model=model,
        quantize="none",
        custom_ops=custom,
        missing=missing,
        substituted=_uses(program, taken),  # aten op -> nodes opbridge's rewrites took over
        seconds=time.perf_counter() - start,
    )


def convert(module: Any, *, sample_inputs: Sequence[Any], **options: Any) -> bytes:
    return convert_model(module, sample_inputs=sample_inputs, **options).model
