"""`opbridge convert SRC -o OUT.tflite`: rewrite, convert, quantize, verify, report."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._table import print_table
from ..comparison import max_abs_error
from ..interpreter import RUNTIMES
from ..modes import QUANTIZE_MODES
from ..tflite_model import ModelView, parse, type_name
from ..timing import median_seconds
from ._common import (
    CliError,
    import_modules,
    load_samples,
    one_line,
    random_inputs,
    refuses_failing_model,
    resolve_source,
    write_atomically,
)

VERIFY_SAMPLES = 4
TIMED_RUNS = 10


def _progress(samples: list[dict[str, np.ndarray]]) -> Any:
    """The representative dataset, with a progress bar on stderr while the converter calibrates."""

    def generate() -> Iterator[dict[str, np.ndarray]]:
        try:
            from rich.console import Console
            from rich.progress import track
        except ImportError:
            yield from samples
            return
        yield from track(
            samples,
            description="calibrating (opbridge kernels registered)",
            console=Console(stderr=True),
            transient=True,
        )

    return generate


def _op_kinds(view: ModelView) -> dict[str, dict[str, int]]:
    from ..catalog import custom_codes

    ours = custom_codes()
    custom = view.custom_op_counts()
    kinds: dict[str, dict[str, int]] = {"builtin": {}, "opbridge": {}, "other custom": {}}
    for name, count in view.op_histogram().items():
        kind = "builtin" if name not in custom else "opbridge" if name in ours else "other custom"
        kinds[kind][name] = count
    return kinds


def _quantization(view: ModelView) -> dict[str, Any]:
    """What quantization left: tensor types, and the precision each custom op runs in."""
    custom_precision = {}
    for use in view.custom_ops:
        tensor = view.tensor(use.subgraph, use.inputs[0]) if use.inputs else None
        custom_precision[use.name] = type_name(tensor) if tensor else "?"
    return {"tensor_types": view.tensor_type_counts(), "custom_op_input_types": custom_precision}


def _run_failure(exc: BaseException, runtime: str) -> str:
    """One line naming the node, the op and the runtime's message, from the runtime's
    error ("<kernel message>Node number 3 (MatrixInverse) failed to invoke.")."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    node = re.search(r"Node number (\d+) \(([^)]*)\) failed to (prepare|invoke)", text)
    if node is None:
        return f"{runtime}: {text or type(exc).__name__}"
    message = (text[: node.start()] + " " + text[node.end() :]).strip(" .") or "no message"
    return f"node {node.group(1)} ({node.group(2)}) failed to {node.group(3)} in {runtime}: {message}"


def _verify(source: Any, model: bytes, inputs: list[dict[str, np.ndarray]], runtime: str) -> dict[str, Any]:
    """Max |TF - TFLite| per output over the inputs, and the median time of each on
    the first. {"failure": line} if the converted model cannot run an input that TF
    runs; {"error": ...} if the check itself could not run (TF refuses the inputs)."""
    from ..running import SignatureSession

    errors: dict[str, float] = {}
    try:
        session = SignatureSession(model, runtime)
    except (RuntimeError, ValueError) as exc:
        return {"failure": _run_failure(exc, runtime)}
    for sample in inputs:
        try:
            expected = source.reference(sample)
        except Exception as exc:  # TF's own kernels refuse this input: not the model's fault
            return {"error": f"not run: TF refuses the inputs too ({one_line(exc)})"}
        try:
            session.set_inputs(sample)
            session.invoke()
        except (RuntimeError, ValueError) as exc:
            return {"failure": _run_failure(exc, runtime)}
        actual = session.outputs()
        for name, want in expected.items():
            error = max_abs_error(want, actual[name]) if name in actual else float("nan")
            errors[name] = max(errors.get(name, 0.0), error)
    session.set_inputs(inputs[0])
    tf_ms = 1000 * median_seconds(lambda: source.reference(inputs[0]), TIMED_RUNS)
    tflite_ms = 1000 * median_seconds(session.invoke, TIMED_RUNS)
    return {"max_abs_error": errors, "tf_ms": tf_ms, "tflite_ms": tflite_ms, "runtime": runtime}


def _int8_matrix_diag_warnings(view: ModelView) -> list[str]:
    """Full-integer MATRIX_DIAG fills off-diagonal entries with 0, not the zero point
    (docs/design.md): with a non-zero zero point they dequantize to a constant, not 0."""
    from ai_edge_litert import schema_py_generated as schema

    found = []
    for node in view.nodes:
        if node.name != "MATRIX_DIAG":
            continue
        out = view.tensor(node.subgraph, node.op.Outputs(0))
        q = out.Quantization()
        zero_points = q.ZeroPointAsNumpy() if q is not None and q.ZeroPointLength() else []
        if out.Type() in (schema.TensorType.INT8, schema.TensorType.UINT8) and np.any(zero_points):
            zero_point = int(zero_points[0])
            found.append(
                f"node {node.index} (MATRIX_DIAG) is quantized with zero point {zero_point}: TFLite fills "
                "its off-diagonal entries with 0, which dequantize to a non-zero constant"
            )
    return found


def _convert(args: argparse.Namespace) -> int:
    if args.framework == "torch":
        from . import convert_torch  # imports torch; the TF path never does

        return convert_torch.convert(args)
    if args.sample_inputs:
        raise CliError(
            "--sample-inputs is for --framework torch; a TF model's inputs come from its signature"
        )
    import_modules(args.imports)
    source_obj = resolve_source(args.src)
    torch = sys.modules.get("torch")  # imported by the user's module, if it is a torch model
    if torch is not None and (
        isinstance(source_obj, (torch.nn.Module, torch.export.ExportedProgram))
        or (isinstance(source_obj, type) and issubclass(source_obj, torch.nn.Module))
    ):
        raise CliError(f"{args.src}: a torch module; convert it with --framework torch --sample-inputs FILE")
    if args.quantize == "int8" and not args.representative:
        raise CliError("--quantize int8 needs --representative FILE (.npy or .npz samples)")
    if args.representative and args.quantize != "int8":
        raise CliError("--representative is used only with --quantize int8")
    output = Path(args.output)
    if output.suffix != ".tflite":
        raise CliError(f"{output}: the output should end in .tflite")

    import tensorflow as tf

    from .. import _tf_library
    from ..conversion import convert_model
    from ..errors import UnsupportedOpsError
    from ..source import ModelSource

    _tf_library.load()
    try:
        source = ModelSource(tf, source_obj)
    except (TypeError, FileNotFoundError, ValueError, OSError) as exc:
        raise CliError(f"{args.src}: {one_line(exc)}") from None
    specs = source.input_specs()
    samples = load_samples(args.representative, specs, args.samples) if args.representative else None
    try:
        result = convert_model(
            source_obj,
            quantize=args.quantize,
            representative_data=_progress(samples) if samples else None,
            allow_missing=args.allow_missing,
        )
    except UnsupportedOpsError as exc:
        listing = ", ".join(f"{n} (x{c})" for n, c in sorted(exc.missing.items()))
        print(
            f"opbridge convert: no kernel for custom ops {listing}; nothing written "
            "(--allow-missing writes the model anyway)",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # the converter's own errors carry long MLIR dumps
        if args.debug:
            raise
        raise CliError(f"conversion failed: {one_line(exc)}") from None

    verify_inputs = samples[:VERIFY_SAMPLES] if samples else [random_inputs(specs, np.random.default_rng(0))]
    verified_on = "representative samples" if samples else "random inputs"
    parity = (
        _verify(source, result.model, verify_inputs, args.runtime)
        if not result.missing
        else {"error": "not run: the model has custom ops without a kernel"}
    )
    if refuses_failing_model(parity, verified_on, args.allow_run_errors):
        return 1
    write_atomically(output, result.model)

    view = parse(result.model)  # the report's sections all read this one parse
    report = {
        "source": args.src,
        "framework": "tf",
        "output": str(output),
        "size_bytes": len(result.model),
        "convert_seconds": round(result.seconds, 3),
        "quantize": result.quantize,
        "quantization": _quantization(view),
        "substituted": result.substituted,
        "builtins_switched": result.fallbacks,
        "fused": result.fused,
        "vocabularies_embedded": result.vocabularies,
        "ops": _op_kinds(view),
        "missing": result.missing,
        "parity": parity,
        "verified_on": verified_on,
        "warnings": _int8_matrix_diag_warnings(view) if result.quantize == "int8" else [],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)
    return 0


def _print_report(report: dict[str, Any]) -> None:
    substituted = ", ".join(f"{k} x{v}" for k, v in report["substituted"].items()) or "none"
    quant = report["quantization"]
    print_table(
        f"opbridge convert {report['source']} -> {report['output']}",
        ["", ""],
        [
            ("size", f"{report['size_bytes'] / 1024:.1f} KiB"),
            ("conversion", f"{report['convert_seconds']:.2f} s"),
            ("quantization", report["quantize"]),
            ("tensor types", ", ".join(f"{k} x{v}" for k, v in sorted(quant["tensor_types"].items()))),
            (
                "custom ops run in",
                ", ".join(f"{k}: {v}" for k, v in quant["custom_op_input_types"].items()) or "-",
            ),
            ("substituted", substituted),
            (
                "builtins switched",
                ", ".join(f"{k} x{v}" for k, v in report["builtins_switched"].items()) or "none",
            ),
            ("fused", ", ".join(f"{k} x{v}" for k, v in report["fused"].items()) or "none"),
            ("vocabularies embedded", ", ".join(report["vocabularies_embedded"]) or "none"),
        ],
    )
    print_table(
        "ops by kind",
        ["kind", "ops"],
        [
            (kind, ", ".join(f"{n} x{c}" for n, c in sorted(ops.items())) or "-")
            for kind, ops in report["ops"].items()
        ],
    )
    for warning in report["warnings"]:
        print(f"warning: {warning}")
    parity = report["parity"]
    if "failure" in parity:
        print(f"parity: the model fails on the {report['verified_on']}: {parity['failure']}")
        return
    if "error" in parity:
        print(f"parity: {parity['error']}")
        return
    reference = "torch" if report.get("framework") == "torch" else "TF"
    print_table(
        f"parity on {report['verified_on']}: {reference} vs TFLite ({parity['runtime']})",
        ["output", f"max |{reference} - TFLite|"],
        [(name, f"{err:.3g}") for name, err in parity["max_abs_error"].items()],
    )
    reference_ms = parity["torch_ms"] if reference == "torch" else parity["tf_ms"]
    print(f"time per inference: {reference} {reference_ms:.3f} ms, TFLite {parity['tflite_ms']:.3f} ms")


def add(sub: Any) -> None:
    convert = sub.add_parser(
        "convert", help="convert a TF model or a torch module to .tflite with opbridge's kernels"
    )
    convert.add_argument(
        "src",
        help="a SavedModel directory, a .keras or Keras 2 .h5 file, or module:function; "
        "with --framework torch, module:factory (a function returning the torch module, in eval mode)",
    )
    convert.add_argument(
        "--framework",
        choices=("tf", "torch"),
        default="tf",
        help="tf (default), or torch: a PyTorch module through litert-torch (no TensorFlow needed)",
    )
    convert.add_argument(
        "--sample-inputs",
        metavar="FILE",
        help="torch: forward's arguments, traced and checked against torch eager: .npz with arr_0, "
        "arr_1, ... (np.savez(f, a, b)) or one array per parameter name, or .npy for one input",
    )
    convert.add_argument("-o", "--output", required=True, help="the .tflite to write")
    convert.add_argument("--quantize", choices=QUANTIZE_MODES, default="none", help="default none")
    convert.add_argument(
        "--representative",
        help="calibration samples for int8: .npy (first axis = samples, each fed with a batch axis of 1) "
        "or .npz (one such array per input name)",
    )
    convert.add_argument("--samples", type=int, help="use only the first N representative samples")
    convert.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE first (custom Keras layers, op packages); repeatable",
    )
    convert.add_argument(
        "--allow-missing", action="store_true", help="write the model even if kernels are missing"
    )
    convert.add_argument(
        "--allow-run-errors",
        action="store_true",
        help="write the model even if it fails to run on its samples (a node fails to prepare or invoke)",
    )
    convert.add_argument("--runtime", choices=RUNTIMES, default="litert", help="runtime for the parity check")
    convert.add_argument("--json", action="store_true", help="print the report as JSON")
    convert.set_defaults(run=_convert)
