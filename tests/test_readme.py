"""The README's Python examples run as written."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import ROOT


def readme_example(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if marker in b]
    return example


def run(example: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), {})
    return out.getvalue()


def test_readme_example_runs():
    output = run(readme_example("tf.linalg.inv"))
    numbers = [abs(float(x)) for x in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", output)]
    assert numbers and max(numbers) < 1e-4, output


def test_readme_training_example_learns():
    output = run(readme_example("opbridge.training.export"))
    first, last = (float(v) for v in re.findall(r"loss (\d+\.\d+) -> (\d+\.\d+)", output)[0])
    assert last < 0.8 * first, output
