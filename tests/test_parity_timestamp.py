"""Timestamp (tf.timestamp): a converted model that times its own work, in both runtimes. The
clock cannot match TF's bits, so the test brackets each call with Python's clock: the value lies
in [before, after] to the microsecond, is float64, and a later call is not earlier."""

from __future__ import annotations

import time

import numpy as np

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import SignatureSession


def test_timestamp_is_the_wall_clock(tf):
    def fn(x):
        start = tf.timestamp()
        y = x * 2.0
        return {"start": start, "y": y, "elapsed": tf.timestamp() - start}

    model = convert_fn(fn, ((None,), tf.float32))
    assert tflite_model.custom_op_counts(model)["Timestamp"] == 2  # (and float64 Sub, also custom)
    x = np.arange(1000, dtype=np.float32)
    want = tf.function(fn)(tf.constant(x))
    assert want["start"].dtype == tf.float64
    for runtime in RUNTIMES:
        session = SignatureSession(model, runtime)
        previous = 0.0
        for _ in range(3):
            before = np.floor(time.time() * 1e6) / 1e6
            session.set_inputs([x])
            session.invoke()
            after = time.time()
            out = session.outputs()
            start = out["start"]
            assert start.dtype == np.float64 and start.shape == (), (runtime, start.dtype, start.shape)
            assert before <= float(start) <= after, (runtime, before, float(start), after)
            assert float(start) >= previous, runtime
            assert 0.0 <= float(out["elapsed"]) <= after - before, runtime
            np.testing.assert_array_equal(out["y"], want["y"].numpy())
            previous = float(start)
