"""opbridge.testing's comparison itself: a harness that passed everything would
make every parity test meaningless, so its verdicts are tested on arrays."""

from __future__ import annotations

import numpy as np

from opbridge.testing import _describe_mismatch


def verdict(expected, actual, rtol=1e-6, atol=0.0):
    return _describe_mismatch("litert", "y", np.asarray(expected), np.asarray(actual), rtol, atol)


def test_equal_values_nans_and_infinities_pass():
    assert verdict([1.0, np.nan, np.inf, -np.inf], [1.0, np.nan, np.inf, -np.inf]) is None


def test_each_kind_of_difference_is_reported_with_the_worst_element():
    assert "worst at (1,)" in verdict([1.0, 2.0], [1.0, 2.1])
    assert verdict([1.0], [np.nan]) is not None
    assert verdict([np.nan], [1.0]) is not None
    assert verdict([np.inf], [-np.inf]) is not None
    assert verdict([np.inf], [3e38]) is not None
    assert "shape" in verdict(np.zeros(2), np.zeros(3))
    assert "dtype" in verdict(np.zeros(2, np.float32), np.zeros(2, np.float64))


def test_complex_parts_are_compared_separately():
    inf_real = [complex(np.inf, 1.0)]
    # An infinite real part that matches, an imaginary part within tolerance.
    assert verdict(inf_real, [complex(np.inf, 1.0 + 1e-9)]) is None
    # The same infinity with an imaginary part beyond tolerance is a mismatch.
    assert verdict(inf_real, [complex(np.inf, 1.5)]) is not None
    assert verdict([complex(np.nan, 0.0)], [complex(np.nan, 0.0)]) is None
    assert verdict([complex(np.nan, 0.0)], [complex(0.0, 0.0)]) is not None
    assert verdict([complex(1.0, 2.0)], [complex(1.0, 2.0001)]) is not None
    # Finite values: relative to the magnitude, so a small part may carry the error.
    assert verdict([complex(-347.49, -4.415)], [complex(-347.49, -4.41507)], rtol=1e-5) is None


def test_empty_outputs_of_equal_shape_agree():
    assert verdict(np.zeros((0, 3)), np.zeros((0, 3))) is None
