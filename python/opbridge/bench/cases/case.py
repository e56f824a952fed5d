from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Case:
    op: str  # the custom op being measured, as `opbridge ops` names it
    label: str  # dtype and sizes
    fn: Callable[..., Any]  # a TF function of the inputs
    inputs: list[np.ndarray]
    # For TFLite-only ops no TF function converts to: the model TFLite runs
    # (inputs in the model's input order), `fn` then being TF's nearest equivalent.
    model: bytes | None = None
    # Extra opbridge.Interpreter arguments (e.g. no default delegates, so that
    # XNNPACK does not take a MediaPipe op over).
    interpreter_options: dict[str, Any] = field(default_factory=dict)
    # Why the row's ratio is not this kernel's speed against TF's, when it is not (printed with
    # the row if it is above 1.0): e.g. a copy TFLite's planner requires where TF returns a view.
    note: str = ""
