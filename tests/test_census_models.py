"""A representative part of the census of real architectures (tools/census_models.py,
docs/models.md), run in CI through the census's own code path: small random-weight
keras-hub models with dynamic batch and sequence dimensions convert with opbridge,
and their LiteRT and TF-TFLite runs match the Keras model in TF.

Each architecture is here for the custom ops the converter leaves in it with
dynamic shapes (issue 12). Until an op's kernel lands, its architecture's test
fails and names the op: a missing kernel is a failure, not a skip.
"""

from __future__ import annotations

import re
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

import census_models

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)

# architecture -> the custom ops it needs kernels for (measured by the census).
CI_SET: dict[str, set[str]] = {
    "Llama": {"StridedSlice"},  # x[:, None] slices on tensors of unknown shape
    "DeBERTaV3": {"Abs", "Sign"},  # int relative-position buckets
    "Swin": {"Roll"},  # shifted windows
    "SD3 VAE": {"Conv2D"},  # input channels unknown at conversion
    # keras.ops.argmax's negative-zero test (in the decoder's NMS). The Llama
    # generate step has it too, but TF's own TFLite interpreter cannot run its
    # 6-D cache slice (builtin STRIDED_SLICE is 1-5-D there), which is not opbridge's.
    "RetinaNet": {"BitwiseAnd"},
}

# Each model runs in a subprocess (TF and keras-hub imported once per model);
# far under the timeout when healthy, it bounds a hang in a kernel.
TIMEOUT_S = 300


@pytest.mark.parametrize("name", sorted(CI_SET))
def test_architecture_converts_with_opbridge_and_matches_tf(name: str) -> None:
    finding = census_models.run_isolated(name, TIMEOUT_S)
    assert not finding.error, f"{name}: the census failed: {finding.error}"
    assert finding.opbridge_converts, (
        f"{name}: {finding.opbridge}. It needs kernels for {sorted(CI_SET[name])} (issue 12); "
        f"custom ops left: {finding.custom_ops}"
    )
    assert finding.custom_ops.keys() >= CI_SET[name], (
        f"{name}: the converter no longer leaves {sorted(CI_SET[name] - finding.custom_ops.keys())}; "
        f"custom ops now {finding.custom_ops}: update CI_SET so each op keeps a model that exercises it"
    )
    # Relative to the outputs' scale: reassociation in float32 keeps these models
    # within 1e-5 of it (docs/models.md); a wrong mask, shift or slice is off by O(1).
    for runtime in census_models.RUNTIMES:
        assert finding.run.get(runtime) == "ok", f"{name} [{runtime}]: {finding.run.get(runtime)}"
        error = finding.max_abs_error[runtime]
        assert census_models.within_tolerance(error, finding.max_abs_tf), (
            f"{name} [{runtime}]: max |TFLite - TF| = {error:.3g} > {census_models.TOLERANCE:g} "
            f"x the outputs' max |TF| {finding.max_abs_tf:.3g}"
        )


def test_docs_table_lists_every_architecture() -> None:
    text = (ROOT / "docs" / "models.md").read_text()
    rows = re.findall(r"^\| ([^|]+?) \| ", text, re.M)
    names = [r for r in rows if r not in ("architecture", "---")]
    assert names == list(census_models.ARCHITECTURES), (
        "docs/models.md is stale: run `python tools/census_models.py` (make census)"
    )
