"""The kernels' own flexbuffer reader: same values as the reference Python
implementation for any valid buffer, and an error (never a crash) for any
damaged one."""

from __future__ import annotations

import math

import pytest
from flatbuffers import flexbuffers
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from opbridge._library import builtin_library, decode_flexbuffer

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)

KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(KEYS, children, max_size=6),
        st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=8),
        st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), max_size=8),
    ),
    max_leaves=30,
)


def dumps(value) -> bytes:
    """The reference encoding; values its encoder cannot write (it fails on floats
    just above float32's max) are not test cases."""
    try:
        return flexbuffers.Dumps(value)
    except (OverflowError, RuntimeError):
        reject()


def same(ours, reference) -> bool:
    if isinstance(reference, dict):
        return (
            isinstance(ours, dict)
            and ours.keys() == reference.keys()
            and all(same(ours[k], reference[k]) for k in reference)
        )
    if isinstance(reference, (list, tuple)):
        return (
            isinstance(ours, list)
            and len(ours) == len(reference)
            and all(same(a, b) for a, b in zip(ours, reference, strict=True))
        )
    if isinstance(reference, float):
        return isinstance(ours, (int, float)) and (
            ours == reference or math.isclose(ours, reference, rel_tol=1e-7)
        )
    return ours == reference


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_valid_buffers_decode_as_the_reference_does(value):
    data = dumps(value)
    assert same(decode_flexbuffer(data), flexbuffers.Loads(data))


def test_typed_and_fixed_vectors_and_blobs():
    builder = flexbuffers.Builder()
    with builder.Map():
        builder.Key("ints")
        builder.TypedVectorFromElements([1, -2, 3])
        builder.Key("pair")
        builder.FixedTypedVectorFromElements([1.5, 2.5])
        builder.Key("blob")
        builder.Blob(b"\x00\xff")
        builder.Key("big")
        builder.UInt(2**64 - 1)
    data = builder.Finish()
    assert decode_flexbuffer(bytes(data)) == {
        "big": 2**64 - 1,
        "blob": {"blob": "00ff"},
        "ints": [1, -2, 3],
        "pair": [1.5, 2.5],
    }


def test_text_and_non_finite_floats():
    data = flexbuffers.Dumps({"s": "é", "x": [float("inf"), float("-inf")], "n": float("nan")})
    assert decode_flexbuffer(data) == {"n": "nan", "s": "é", "x": ["inf", "-inf"]}


def test_option_errors_keep_the_bytes_they_quote():
    with pytest.raises(ValueError, match="attr 'mode' is 'a\x00b', expected one of"):
        builtin_library().decode_options("Opbridge>GridSample", flexbuffers.Dumps({"mode": "a\x00b"}))


@settings(max_examples=3000, deadline=None)
@given(st.binary(max_size=96))
def test_random_bytes_never_crash(data):
    try:
        decode_flexbuffer(data)
    except ValueError as exc:
        assert str(exc)


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), st.data())
def test_damaged_buffers_never_crash(value, data):
    buffer = bytearray(dumps(value))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(buffer) - 1))
        buffer[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(buffer)))
    for candidate in (bytes(buffer), bytes(buffer[:cut])):
        try:
            decode_flexbuffer(candidate)
        except ValueError:
            pass
        try:
            builtin_library().decode_options("Opbridge>GridSample", candidate)
        except ValueError as exc:
            assert str(exc).startswith("Opbridge>GridSample: ")


def test_huge_declared_lengths_are_refused():
    data = bytearray(flexbuffers.Dumps({"a": [1, 2, 3]}))
    for i in range(len(data) - 2):  # claim an enormous length at every position in turn
        damaged = bytearray(data)
        damaged[i] = 0xFF
        try:
            decode_flexbuffer(bytes(damaged))
        except ValueError:
            pass
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper than 32"):
        decode_flexbuffer(flexbuffers.Dumps(deep))
