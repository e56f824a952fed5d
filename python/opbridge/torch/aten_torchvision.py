"""torchvision's operators (torch.ops.torchvision: nms, roi_align, ...), registered when
torchvision is loaded (register_available). Filled in by this module's rewrites; see
docs/torch.md."""

from __future__ import annotations


def register_available() -> None:
    """Registers the rewrites of torchvision's ops once torchvision is imported (decompositions.table
    calls it at each conversion)."""
