"""Parity testing for torch modules: torch eager is the reference, each LiteRT runtime is compared.

Used through `opbridge.testing.assert_parity(module, inputs, ...)`. Setting
OPBRIDGE_PARITY_ARTIFACTS=<dir> also saves each case (model, inputs, torch's
outputs, tolerances) so a process with TensorFlow can replay it in tf.lite
(tools/replay_parity.py): the torch environment has no TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..parity_cases import compare, save_case
from .conversion import convert


def available_runtimes() -> tuple[str, ...]:
    return ("litert", "tf") if importlib.util.find_spec("tensorflow") else ("litert",)


def reference_outputs(module: Any, inputs: Sequence[torch.Tensor]) -> list[np.ndarray]:
    """torch eager's outputs, flattened in order (a tensor, or a tuple/list of tensors)."""
    with torch.no_grad():
        out = module(*inputs)
    flat = list(out) if isinstance(out, (tuple, list)) else [out]
    return [
        t.detach().resolve_conj().resolve_neg().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        for t in flat
    ]


def assert_parity(
    module: Any,
    inputs: Sequence[Any],
    *,
    rtol: float,
    atol: float,
    runtimes: Sequence[str] | None = None,
    **convert_options: Any,
) -> bytes:
    """Converts `module` with opbridge.convert, runs it in each runtime and compares every output
    with torch eager's. Returns the model."""
    tensors = tuple(x if isinstance(x, torch.Tensor) else torch.as_tensor(x) for x in inputs)
    expected = reference_outputs(module, tensors)
    model = convert(module, sample_inputs=tensors, **convert_options)
    arrays = [t.detach().numpy() for t in tensors]
    compare(model, arrays, expected, rtol, atol, runtimes or available_runtimes())
    artifacts = os.environ.get("OPBRIDGE_PARITY_ARTIFACTS")
    if artifacts:
        save_case(Path(artifacts), model, arrays, expected, rtol, atol)
    return model
