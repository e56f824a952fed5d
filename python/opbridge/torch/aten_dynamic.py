"""Ops whose output size depends on the data (unique and its relatives) and counting ops
(histograms, combinations). Filled in by this module's rewrites; see docs/torch.md."""

from __future__ import annotations
