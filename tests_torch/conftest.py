"""The torch suite: runs in .venv-torch (torch, litert-torch, ai-edge-litert, opbridge; no TensorFlow).

Every parity test goes through opbridge.testing.assert_parity with a torch
module: torch eager is the reference. With OPBRIDGE_PARITY_ARTIFACTS set (make
test-torch), each case is saved and replayed in tf.lite by tools/replay_parity.py.
"""

from __future__ import annotations

import sys

import pytest
import torch


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with a slow test first (the scaffold's package build), as tests/conftest.py does:
    `make test-torch` hands whole files to two workers in this order (--no-loadscope-reorder)."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)


@pytest.fixture(autouse=True)
def _no_tensorflow() -> None:
    # The point of this suite: nothing opbridge does for torch needs TensorFlow.
    yield
    assert "tensorflow" not in sys.modules, "a torch-side feature imported TensorFlow"


@pytest.fixture(autouse=True)
def _seeded() -> None:
    torch.manual_seed(0)


class Fn(torch.nn.Module):
    """A module of a function, as users write small models."""

    def __init__(self, fn: object) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: torch.Tensor) -> object:
        return self.fn(*args)  # type: ignore[operator]


def module(fn: object) -> torch.nn.Module:
    return Fn(fn).eval()
