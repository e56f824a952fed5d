"""`opbridge convert pkg.module:factory --framework torch --sample-inputs x.npz -o m.tflite`.

The torch half of `opbridge convert` (imported only with --framework torch): the
factory's module is converted with opbridge.convert (torch.export, opbridge's
rewrites, litert-torch), checked against torch eager on the sample inputs and
reported like a TF model. Never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import io
import logging
import sys
import sysconfig
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..comparison import max_abs_error
from ..timing import median_seconds
from ._common import (
    CliError,
    import_modules,
    one_line,
    refuses_failing_model,
    resolve_source,
    write_atomically,
)
from .cmd_run import load_arrays

TIMED_RUNS = 10


def _refuse_tf_options(args: argparse.Namespace) -> None:
    given = [
        flag
        for flag, value in (
            ("--quantize", args.quantize not in (None, "none")),
            ("--representative", args.representative),
            ("--samples", args.samples),
        )
        if value
    ]
    if given:
        raise CliError(
            f"{', '.join(given)}: the TF converter's quantization; for torch modules quantize with "
            "litert-torch (opbridge.convert(module, sample_inputs=..., quant_config=...))"
        )


def _module(src: str) -> Any:
    """SRC as a torch module: module:factory (a callable returning the module) or module:object."""
    import torch

    if ":" not in src or Path(src).exists():
        raise CliError(
            f"{src}: with --framework torch, SRC is module:factory (a function returning the torch module)"
        )
    obj = resolve_source(src)
    if not isinstance(obj, (torch.nn.Module, torch.export.ExportedProgram)):
        if not callable(obj):
            raise CliError(f"{src}: not a torch module nor a function returning one ({type(obj).__name__})")
        try:
            obj = obj()
        except Exception as exc:  # the user's factory: its message is what helps
            raise CliError(f"{src}: the factory raised {type(exc).__name__}: {one_line(exc)}") from None
    if not isinstance(obj, (torch.nn.Module, torch.export.ExportedProgram)):
        raise CliError(
            f"{src}: the factory returned {type(obj).__name__}, not a torch.nn.Module or ExportedProgram"
        )
    if isinstance(obj, torch.nn.Module) and obj.training and not isinstance(obj, torch.fx.GraphModule):
        raise CliError(f"{src}: the module is in training mode; the factory should return module.eval()")
    return obj


def _signature(module: Any) -> inspect.Signature | None:
    import torch

    forward = module.module().forward if isinstance(module, torch.export.ExportedProgram) else module.forward
    try:
        return inspect.signature(forward)
    except (TypeError, ValueError):
        return None


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _parameters(module: Any) -> list[str]:
    """The names of forward's positional parameters, in order."""
    signature = _signature(module)
    return [p.name for p in signature.parameters.values() if p.kind in _POSITIONAL] if signature else []


def _check_count(path: str, module: Any, count: int) -> None:
    """As many arrays as forward takes positionally (torch.export's message would name inspect)."""
    signature = _signature(module)
    if signature is None:
        return
    params = [p for p in signature.parameters.values() if p.kind in _POSITIONAL]
    required = [p for p in params if p.default is inspect.Parameter.empty]
    varargs = any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in signature.parameters.values())
    if count < len(required) or (count > len(params) and not varargs):
        names = ", ".join(p.name for p in params)
        raise CliError(f"{path}: {count} array(s), forward takes ({names})")


def sample_inputs(path: str, module: Any) -> list[np.ndarray]:
    """--sample-inputs FILE as forward's arguments, in order.

    .npy: the one input. .npz: arr_0, arr_1, ... (np.savez(f, a, b)) in that
    order, or one array per forward parameter name (np.savez(f, x=a, y=b)).
    """
    loaded = load_arrays(path)
    if isinstance(loaded, list):
        _check_count(path, module, 1)
        return loaded
    names = list(loaded)
    positional = [f"arr_{k}" for k in range(len(names))]
    if sorted(names) == sorted(positional):
        _check_count(path, module, len(names))
        return [loaded[n] for n in positional]
    parameters = _parameters(module)
    taken = parameters[: len(names)]
    if sorted(names) != sorted(taken):
        raise CliError(
            f"{path}: holds arrays {sorted(names)}; name them arr_0, arr_1, ... (np.savez(f, a, b)) "
            f"or after forward's parameters {parameters}, the first {len(names)} of them"
        )
    return [loaded[n] for n in taken]


def _user_frame(exc: BaseException) -> str:
    """Where in the user's code tracing failed: the innermost frame outside torch and opbridge."""
    cause = exc.__cause__ or exc
    frames = traceback.extract_tb(cause.__traceback__)
    skip = ("site-packages", "dist-packages", "/torch/", "/opbridge/", "<", sysconfig.get_paths()["stdlib"])
    user = [f for f in frames if not any(s in f.filename for s in skip)]
    if not user:
        return ""
    frame = user[-1]
    return f" (at {Path(frame.filename).name}:{frame.lineno} in {frame.name})"


def _reference(module: Any, tensors: tuple[Any, ...]) -> list[np.ndarray]:
    import torch

    from ..torch.testing import reference_outputs

    callable_module = module.module() if isinstance(module, torch.export.ExportedProgram) else module
    return reference_outputs(callable_module, tensors)


def _verify(module: Any, tensors: tuple[Any, ...], model: bytes, runtime: str) -> dict[str, Any]:
    """Max |torch - TFLite| per output on the sample inputs, and the median time of each."""
    from ..parity_cases import _ordered
    from ..running import SignatureSession
    from .cmd_convert import _run_failure

    arrays = [t.numpy() for t in tensors]
    try:
        expected = _reference(module, tensors)
    except Exception as exc:  # torch eager itself refuses the inputs: not the model's fault
        return {"error": f"not run: torch eager refuses the inputs too ({one_line(exc)})"}
    try:
        session = SignatureSession(model, runtime)
        session.set_inputs(arrays)
        session.invoke()
    except (RuntimeError, ValueError) as exc:
        return {"failure": _run_failure(exc, runtime)}
    actual = _ordered(session.outputs())
    if len(actual) != len(expected):
        return {"failure": f"the model has {len(actual)} outputs, torch eager gives {len(expected)}"}
    errors = {
        f"output_{k}": max_abs_error(e, a) for k, (e, a) in enumerate(zip(expected, actual, strict=True))
    }
    torch_ms = 1000 * median_seconds(lambda: _reference(module, tensors), TIMED_RUNS)
    tflite_ms = 1000 * median_seconds(session.invoke, TIMED_RUNS)
    return {"max_abs_error": errors, "torch_ms": torch_ms, "tflite_ms": tflite_ms, "runtime": runtime}


def _import_quietly() -> None:
    """Imports litert-torch (and torch, torchao) now: their import-time log warnings
    (torchao's optional CUDA libraries) are noise in a report. --debug shows them."""
    from ..errors import OpbridgeError
    from ..torch.litert_torch_api import api

    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            api()
    except OpbridgeError as exc:
        raise CliError(str(exc)) from None
    finally:
        logging.disable(logging.NOTSET)


def convert(args: argparse.Namespace) -> int:
    from .cmd_convert import _op_kinds, _print_report, _quantization

    _refuse_tf_options(args)
    if not args.sample_inputs:
        raise CliError(
            "--framework torch needs --sample-inputs FILE: a .npz of forward's arguments "
            "(arr_0, arr_1, ... or by parameter name) or a .npy for one"
        )
    output = Path(args.output)
    if output.suffix != ".tflite":
        raise CliError(f"{output}: the output should end in .tflite")
    if args.runtime == "tf" and importlib.util.find_spec("tensorflow") is None:
        raise CliError("--runtime tf checks parity in tf.lite, and TensorFlow is not installed here")
    try:
        import torch
    except ImportError:
        raise CliError(
            "--framework torch needs PyTorch and litert-torch: pip install 'opbridge[torch]'"
        ) from None
    if not args.debug:
        _import_quietly()
    import_modules(args.imports)
    module = _module(args.src)
    arrays = sample_inputs(args.sample_inputs, module)
    tensors = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)

    from ..errors import OpbridgeError, UnsupportedOpsError
    from ..torch.conversion import TorchExportError, convert_model

    try:
        # torch prints the graph it could not trace; the error says what failed (--debug shows it).
        with contextlib.ExitStack() as quiet:
            if not args.debug:
                logging.disable(logging.CRITICAL)
                quiet.enter_context(contextlib.redirect_stderr(io.StringIO()))
            result = convert_model(module, sample_inputs=tensors, allow_missing=args.allow_missing)
    except UnsupportedOpsError as exc:
        if any(name.startswith("aten.") for name in exc.missing):
            print(f"opbridge convert: {str(exc).rstrip('.')}; nothing written", file=sys.stderr)
        else:
            listing = ", ".join(f"{n} (x{c})" for n, c in sorted(exc.missing.items()))
            print(
                f"opbridge convert: no kernel for custom ops {listing}; nothing written "
                "(--allow-missing writes the model anyway)",
                file=sys.stderr,
            )
        return 1
    except TorchExportError as exc:
        if args.debug:
            raise
        raise CliError(f"{one_line(exc)}{_user_frame(exc)}") from None
    except OpbridgeError as exc:
        if args.debug:
            raise
        raise CliError(one_line(exc)) from None
    except Exception as exc:  # litert-torch's own errors carry long MLIR dumps
        if args.debug:
            raise
        raise CliError(f"conversion failed: {one_line(exc)}") from None
    finally:
        logging.disable(logging.NOTSET)

    parity = (
        _verify(module, tensors, result.model, args.runtime)
        if not result.missing
        else {"error": "not run: the model has custom ops without a kernel"}
    )
    if refuses_failing_model(parity, "sample inputs", args.allow_run_errors):
        return 1
    write_atomically(output, result.model)

    from ..tflite_model import parse

    view = parse(result.model)
    report = {
        "source": args.src,
        "framework": "torch",
        "output": str(output),
        "size_bytes": len(result.model),
        "convert_seconds": round(result.seconds, 3),
        "quantize": result.quantize,
        "quantization": _quantization(view),
        "substituted": result.substituted,
        "builtins_switched": result.fallbacks,
        "fused": result.fused,
        "vocabularies_embedded": [],  # the same keys as a TF conversion's report (a torch model has no files)
        "ops": _op_kinds(view),
        "missing": result.missing,
        "parity": parity,
        "verified_on": "sample inputs",
        "warnings": [],
    }
    if args.json:
        import json

        print(json.dumps(report, indent=2))
    else:
        _print_report(report)
    return 0
