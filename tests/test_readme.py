"""The README's Python example runs as written."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import ROOT


def test_readme_example_runs():
    text = (ROOT / "README.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "opbridge.convert" in b]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), {})
    numbers = [abs(float(x)) for x in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", out.getvalue())]
    assert numbers and max(numbers) < 1e-4, out.getvalue()
