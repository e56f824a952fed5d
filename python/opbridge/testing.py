"""Parity testing: does a converted model compute what TF computes? (imports TensorFlow)"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .comparison import max_abs_error
from .conversion import convert
from .running import run_tflite
from .source import output_names, output_values


@dataclass
class OutputParity:
    name: str  # the output's name in the model's signature
    shape: tuple[int, ...]
    max_abs_error: dict[str, float] = field(default_factory=dict)  # per runtime


@dataclass
class ParityReport:
    model: bytes
    outputs: list[OutputParity]

    def worst(self) -> float:
        return max((e for o in self.outputs for e in o.max_abs_error.values()), default=0.0)


def _concrete(tf: Any, fn: Any, arrays: list[np.ndarray]) -> Any:
    """A concrete function of `fn` whose TFLite inputs are named input_0, input_1, ..."""
    if isinstance(fn, tf.types.experimental.ConcreteFunction):
        return fn
    if isinstance(fn, tf.types.experimental.PolymorphicFunction) and fn.input_signature is not None:
        return fn.get_concrete_function()
    python_fn = getattr(fn, "python_function", fn)
    signature = [
        tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(arrays)
    ]
    return tf.function(python_fn, input_signature=signature).get_concrete_function()


def _excess(e: np.ndarray, a: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """How far each float element is beyond the tolerance (> 0: a mismatch). NaN
    matches NaN; infinities must match exactly."""
    with np.errstate(invalid="ignore"):
        excess = np.abs(a - e) - (atol + rtol * np.abs(e))
        excess = np.where(np.isnan(e) & np.isnan(a), -np.inf, excess)
        excess = np.where(np.isnan(excess), np.inf, excess)
        excess = np.where(np.isinf(e) | np.isinf(a), np.where(e == a, -np.inf, np.inf), excess)
    return np.where(np.isnan(e) != np.isnan(a), np.inf, excess)


def _describe_mismatch(
    runtime: str, name: str, expected: np.ndarray, actual: np.ndarray, rtol: float, atol: float
) -> str | None:
    if expected.shape != actual.shape:
        return f"[{runtime}] output {name}: shape {actual.shape}, TF gives {expected.shape}"
    if expected.dtype != actual.dtype:
        return f"[{runtime}] output {name}: dtype {actual.dtype}, TF gives {expected.dtype}"
    if expected.size == 0:
        return None
    e = expected.astype(np.complex128 if np.iscomplexobj(expected) else np.float64)
    a = actual.astype(e.dtype)
    if np.iscomplexobj(e):
        # Finite values: the tolerance is relative to the complex magnitude (as
        # numpy's allclose). Values with an infinite or NaN part: each part as a
        # float, so that part must match exactly and the other keeps the tolerance.
        finite = np.isfinite(e) & np.isfinite(a)
        by_parts = np.maximum(_excess(e.real, a.real, rtol, atol), _excess(e.imag, a.imag, rtol, atol))
        with np.errstate(invalid="ignore", over="ignore"):
            by_magnitude = np.abs(a - e) - (atol + rtol * np.abs(e))
        excess = np.where(finite, by_magnitude, by_parts)
    else:
        excess = _excess(e, a, rtol, atol)
    bad = excess > 0
    if not bad.any():
        return None
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    with np.errstate(invalid="ignore"):  # inf - inf in the report is NaN, and says so
        err = abs(complex(a[worst] - e[worst])) if np.iscomplexobj(e) else float(abs(a[worst] - e[worst]))
    return (
        f"[{runtime}] output {name} {expected.shape}: {int(bad.sum())} of {expected.size} elements differ "
        f"beyond atol={atol:g} + rtol={rtol:g}*|tf|; worst at {tuple(int(i) for i in worst)}: "
        f"tf={expected[worst]!r} tflite={actual[worst]!r} abs error={err:.3g}"
    )


def _is_torch_module(obj: Any) -> bool:
    """A torch module or ExportedProgram (without importing torch when the caller has not)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, (torch.nn.Module, torch.export.ExportedProgram))


def assert_parity(
    fn: Any,
    inputs: Sequence[Any],
    *,
    rtol: float,
    atol: float,
    runtimes: Sequence[str] = ("litert", "tf"),
    **convert_options: Any,
) -> Any:
    """Runs `fn` in TF, converts it with opbridge.convert, runs each runtime, compares every output.

    fn: a Python function of tensors, a tf.function or a concrete function;
    inputs: its positional arguments (numpy arrays). Raises AssertionError
    naming the runtime, output, worst element, both values and the error.
    Returns the per-output errors.

    A torch.nn.Module (or ExportedProgram) is compared with torch eager instead
    (opbridge.torch.testing; inputs are torch tensors or arrays; returns the model).
    """
    if _is_torch_module(fn):
        from .torch.testing import assert_parity as torch_parity

        torch_runtimes = None if tuple(runtimes) == ("litert", "tf") else runtimes
        return torch_parity(fn, inputs, rtol=rtol, atol=atol, runtimes=torch_runtimes, **convert_options)
    import tensorflow as tf

    arrays = [np.asarray(x) for x in inputs]
    concrete = _concrete(tf, fn, arrays)
    outputs = concrete(*[tf.constant(a) for a in arrays])
    names = output_names(tf, concrete.structured_outputs)  # the signature's output keys
    # .numpy(), not np.asarray: TF's 0-d bfloat16 tensors refuse __array__ (tf.nn.l2_loss in bfloat16).
    expected = [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in output_values(tf, outputs)]

    model = convert(concrete, **convert_options)
    report = ParityReport(model, [OutputParity(n, e.shape) for n, e in zip(names, expected, strict=True)])
    failures = []
    for runtime in runtimes:
        # By index, in argument order, as users feed (opbridge.convert keeps that order).
        actual = run_tflite(model, arrays, runtime)
        for out, name, e in zip(report.outputs, names, expected, strict=True):
            if name not in actual:
                failures.append(f"[{runtime}] the model has no output {name} (it has {sorted(actual)})")
                continue
            a = actual[name]
            problem = _describe_mismatch(runtime, name, e, a, rtol, atol)
            if problem:
                failures.append(problem)
            else:
                out.max_abs_error[runtime] = max_abs_error(e, a)
    if failures:
        raise AssertionError("TF and TFLite disagree:\n  " + "\n  ".join(failures))
    return report
