"""`opbridge.convert`: TF model in, .tflite bytes out, every custom op covered."""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import (
    _tf_library,
    builtin_semantics_guard,
    case_to_if,
    fallbacks,
    l2_norm_guard,
    rewrite,
    rfft_fusion,
    tensor_list_shape,
    text_file_tables,
    tflite_model,
)
from .catalog import custom_codes
from .errors import UnsupportedOpsError
from .interpreter import registerers
from .modes import QUANTIZE_MODES
from .source import ModelSource


@dataclass
class ConversionResult:
    model: bytes
    quantize: str
    custom_ops: dict[str, int]  # custom op -> uses
    missing: dict[str, int]  # custom ops no kernel implements (empty unless allow_missing)
    substituted: dict[str, int] = field(default_factory=dict)  # TF op -> nodes replaced by opbridge ops
    # builtin -> nodes the builtin cannot run (RFFT2D at other lengths than powers of two),
    # switched to opbridge's kernel of the same TF op (fallbacks.py)
    fallbacks: dict[str, int] = field(default_factory=dict)
    # op -> nodes made of a chain of the converter's nodes (RFFT: reshape, RFFT2D of
    # height 1, reshape; rfft_fusion.py)
    fused: dict[str, int] = field(default_factory=dict)
    # vocabulary files read at conversion time and embedded in the model
    # (InitializeTableFromTextFileV2 -> LookupTableImportV2; text_file_tables.py)
    vocabularies: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check_coverage(model: bytes) -> dict[str, int]:
    """Counts of each custom op the model uses; raises UnsupportedOpsError if any has no kernel."""
    counts = tflite_model.parse(model).custom_op_counts()
    missing = _without_kernel(counts)
    if missing:
        raise UnsupportedOpsError(missing)
    return counts


def missing_ops(model: bytes | tflite_model.ModelView) -> dict[str, int]:
    view = model if isinstance(model, tflite_model.ModelView) else tflite_model.parse(model)
    return _without_kernel(view.custom_op_counts())


def _without_kernel(custom_op_counts: dict[str, int]) -> dict[str, int]:
    available = custom_codes()
    return {n: c for n, c in custom_op_counts.items() if n not in available}


def _samples(data: Any) -> Callable[[], Iterator[Any]]:
    """A TF representative_dataset from: a callable returning samples, or an iterable of
    samples, where a sample is one array (a one-input model), a list/tuple of arrays
    in input order, or a dict of arrays by input name."""
    if callable(data):
        return data

    def generate() -> Iterator[Any]:
        for sample in data:
            if isinstance(sample, dict):
                yield {k: np.asarray(v) for k, v in sample.items()}
            else:
                arrays = list(sample) if isinstance(sample, (list, tuple)) else [sample]
                yield [np.asarray(a) for a in arrays]

    return generate


def _apply_quantization(tf: Any, converter: Any, quantize: str | None, representative_data: Any) -> str:
    mode = quantize or "none"
    if mode not in QUANTIZE_MODES:
        raise ValueError(f"opbridge.convert: quantize must be one of {QUANTIZE_MODES}, got {quantize!r}")
    if mode == "none":
        if representative_data is not None:
            raise ValueError("opbridge.convert: representative_data is only used with quantize='int8'")
        return mode
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif mode == "int8":
        if representative_data is None:
            raise ValueError("opbridge.convert: quantize='int8' needs representative_data")
        # Calibration runs the model, custom ops included: they stay float
        # between DEQUANTIZE/QUANTIZE (docs/design.md, "Converter facts").
        converter.representative_dataset = _samples(representative_data)
    return mode


def _stock_layout(src: ModelSource, model: bytes) -> bytes:
    """The model with its input and output tensors where the stock converter puts
    them for this source (same order and names; the signature is kept)."""
    try:
        layout = src.stock_layout()
        return model if layout is None else tflite_model.relayout(model, "serving_default", *layout)
    except (ValueError, TypeError) as exc:
        # A structure we have not met (nested arguments, say): keep the
        # converter's order rather than fail a model that converted.
        warnings.warn(
            f"opbridge.convert: inputs and outputs left in the converter's order: {exc}", stacklevel=3
        )
        return model


def convert_model(
    source: Any,
    *,
    quantize: str | None = None,
    representative_data: Any = None,
    allow_missing: bool = False,
    substitute: bool = True,
    **converter_options: Any,
) -> ConversionResult:
    """opbridge.convert, returning what it did as well (see ConversionResult)."""
    start = time.perf_counter()
    _tf_library.load()  # SavedModels with opbridge ops load only once the op library is
    import tensorflow as tf

    src = ModelSource(tf, source)
    substitutions = rewrite.substitutions() if substitute else {}
    if quantize not in (None, "none"):
        # A quantizing conversion reads the ranges of TF's FakeQuant nodes (quantization-aware
        # training): they stay TF's for it (docs/ops/fake_quant.md).
        substitutions = {k: v for k, v in substitutions.items() if not k.startswith("FakeQuant")}
    substituted: dict[str, int] = {}
    # Keras' exporter and the converter print progress to stdout; a library
    # (and `opbridge convert --json`) must not.
    with (
        tempfile.TemporaryDirectory(prefix="opbridge-") as scratch,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        converter = None
        vocabularies: list[str] = []
        # Captured tables become a "Placeholder" node on the function route;
        # a SavedModel gets them an init subgraph (source.captured_resources).
        captures = src.captures_resources()
        replacing = bool(substitutions) and src.uses_any(set(substitutions))
        # A many-axis L2 normalization the converter would fuse into the last-axis
        # builtin (l2_norm_guard.py): a tf.function is exported to be edited.
        # Nodes a builtin would compute otherwise than TF (builtin_semantics_guard.py) too.
        # A loop's tensor list with an unknown batch (tensor_list_shape.py) too.
        guarding = src.function is not None and (
            any(
                guard.guarded_count(src.concrete().graph.as_graph_def()) > 0
                for guard in (l2_norm_guard, builtin_semantics_guard)
            )
            or tensor_list_shape.needs_fix_count(src.concrete().graph.as_graph_def()) > 0
        )
        # tf.switch_case: Case nodes become If chains on an exported SavedModel (case_to_if.py).
        casing = src.function is not None and src.uses_any(set(case_to_if.CASE_OPS))
        exported: Path | None = None
        if replacing or captures or guarding or casing:
            exported = src.export(Path(scratch) / "source")
        elif src.saved_model is not None:
            exported = src.saved_model
        if exported is not None and text_file_tables.uses_text_files(exported):
            # Tables read from files: the converter would drop their initializers.
            embedded = Path(scratch) / "vocabularies"
            vocabularies = text_file_tables.embed_vocabularies(exported, embedded)
            exported = embedded
        guarded = False
        if exported is not None and l2_norm_guard.saved_model_needs_guard(exported):
            l2_norm_guard.guard_saved_model(exported, Path(scratch) / "l2_guarded")
            exported, guarded = Path(scratch) / "l2_guarded", True
        if exported is not None and builtin_semantics_guard.saved_model_needs_guard(exported):
            builtin_semantics_guard.guard_saved_model(exported, Path(scratch) / "semantics_guarded")
            exported, guarded = Path(scratch) / "semantics_guarded", True
        if exported is not None and tensor_list_shape.saved_model_needs_fix(exported):
            if tensor_list_shape.fix_saved_model(exported, Path(scratch) / "list_shapes"):
                exported, guarded = Path(scratch) / "list_shapes", True
        cased = 0
        if exported is not None and case_to_if.saved_model_has_case(exported):
            cased = case_to_if.rewrite_saved_model(exported, Path(scratch) / "case_as_if")
            exported = Path(scratch) / "case_as_if"
        if exported is not None:
            rewritten = Path(scratch) / "rewritten"
            if replacing:
                substituted = rewrite.rewrite_saved_model(exported, rewritten, substitutions)
            if substituted:
                converter = tf.lite.TFLiteConverter.from_saved_model(str(rewritten))
            elif src.keras_model is not None or captures or vocabularies or guarded or cased:
                converter = tf.lite.TFLiteConverter.from_saved_model(str(exported))
        if converter is None:
            converter = src.converter()
        converter.allow_custom_ops = True
        converter.target_spec._experimental_custom_op_registerers = registerers()
        if _writes_tensor_lists_in_place(src, exported):
            converter._experimental_enable_dynamic_update_slice = True
        mode = _apply_quantization(tf, converter, quantize, representative_data)
        if mode == "none":
            # The converter's boundary-value pass turns every float constant
            # +-inf into +-FLT_MAX by default, so `x + inf`, `x / 0.0` and
            # `where(mask, x, -inf)` come out finite (LiteRT issue 9021). A float
            # model keeps TF's values; quantized modes keep the stock setting, as
            # the quantizer takes ranges from constants.
            converter.canonicalizing_inf_as_min_max_float = False
        for name, value in converter_options.items():
            if not hasattr(converter, name):
                raise TypeError(f"opbridge.convert: TFLiteConverter has no option {name!r}")
            setattr(converter, name, value)
        model = converter.convert()
    switched: dict[str, int] = {}
    fused: dict[str, int] = {}
    if substitute:
        model, switched = fallbacks.replace_unrunnable_builtins(model)
        model, rffts = rfft_fusion.fuse_rfft(model)
        fused = {"RFFT": rffts} if rffts else {}
    model = _stock_layout(src, model)
    custom = tflite_model.parse(model).custom_op_counts()
    missing = _without_kernel(custom)
    if missing and not allow_missing:
        raise UnsupportedOpsError(missing)
    # Report what the model holds: a SavedModel can carry a function twice.
    substituted = {op: custom.get(substitutions[op], 0) for op in substituted}
    return ConversionResult(
        model=model,
        quantize=mode,
        custom_ops=custom,
        missing=missing,
        substituted=substituted,
        fallbacks=switched,
        fused=fused,
        vocabularies=vocabularies,
        seconds=time.perf_counter() - start,
    )


def _writes_tensor_lists_in_place(src: ModelSource, exported: Path | None) -> bool:
    """A loop writing a tensor list converts to in-place writes (tensor_list_shape.writes_in_place)."""
    if exported is not None:
        proto = rewrite._load_saved_model_proto(exported)
        return any(tensor_list_shape.writes_in_place(m.graph_def) for m in proto.meta_graphs)
    if src.function is not None:
        return tensor_list_shape.writes_in_place(src.concrete().graph.as_graph_def())
    return False


def _is_torch_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")  # a torch module means torch is imported already
    return torch is not None and isinstance(obj, (torch.nn.Module, torch.export.ExportedProgram))


def convert(
    source: Any,
    *,
    sample_inputs: Any = None,
    quantize: str | None = None,
    representative_data: Iterable[Any] | Callable[[], Iterator[Any]] | None = None,
    **converter_options: Any,
) -> bytes:
    """Converts `source` to a .tflite model whose custom ops opbridge implements.

    source: a tf.function with an input_signature, a concrete function, a Keras
    model (Keras 3 or tf_keras), a SavedModel directory, a .keras file or a Keras 2
    .h5 file. quantize: None/"none", "dynamic", "float16" or "int8" (needs
    representative_data: samples, each an array, a list of arrays or a dict by
    input name). TF ops that an opbridge op
    Replaces() are substituted first (tf.math.lgamma -> one kernel). Other
    keyword arguments set TFLiteConverter attributes. Raises
    UnsupportedOpsError naming every custom op no kernel implements.

    source may also be a torch.nn.Module (eval mode) or torch.export.ExportedProgram,
    with sample_inputs a tuple of tensors: it is converted through litert-torch
    (opbridge.torch; no TensorFlow needed), other keyword arguments going to
    litert_torch.convert.
    """
    if _is_torch_module(source):
        from .torch.conversion import convert as convert_torch

        return convert_torch(
            source,
            sample_inputs=sample_inputs,
            quantize=quantize,
            representative_data=representative_data,
            **converter_options,
        )
    if sample_inputs is not None:
        raise TypeError("opbridge.convert: sample_inputs is for torch modules; TF sources carry signatures")
    return convert_model(
        source, quantize=quantize, representative_data=representative_data, **converter_options
    ).model
