"""The README's PyTorch example runs as written (in the torch environment, without TensorFlow)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_pytorch_example_matches_torch() -> None:
    text = (ROOT / "README.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "sample_inputs" in b]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), {})
    errors = [float(x) for x in re.findall(r"output_\d (\S+)", out.getvalue())]
    assert len(errors) == 2 and max(errors) < 1e-5, out.getvalue()
