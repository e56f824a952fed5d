"""Complex-valued math on the complex representation of aten_fft (elementwise functions, powers,
matrix products). Filled in by this module's rewrites; see docs/torch.md."""

from __future__ import annotations
