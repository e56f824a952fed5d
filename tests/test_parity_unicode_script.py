"""UnicodeScript (tf.strings.unicode_script): the TFLite kernel against TF's own (ICU's
uscript_getScript), bitwise, in both runtimes: every code point 0..0x10FFFF (surrogates included) and
invalid values (negative, past U+10FFFF, random int32s: -1 in TF) in one invoke per runtime, on two
threads so the kernel's split is exercised; ranks 0-3 and empty tensors in the same model."""

from __future__ import annotations

import numpy as np

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.running import run_tflite
from string_parity import tf_outputs

INVALID = [-1, -2, -0xD800, -0x10FFFF, -0x110000, -(2**31), 0x110000, 0x110001, 0x1FFFFF, 0x7FFFFFFF]


def check(fn, model: bytes, inputs, context: str) -> None:
    want = tf_outputs(fn, inputs)
    for runtime in RUNTIMES:
        got = run_tflite(model, list(inputs), runtime, num_threads=2)
        assert set(got) == set(want), (context, runtime, sorted(got))
        for key, w in want.items():
            g = np.asarray(got[key])
            assert g.dtype == w.dtype == np.int32, (context, runtime, key, g.dtype)
            assert g.shape == w.shape, (context, runtime, key, g.shape, w.shape)
            x = np.asarray(inputs[list(want).index(key)]).ravel()  # outputs in input order
            bad = np.flatnonzero(g.ravel() != w.ravel())
            assert bad.size == 0, (
                f"[{runtime}] {context}: {key} differs at {bad.size} elements, first at code point "
                f"{x[bad[0]]:#x}: {g.ravel()[bad[0]]}, TF gives {w.ravel()[bad[0]]}"
            )


def test_every_code_point_and_invalid(tf, rng):
    def fn(v, g, s):
        return {
            "vector": tf.strings.unicode_script(v),
            "grid": tf.strings.unicode_script(g),
            "scalar": tf.strings.unicode_script(s),
        }

    model = convert_fn(fn, ([None], tf.int32), ([None, None, None], tf.int32), ([], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"UnicodeScript": 3}
    f = tf.function(fn)
    every = np.arange(0x110000, dtype=np.int32)
    random = rng.integers(-(2**31), 2**31, 4096, dtype=np.int64).astype(np.int32)
    vector = np.concatenate([every, np.array(INVALID, np.int32), random])
    want = f(vector, vector[:24].reshape(2, 3, 4), np.int32(0x0915))["vector"].numpy()
    assert (want[: every.size] >= 0).all() and (want[every.size : every.size + len(INVALID)] == -1).all()
    grid = rng.choice(vector, 60).reshape(3, 4, 5)
    check(f, model, (vector, grid, np.int32(0x4E00)), "every code point")
    check(f, model, (vector[:0], grid[:, :0], np.int32(-1)), "empty")
    check(f, model, (rng.permutation(vector)[:1000], grid[:0], np.int32(0x110000)), "shuffled")
