"""String inputs in the TFLite adapter: TFLite's string buffer (int32 count, count + 1 int32
offsets, bytes) is checked whole before a kernel sees a view of it. Hostile buffers, stored as
constants in a model, give an error naming the op and the input, never a crash; a valid one
reaches the kernel (Restore then reports the missing file as TF does)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model


def string_buffer(strings: list[bytes], count: int | None = None, offsets: list[int] | None = None) -> bytes:
    n = len(strings)
    header = 4 * (n + 2)
    if offsets is None:
        offsets = [header]
        for s in strings:
            offsets.append(offsets[-1] + len(s))
    head = struct.pack(f"<i{len(offsets)}i", n if count is None else count, *offsets)
    return head + b"".join(strings)


def restore_model(file_pattern: bytes) -> bytes:
    """A Restore node whose file_pattern is a constant holding `file_pattern`'s bytes as stored."""
    from flatbuffers import flexbuffers

    options = bytes(flexbuffers.Dumps({"dt": 0, "preferred_shard": -1}))  # dt: float32
    return tflite_model.single_custom_op_model(
        "Restore",
        [("file_pattern", [], np.object_), ("tensor_name", [], np.object_)],
        [("tensor", [3], np.float32)],
        options=options,
        constants={"file_pattern": file_pattern, "tensor_name": string_buffer([b"w"])},
    )


HOSTILE = {
    "count above the shape's": (string_buffer([b"a", b"b"]), "holds 2 strings"),
    "negative count": (string_buffer([b"abc"], count=-5), "holds -5 strings"),
    "count beyond the buffer": (struct.pack("<i", 1), "too short"),
    "first offset inside the header": (string_buffer([b"abc"], offsets=[4, 7]), "first string at offset 4"),
    "first offset past the end": (string_buffer([b"abc"], offsets=[9999, 10000]), "first string at offset"),
    "end offset before the start": (string_buffer([b"abcdef"], offsets=[12, 11]), "at bytes [12, 11)"),
    "end offset past the end": (string_buffer([b"abc"], offsets=[12, 400]), "string 0 at bytes [12, 400)"),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_string_buffers_are_errors(runtime: str, case: str) -> None:
    import opbridge

    buffer, message = HOSTILE[case]
    interp = opbridge.Interpreter(model_content=restore_model(buffer), runtime=runtime)
    with pytest.raises((RuntimeError, ValueError)) as error:
        interp.allocate_tensors()
        interp.invoke()
    text = str(error.value)
    assert "Restore" in text and "string input 'file_pattern'" in text and message in text, text


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_valid_string_reaches_the_kernel(runtime: str, tmp_path: Path) -> None:
    import opbridge

    missing = str(tmp_path / "no-such-checkpoint").encode()
    interp = opbridge.Interpreter(model_content=restore_model(string_buffer([missing])), runtime=runtime)
    interp.allocate_tensors()
    with pytest.raises(RuntimeError) as error:
        interp.invoke()
    assert "Restore" in str(error.value) and "no-such-checkpoint" in str(error.value), str(error.value)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_trailing_nul_bytes_reach_the_kernel(tf, runtime):
    """opbridge.testing.run_tflite feeds string arrays as objects: numpy's fixed-width bytes
    (the input details' dtype) would drop each element's trailing NUL bytes."""
    import opbridge
    from opbridge.testing import run_tflite

    strings = [b"a\x00", b"", b"z\x00\x00", b"\x00"]
    fn = tf.function(tf.strings.length, input_signature=[tf.TensorSpec([None], tf.string)])
    expected = tf.strings.length(np.array(strings, object)).numpy()
    assert expected.tolist() == [2, 0, 3, 1]
    model = opbridge.convert(fn)
    for given in (strings, np.array(strings, object)):
        (actual,) = run_tflite(model, [given], runtime).values()
        np.testing.assert_array_equal(actual, expected)
