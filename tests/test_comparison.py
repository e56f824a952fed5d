"""The one max |TF - TFLite| the CLI, the demo and the parity harness report."""

from __future__ import annotations

import numpy as np

from opbridge.comparison import max_abs_error


def test_plain_difference_and_complex_magnitude():
    assert max_abs_error(np.array([1.0, 2.0]), np.array([1.5, 1.0])) == 1.0
    assert max_abs_error(np.array([1 + 1j]), np.array([4 + 5j], np.complex64)) == 5.0


def test_equal_specials_match_and_unequal_ones_are_infinite():
    inf, nan = np.inf, np.nan
    assert max_abs_error(np.array([nan, inf, -inf, 0.0]), np.array([nan, inf, -inf, 0.0])) == 0.0
    assert max_abs_error(np.array([nan]), np.array([1.0])) == inf
    assert max_abs_error(np.array([1.0]), np.array([nan])) == inf
    assert max_abs_error(np.array([inf]), np.array([-inf])) == inf
    assert max_abs_error(np.array([complex(nan, 1)]), np.array([complex(nan, 1)])) == 0.0


def test_empty_and_mismatched_shapes():
    assert max_abs_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert max_abs_error(np.zeros((2,)), np.zeros((3,))) == np.inf
    assert max_abs_error(np.array([1, 2], np.int32), np.array([1, 5], np.int32)) == 3.0
