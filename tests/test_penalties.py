"""Each penalty's value, gradient and proximal operator against its formula."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skreg.penalties import L0, L1, L2, GroupL0, GroupL1, row_groups
from skreg.penalties._group import InputGroups, _stacked_row_dots

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


# Group penalties ------------------------------------------------------------

# Two blocks: 3 groups of 2 weights, then 2 groups of 1 weight.
GROUPS = ((0, 6, 2), (6, 8, 1))
wg = np.array([0.3, -0.4, 0.02, 0.01, -1.2, 0.9, 0.05, -0.7])


def _brute_force_group_prox(penalty, v, steps):
    """argmin_x sum((x - v)^2 / (2 steps)) + alpha R(x) over one group.

    R is the definition (test_group_values_match_formulas ties it to
    ``value``), on a grid (coarse, then fine around the coarse winner) that
    contains 0.
    """
    size = v.size

    def penalty_of_rows(X):
        if isinstance(penalty, GroupL1):
            return penalty.alpha * np.sqrt(size) * np.linalg.norm(X, axis=1)
        return penalty.alpha * size * np.any(X != 0, axis=1)

    def best(axes):
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, size)
        grid = np.vstack([grid, np.zeros(size)])
        objective = np.sum((grid - v) ** 2 / (2 * steps), axis=1)
        return grid[int(np.argmin(objective + penalty_of_rows(grid)))]

    coarse = best([np.linspace(-2, 2, 401)] * size)
    return best([np.linspace(c - 0.02, c + 0.02, 401) for c in coarse])


def test_group_values_match_formulas():
    norms = [0.5, np.hypot(0.02, 0.01), 1.5]
    expected_l1 = ALPHA * (np.sqrt(2) * sum(norms) + 0.05 + 0.7)
    assert GroupL1(ALPHA, GROUPS).value(wg) == pytest.approx(expected_l1)
    w0 = wg.copy()
    w0[2:4] = 0
    # Groups of 2 count 2 weights each, whole or not at all.
    assert GroupL0(ALPHA, GROUPS).value(w0) == pytest.approx(ALPHA * (2 + 2 + 1 + 1))


def test_weights_outside_every_group_are_free():
    penalty_groups = ((0, 6, 2),)
    for Penalty in (GroupL0, GroupL1):
        penalty = Penalty(10.0, penalty_groups)
        assert_array_equal(penalty.prox(wg, 1.0)[6:], wg[6:])
        assert penalty.value(np.r_[np.zeros(6), wg[6:]]) == 0


@pytest.mark.parametrize("Group, Separable", [(GroupL1, L1), (GroupL0, L0)])
@pytest.mark.parametrize("per_weight", [False, True])
def test_groups_of_one_weight_are_the_separable_penalty(Group, Separable, per_weight):
    """One group per weight reduces exactly to L1 / L0, in a block of size 1
    and as one-weight rows of the general group path."""
    step = np.linspace(0.05, 3.0, wg.size) if per_weight else 0.5
    separable = Separable(ALPHA)
    for groups in [((0, wg.size, 1),)]:
        group = Group(ALPHA, groups)
        assert group.value(wg) == pytest.approx(separable.value(wg))
        assert_array_equal(group.prox(wg, step), separable.prox(wg, step))
    # The general row path, forced on size-1 rows.
    rows = wg.reshape(-1, 1).copy()
    steps = np.broadcast_to(step, wg.shape).reshape(-1, 1)
    Group(ALPHA, ())._prox_rows(rows, steps if per_weight else step, 1)
    assert_allclose(rows.ravel(), separable.prox(wg, step), rtol=1e-6)


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
@pytest.mark.parametrize("size", [1, 2])
@pytest.mark.parametrize("per_weight", [False, True])
def test_group_prox_is_the_brute_force_minimiser(Penalty, size, per_weight):
    """Per group, in 1-D and 2-D, for one step (SGD) and one step per weight
    (Adam's metric, where the prox has no closed form for the group lasso)."""
    rng = np.random.RandomState(0)
    penalty = Penalty(ALPHA, ((0, 6 * size, size),))
    v = rng.uniform(-1.2, 1.2, 6 * size)
    v[:size] *= 0.05  # one group well inside the threshold
    steps = rng.uniform(0.2, 2.0, v.size) if per_weight else np.full(v.size, 0.7)
    step = steps if per_weight else 0.7
    got = penalty.prox(v, step)
    for g in range(6):
        sl = slice(g * size, (g + 1) * size)
        expected = _brute_force_group_prox(penalty, v[sl], steps[sl])
        assert_allclose(got[sl], expected, atol=2e-3, err_msg=f"group {g}")
    assert_array_equal(got[:size], 0)


@pytest.mark.parametrize("case", ["zero rows, wild steps", "every row kept"])
def test_group_l1_prox_in_adam_metric_satisfies_optimality(case):
    """The Newton root is exact: x_g = v_g r / (r + lam eta) with ||x_g|| = r,
    and a zeroed group has ||v_g / eta_g|| <= lam. Both ways through the
    prox: a block with zero rows, and one whose rows Newton's start alone
    shows kept (the prox then skips its test for zero)."""
    rng = np.random.RandomState(1)
    size, lam = 5, ALPHA * np.sqrt(5)
    v = rng.standard_normal(40 * size)
    if case == "every row kept":
        v *= 3
        eta = rng.uniform(0.5, 2.0, v.size)
    else:
        v[: 10 * size] *= 1e-3
        # Steps over six orders of magnitude, as Adam's are for
        # rarely-updated weights: the hard case for the root finding.
        eta = 10.0 ** rng.uniform(-3, 3, v.size)
    x = GroupL1(ALPHA, ((0, v.size, size),)).prox(v, eta).reshape(-1, size)
    V, E = v.reshape(-1, size), eta.reshape(-1, size)
    zero = np.all(x == 0, axis=1)
    assert_array_equal(zero, np.linalg.norm(V / E, axis=1) <= lam)
    # Newton's start, ||v|| minus the v^2-weighted mean of lam * eta, is
    # positive on kept rows only.
    start = np.linalg.norm(V, axis=1) - np.sum(V**2 * lam * E, axis=1) / np.sum(
        V**2, axis=1
    )
    assert np.all(start > 0) == (case == "every row kept")
    assert not np.any(zero & (start > 0))
    if case != "every row kept":
        assert 0 < zero.sum() < len(zero)
    # Stationarity: (x - v) / eta + lam x / ||x|| = 0 on the kept groups.
    r = np.linalg.norm(x[~zero], axis=1, keepdims=True)
    residual = (x[~zero] - V[~zero]) / E[~zero] + lam * x[~zero] / r
    assert_allclose(residual, 0, atol=1e-6 * np.abs(V / E).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_dots_without_vecdot(dtype):
    """numpy < 2.0 has no vecdot: the stacked matmul stands in."""
    rng = np.random.RandomState(0)
    A, B = (rng.standard_normal((7, 5)).astype(dtype) for _ in range(2))
    got = _stacked_row_dots(A, B)
    assert got.dtype == dtype
    assert_allclose(got, np.einsum("ij,ij->i", A, B), rtol=1e-6)


def test_group_l1_newton_iterates_each_group_on_its_own():
    """A group's prox under Adam's steps does not depend on the other groups
    of its block: each runs Newton until its own residual is small, as the
    compiled step, which takes one group at a time, does."""
    rng = np.random.RandomState(1)
    size = 5
    v = rng.standard_normal(40 * size)
    # The hard case above: some groups need more Newton steps than others.
    eta = 10.0 ** rng.uniform(-3, 3, v.size)
    penalty = GroupL1(ALPHA, ((0, v.size, size),))
    together = penalty.prox(v, eta)
    alone = [
        GroupL1(ALPHA, ((0, size, size),)).prox(v[sl], eta[sl])
        for sl in (slice(g, g + size) for g in range(0, v.size, size))
    ]
    assert_allclose(together, np.concatenate(alone), rtol=1e-15, atol=0)


def test_group_l0_threshold_is_the_price_of_the_group():
    """A group is kept iff sum(v^2 / (2 eta)) > alpha |g|: the documented rule."""
    size, alpha = 3, 0.1
    price = alpha * size
    eta = np.array([0.5, 1.0, 2.0])
    base = np.array([1.0, -1.0, 1.0])
    saved_per_unit = np.sum(base**2 / (2 * eta))
    for ratio, kept in [(0.99, False), (1.01, True)]:
        v = base * np.sqrt(ratio * price / saved_per_unit)
        got = GroupL0(alpha, ((0, size, size),)).prox(v, eta)
        assert_array_equal(got, v if kept else 0)


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
@pytest.mark.parametrize("per_weight", [False, True])
def test_group_prox_writes_in_place_and_keeps_float32(Penalty, per_weight):
    w32 = wg.astype(np.float32)
    step = np.full_like(w32, 0.5) if per_weight else np.float32(0.5)
    penalty = Penalty(ALPHA, GROUPS)
    expected = penalty.prox(wg, 0.5)
    out = w32.copy()
    assert penalty.prox(out, step, out=out) is out
    assert out.dtype == np.float32
    assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_row_groups_follow_the_flat_layout():
    # Layers 3 -> 4 -> 2: coefs_[0] is 12 weights in 3 rows of 4, then 8
    # weights in 4 rows of 2.
    assert row_groups([3, 4, 2], "neurons") == ((0, 12, 4), (12, 20, 2))
    assert row_groups([3, 4, 2], "inputs") == ((0, 12, 4), (12, 20, 1))
    assert row_groups([3, 2], "inputs") == ((0, 6, 2),)


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
@pytest.mark.parametrize("per_weight", [False, True])
def test_group_prox_of_zero_rows_is_silent_and_zero(Penalty, per_weight):
    """Pruned inputs leave all-zero rows; their prox must not warn or NaN."""
    w = np.zeros(12)
    w[:3] = [0.5, -1.0, 2.0]
    step = np.full(12, 0.1) if per_weight else 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = Penalty(ALPHA, ((0, 12, 3),)).prox(w, step)
    assert_array_equal(got[3:], 0)
    assert np.all(got[:3] != 0)


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
def test_group_prox_can_zero_every_group(Penalty):
    got = Penalty(1e3, ((0, 12, 3),)).prox(wg.repeat(2)[:12], np.full(12, 0.1))
    assert_array_equal(got, 0)


# Groups of inputs given by labels --------------------------------------------

# 5 inputs -> 3 hidden -> 2 outputs; inputs {0, 2}, {1, 4} and {3} are groups.
UNITS = [5, 3, 2]
LABELS = np.array(["a", "b", "a", "c", "b"])
wl = np.random.RandomState(1).uniform(-1, 1, 5 * 3 + 3 * 2)


def _by_hand(Penalty, w, step):
    """Each labelled group gathered and treated as one group of Penalty."""
    W1, rest = w[:15].reshape(5, 3).copy(), w[15:].copy()
    steps = np.broadcast_to(step, w.shape)
    S1 = steps[:15].reshape(5, 3)
    value = Penalty._separable(ALPHA).value(rest)
    for label in "abc":
        rows = np.flatnonzero(LABELS == label)
        group = Penalty(ALPHA, ((0, rows.size * 3, rows.size * 3),))
        value += group.value(W1[rows].ravel())
        step_g = S1[rows].ravel() if np.ndim(step) else step
        W1[rows] = group.prox(W1[rows].ravel(), step_g).reshape(-1, 3)
    rest = Penalty._separable(ALPHA).prox(rest, steps[15:] if np.ndim(step) else step)
    return value, np.r_[W1.ravel(), rest]


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
@pytest.mark.parametrize("per_weight", [False, True])
def test_labelled_input_groups_are_the_group_penalty_on_each_label(Penalty, per_weight):
    step = np.linspace(0.2, 3.0, wl.size) if per_weight else 1.5
    penalty = InputGroups(Penalty, ALPHA, UNITS, LABELS)
    value, prox = _by_hand(Penalty, wl, step)
    assert penalty.value(wl) == pytest.approx(value)
    got = penalty.prox(wl, step)
    assert_allclose(got, prox, rtol=1e-12)
    # Whole groups go: at this strength 'c' (one row) and 'b' are zero.
    W1 = got[:15].reshape(5, 3)
    for label in "abc":
        rows = W1[LABELS == label]
        assert np.all(rows == 0) or np.all(rows != 0)
    assert np.any(W1 == 0)
    out = wl.astype(np.float32)
    assert penalty.prox(out, step, out=out) is out and out.dtype == np.float32


@pytest.mark.parametrize("Penalty", [GroupL0, GroupL1])
def test_one_label_per_input_is_the_inputs_grouping(Penalty):
    inputs = Penalty(ALPHA, row_groups(UNITS, "inputs"))
    labelled = InputGroups(Penalty, ALPHA, UNITS, np.arange(5)[::-1])
    step = np.linspace(0.2, 3.0, wl.size)
    assert labelled.value(wl) == pytest.approx(inputs.value(wl))
    assert_array_equal(labelled.prox(wl, step), inputs.prox(wl, step))


@pytest.mark.parametrize(
    "labels", [np.zeros(4), np.zeros((5, 1)), np.array([1, "a", 2, 3, 4], dtype=object)]
)
def test_labels_that_do_not_name_one_group_per_input_are_refused(labels):
    with pytest.raises(ValueError, match="penalty_groups"):
        InputGroups(GroupL1, ALPHA, UNITS, labels)
