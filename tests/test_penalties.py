"""Each penalty's value, gradient and proximal operator against its formula."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skreg.penalties import L0, L1, L2

w = np.array([-2.0, -0.5, -0.05, 0.0, 0.01, 0.3, 1.5])
ALPHA = 0.2


def _brute_force_prox(penalty, v, step):
    """argmin_x (x - v)^2 / (2 step) + alpha R(x), by a coarse then a fine grid.

    Both grids contain 0, where L1 and L0 put their kinks and jumps.
    """

    def best(grid):
        grid = np.r_[grid, 0.0]
        objective = [
            (x - v) ** 2 / (2 * step) + penalty.value(np.array([x])) for x in grid
        ]
        return grid[int(np.argmin(objective))]

    coarse = best(np.linspace(-4, 4, 2001))
    return best(np.linspace(coarse - 0.005, coarse + 0.005, 2001))


def test_values_match_formulas():
    assert L2(ALPHA).value(w) == pytest.approx(0.5 * ALPHA * np.sum(w**2))
    assert L1(ALPHA).value(w) == pytest.approx(ALPHA * np.sum(np.abs(w)))
    assert L0(ALPHA).value(w) == pytest.approx(ALPHA * 6)


def test_l2_gradient_matches_finite_differences():
    penalty, eps = L2(ALPHA), 1e-6
    numeric = [
        (penalty.value(w + eps * e) - penalty.value(w - eps * e)) / (2 * eps)
        for e in np.eye(w.size)
    ]
    assert_allclose(penalty.gradient(w), numeric, atol=1e-8)


def test_l1_orthant_gradient_is_the_gradient_on_positive_weights():
    penalty, p = L1(ALPHA), np.abs(w) + 0.1
    assert_allclose(penalty.orthant_gradient(p), ALPHA)


@pytest.mark.parametrize("Penalty", [L0, L1, L2])
@pytest.mark.parametrize("step", [0.05, 0.5, 3.0])
def test_prox_is_the_brute_force_minimiser(Penalty, step):
    penalty = Penalty(ALPHA)
    # Stay off L0's tie |v| = sqrt(2 alpha step), where both 0 and v minimise.
    values = [v for v in w if not np.isclose(v**2, 2 * ALPHA * step)]
    for v in values:
        expected = _brute_force_prox(penalty, v, step)
        got = penalty.prox(np.array([v]), step)[0]
        assert got == pytest.approx(expected, abs=1e-4), (Penalty, v, step)


def test_prox_formulas_and_exact_zeros():
    step = 0.5
    assert_allclose(L2(ALPHA).prox(w, step), w / (1 + ALPHA * step))
    l1 = L1(ALPHA).prox(w, step)
    assert_allclose(l1, np.sign(w) * np.maximum(np.abs(w) - ALPHA * step, 0))
    assert_array_equal(l1 == 0, np.abs(w) <= ALPHA * step)
    l0 = L0(ALPHA).prox(w, step)
    keep = np.abs(w) > np.sqrt(2 * ALPHA * step)
    assert_array_equal(l0, np.where(keep, w, 0.0))


@pytest.mark.parametrize("Penalty", [L0, L1, L2])
def test_prox_takes_one_step_per_weight_and_writes_in_place(Penalty):
    """Adam's per-coordinate steps: each weight is thresholded with its own."""
    penalty = Penalty(ALPHA)
    steps = np.linspace(0.01, 4.0, w.size)
    expected = np.array(
        [penalty.prox(np.array([v]), s)[0] for v, s in zip(w, steps, strict=True)]
    )
    out = w.copy()
    result = penalty.prox(out, steps, out=out)
    assert result is out
    assert_allclose(out, expected)


@pytest.mark.parametrize("Penalty", [L0, L1, L2])
def test_prox_keeps_float32(Penalty):
    w32 = w.astype(np.float32)
    assert Penalty(ALPHA).prox(w32, np.float32(0.5)).dtype == np.float32
    assert Penalty(ALPHA).prox(w32, np.full_like(w32, 0.5)).dtype == np.float32


@pytest.mark.parametrize("Penalty", [L0, L1, L2])
def test_zero_alpha_prox_is_identity(Penalty):
    assert_array_equal(Penalty(0.0).prox(w, 10.0), w)
