"""The delegate route runs a partition of claimed nodes as one runtime node
(cpp/tflite_runtime/delegate.cc). When a node of the partition resizes its output at
invoke (a value-dependent shape: StringSplitV2, UniqueV2), the nodes after it must be
prepared again for the new shape, as the runtime does between its own nodes. They
were not: `tf.strings.length(tf.strings.split(s))` gave one length for three words,
and a 66-line batch corrupted the heap. Each model here is run with sizes that
change from invoke to invoke, on both routes and both runtimes, against TF."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession

LINES = np.array([b"a bb ccc", b"dddd", b""] + [b"w%d xx yyy zzzz" % i for i in range(64)], dtype=object)


def models(tf: Any) -> dict[str, tuple[Any, Any, list[np.ndarray], dict[str, int]]]:
    """name -> (function, input spec, inputs of changing sizes, the custom nodes)."""
    values = np.array([3.0, 1.5, 3.0, 2.0, 1.5, 7.0, 2.0, 0.5], np.float32)
    return {
        "split then length (output of the partition)": (
            lambda s: {"n": tf.strings.length(tf.strings.split(s).flat_values)},
            tf.TensorSpec([None], tf.string),
            [LINES[:1], LINES[:3], LINES, LINES[:2]],
            {"StringSplitV2": 1, "StringLength": 1},
        ),
        "unique counts then cumprod, read by a builtin": (
            lambda x: {"y": tf.math.cumprod(tf.unique_with_counts(x).count, exclusive=True) * 3},
            tf.TensorSpec([None], tf.float32),
            [
                values[:2],
                values,
                values[:1],
                np.tile(values, 40) + np.repeat(np.arange(40), 8).astype(np.float32),
            ],
            {"UniqueWithCounts": 1, "Cumprod": 1},
        ),
    }


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_value_dependent_shapes_inside_a_partition(tf, runtime):
    for name, (fn, spec, series, custom) in models(tf).items():
        f = tf.function(fn, input_signature=[spec])
        model = opbridge.convert(f)
        assert tflite_model.custom_op_counts(model) == custom, name
        for route in ("resolver", "delegate"):
            session = SignatureSession(model, runtime, route=route)
            for inputs in series:
                session.set_inputs([inputs])
                session.invoke()
                (got,) = session.outputs().values()
                (want,) = (v.numpy() for v in f(tf.constant(inputs)).values())
                what = f"[{runtime}, {route}] {name}, {len(inputs)} inputs"
                assert got.shape == want.shape, f"{what}: shape {got.shape}, TF {want.shape}"
                np.testing.assert_array_equal(got, want, err_msg=what)
