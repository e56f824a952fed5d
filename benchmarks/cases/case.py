from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Case:
    op: str  # the custom op being measured, as `opbridge ops` names it
    label: str  # dtype and sizes
    fn: Callable[..., Any]  # a TF function of the inputs
    inputs: list[np.ndarray]
