"""String outputs in the TFLite adapter: a kernel's std::strings become TFLite's string buffer
(count, int32 offsets, bytes), read back by both Python runtimes, fed to builtins and to other
opbridge nodes, carried through builtin control flow, and rewritten on every invoke as shapes
change. StringStrip (tf.strings.strip) is the op under test; TF computes every expected value."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model

STRINGS = [
    b"  a b ",
    b"\t\nx\x00 ",
    b"",
    b" \xc3\xa9 ",
    b"\v\f\r",
    b"q",
    b"\xe2\x80\x83y\xe2\x80\x83",
    b" " * 300,
]


def _model(tf, fn, shape):
    import opbridge

    return opbridge.convert(tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.string)]))


def _run(model: bytes, runtime: str, x: np.ndarray) -> list[np.ndarray]:
    import opbridge

    interp = opbridge.Interpreter(model_content=model, runtime=runtime)
    interp.resize_tensor_input(interp.get_input_details()[0]["index"], list(x.shape))
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]) for d in interp.get_output_details()]


def _chain(tf):
    def fn(s):
        t = tf.strings.strip(s)
        flat = tf.reshape(t, [-1])
        # a builtin consumer (GATHER on strings) and a second opbridge node after a builtin
        return t, tf.gather(flat, [1, 0]), tf.strings.strip(tf.reshape(tf.gather(flat, [1, 0, 1]), [-1, 1]))

    return fn


@pytest.fixture(scope="module")
def chain_model(tf):
    model = _model(tf, _chain(tf), [None, None])
    assert tflite_model.custom_op_counts(model) == {"StringStrip": 2}
    return model


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_string_outputs_match_tf_across_resizes(tf, chain_model, runtime: str) -> None:
    import opbridge

    fn = _chain(tf)
    interp = opbridge.Interpreter(model_content=chain_model, runtime=runtime)
    # One interpreter, shapes changing between invokes: each invoke replaces the buffers.
    for shape in [(2, 4), (1, 2), (4, 2), (2, 4)]:
        n = shape[0] * shape[1]
        x = np.array((STRINGS * 2)[:n], dtype=object).reshape(shape)
        interp.resize_tensor_input(interp.get_input_details()[0]["index"], list(shape))
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        expected = [t.numpy() for t in fn(tf.constant(x))]
        actual = [interp.get_tensor(d["index"]) for d in interp.get_output_details()]
        assert len(actual) == len(expected)
        by_shape = sorted(actual, key=lambda a: (a.shape, a.tolist()))
        want = sorted(expected, key=lambda a: (a.shape, a.tolist()))
        for a, e in zip(by_shape, want, strict=True):
            assert a.dtype == object and a.shape == e.shape
            assert a.tolist() == e.tolist()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_scalar_and_empty_string_outputs(tf, runtime: str) -> None:
    model = _model(tf, lambda s: tf.strings.strip(s), None)
    # A 0-d *object* array is mis-fed by both runtimes' set_tensor (they store the PyObject
    # pointer's bytes; docs/design.md): a scalar string goes in as a bytes ("S") array.
    for x in [np.array(b"  scalar\t"), np.array([b" ", b""], dtype=object)]:
        (got,) = _run(model, runtime, x)
        assert np.shape(got) == x.shape
        assert (
            np.asarray(got, dtype=object).tolist()
            == np.asarray(tf.strings.strip(tf.constant(x)).numpy(), dtype=object).tolist()
        )
    # Zero strings: an 8-byte buffer (count 0, one offset). The Python runtimes cannot read a
    # zero-element tensor, so the next invoke with strings again proves the node survived it.
    import opbridge

    interp = opbridge.Interpreter(model_content=model, runtime=runtime)
    index = interp.get_input_details()[0]["index"]
    for x in [np.zeros([0, 3], dtype=object), np.array([[b" z "]], dtype=object)]:
        interp.resize_tensor_input(index, list(x.shape))
        interp.allocate_tensors()
        interp.set_tensor(index, x)
        interp.invoke()
    assert interp.get_tensor(interp.get_output_details()[0]["index"]).tolist() == [[b"z"]]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_string_output_through_builtin_while(tf, runtime: str) -> None:
    def fn(s):
        def body(i, t):
            return i + 1, tf.strings.strip(tf.gather(t, tf.range(tf.size(t) - 1, -1, -1)))

        return tf.while_loop(lambda i, t: i < 3, body, [tf.constant(0), s])[1]

    model = _model(tf, fn, [None])
    assert tflite_model.custom_op_counts(model) == {"StringStrip": 1}
    x = np.array([b" a", b"b  ", b""], dtype=object)
    (got,) = _run(model, runtime, x)
    assert got.tolist() == fn(tf.constant(x)).numpy().tolist()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_appending_kernel_starts_from_empty_strings_every_invoke(tf, runtime: str) -> None:
    """The adapter keeps a node's output strings from one invoke to the next, so that their
    buffers are reused: a kernel that appends to them (ReduceJoin) must still find each one
    empty, with the same shape, a smaller one and a larger one."""
    import opbridge

    def fn(s):
        return tf.strings.reduce_join(s, axis=1, separator="-")

    model = _model(tf, fn, [None, None])
    assert tflite_model.custom_op_counts(model) == {"ReduceJoin": 1}
    interp = opbridge.Interpreter(model_content=model, runtime=runtime)
    rng = np.random.default_rng(3)
    for shape in [(3, 4), (3, 4), (1, 2), (5, 3), (2, 1)]:
        x = np.array([STRINGS[i] for i in rng.integers(0, len(STRINGS), shape[0] * shape[1])], dtype=object)
        x = x.reshape(shape)
        interp.resize_tensor_input(interp.get_input_details()[0]["index"], list(shape))
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        got = interp.get_tensor(interp.get_output_details()[0]["index"])
        assert got.tolist() == fn(tf.constant(x)).numpy().tolist(), shape
