"""Optimizer updates on the flat parameter vector, without an estimator."""

import os

import numpy as np
import pytest
import scipy
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from skreg import MLPRegularizedClassifier
from skreg._losses import LOSSES
from skreg._network import loss_and_gradient, pack
from skreg._optimizers import (
    LBFGS,
    SGD,
    Adam,
    ProximalGradient,
    ProximalLBFGS,
    check_penalty_support,
    make_polisher,
)
from skreg.penalties import L0, L1, L2, GroupL0, GroupL1, row_groups
from skreg.penalties._restricted import Restricted

rng = np.random.RandomState(0)
theta0 = rng.randn(10)
grads = [rng.randn(10) for _ in range(5)]
N_WEIGHTS = 7  # the last three entries play the intercepts


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_without_penalty_matches_scikit_learn(nesterov):
    ours, theta = SGD(theta0, 0.1, "constant", 0.9, nesterov, 0.5), theta0.copy()
    params = [theta0.copy()]
    theirs = SGDOptimizer(params, 0.1, "constant", 0.9, nesterov, 0.5)
    for g in grads:
        ours.step(theta, g, L2(0.0), N_WEIGHTS)
        theirs.update_params(params, [g])
    assert_allclose(theta, params[0])


def test_adam_without_penalty_matches_scikit_learn():
    ours, theta = Adam(theta0, 0.01, 0.9, 0.999, 1e-8), theta0.copy()
    params = [theta0.copy()]
    theirs = AdamOptimizer(params, 0.01, 0.9, 0.999, 1e-8)
    for g in grads:
        ours.step(theta, g, L1(0.0), N_WEIGHTS)
        theirs.update_params(params, [g])
    assert_allclose(theta, params[0])


@pytest.mark.parametrize("Penalty", [L0, L1, L2])
def test_adam_prox_uses_each_weights_own_step(Penalty):
    """ProxGen: the prox's step is Adam's per-coordinate step lr_t / (sqrt(v)+eps)."""
    penalty = Penalty(0.05)
    plain, proximal = Adam(theta0, 0.1), Adam(theta0, 0.1)
    theta_plain, theta = theta0.copy(), theta0.copy()
    plain.step(theta_plain, grads[0], Penalty(0.0), N_WEIGHTS)
    proximal.step(theta, grads[0], penalty, N_WEIGHTS)
    eta = 0.1 * np.sqrt(1 - 0.999) / (np.sqrt(proximal.v) + 1e-8)
    expected = penalty.prox(theta_plain[:N_WEIGHTS], eta[:N_WEIGHTS])
    assert_allclose(theta[:N_WEIGHTS], expected)
    assert_array_equal(theta[N_WEIGHTS:], theta_plain[N_WEIGHTS:])


@pytest.mark.parametrize("Optimizer", [SGD, Adam])
@pytest.mark.parametrize("Penalty", [L0, L1])
def test_strong_penalty_zeroes_weights_never_intercepts(Optimizer, Penalty):
    optimizer, theta = Optimizer(theta0), theta0.copy()
    optimizer.step(theta, grads[0], Penalty(1e6), N_WEIGHTS)
    assert_array_equal(theta[:N_WEIGHTS], 0.0)
    assert np.all(theta[N_WEIGHTS:] != 0)


class _ProxOnly:
    """A penalty with a prox and no value: nothing to line-search on."""

    def prox(self, w, step, out=None):
        return w


def test_a_solver_refuses_a_penalty_it_cannot_run_naming_what_it_needs():
    msg = (
        r"solver='lbfgs' does not support penalty=<custom>: it needs a penalty "
        r"with `gradient` or `orthant_gradient` or `prox` and `value`, which "
        r"_ProxOnly does not have\. Use solver in \['adam', 'sgd'\] for "
        r"penalty=<custom>\."
    )
    with pytest.raises(ValueError, match=msg):
        check_penalty_support("lbfgs", _ProxOnly(), "penalty=<custom>")


def test_every_solver_takes_every_penalty():
    """L2 by its gradient, L1 by the split, the group lasso by proximal
    L-BFGS, the L0s by proximal gradient; adam and sgd by their prox."""
    groups = row_groups([3, 4, 1], "inputs")
    penalties = [L0(1.0), L1(1.0), L2(1.0), GroupL0(1.0, groups), GroupL1(1.0, groups)]
    for solver in ("lbfgs", "sgd", "adam"):
        for penalty in penalties:
            check_penalty_support(solver, penalty, "penalty")


def _quadratic(target):
    # Data loss 0.5 * ||theta - target||^2: the penalized minimiser is the prox.
    def fun(theta):
        return 0.5 * float(np.sum((theta - target) ** 2)), theta - target

    return fun


def test_lbfgs_split_solves_l1_exactly_with_exact_zeros():
    target = np.array([2.0, -0.3, 0.05, -1.2, 0.0, 0.7, 5.0, -4.0])
    n_weights, alpha = 6, 0.5
    theta, n_iter, curve, _ = LBFGS(tol=1e-10).minimize(
        _quadratic(target), np.ones(8), L1(alpha), n_weights
    )
    expected = np.r_[L1(alpha).prox(target[:n_weights], 1.0), target[n_weights:]]
    assert_allclose(theta, expected, atol=1e-8)
    assert_array_equal(theta[:n_weights] == 0, expected[:n_weights] == 0)
    assert len(curve) == n_iter and curve[-1][0] <= curve[0][0]


def test_lbfgs_quiets_scipys_own_blas_pool_and_leaves_numpys():
    """Inside L-BFGS-B, a BLAS bundled in scipy's wheel runs one thread (its
    pool's spinning threads took the cores from numpy's products: 4x to 9x
    slower fits on breast cancer); numpy's BLAS keeps its threads, and every
    pool gets its own count back afterwards."""

    def threads():
        return {
            lib.filepath: lib.num_threads
            for lib in ThreadpoolController().lib_controllers
            if lib.user_api == "blas"
        }

    before = threads()
    scipy_dir = os.path.dirname(scipy.__file__)
    assert any(not path.startswith(scipy_dir) for path in before)  # numpy's
    seen = []

    def fun(theta):
        seen.append(threads())
        return 0.5 * float(theta @ theta), theta.copy()

    LBFGS(max_iter=3).minimize(fun, np.ones(5), L2(0.1), 3)
    assert seen
    for inside in seen:
        for path, n_threads in inside.items():
            assert n_threads == (1 if path.startswith(scipy_dir) else before[path])
    assert threads() == before


def test_lbfgs_smooth_penalty_uses_its_gradient():
    target = rng.randn(8)
    theta, _, _, _ = LBFGS(tol=1e-10).minimize(
        _quadratic(target), np.zeros(8), L2(3.0), 6
    )
    assert_allclose(theta[:6], target[:6] / 4.0, atol=1e-8)
    assert_allclose(theta[6:], target[6:], atol=1e-8)


def test_lbfgs_keeps_float32():
    target = rng.randn(8).astype(np.float32)
    theta, _, _, _ = LBFGS().minimize(
        _quadratic(target), np.zeros(8, dtype=np.float32), L1(0.1), 6
    )
    assert theta.dtype == np.float32


def test_adam_flushes_subnormal_moments_at_epoch_end():
    theta = np.ones(4, dtype=np.float32)
    adam = Adam(theta, 1e-3)
    adam.step(theta, np.ones(4, dtype=np.float32), L2(0.0), 3)
    zero = np.zeros(4, dtype=np.float32)
    for _ in range(900):  # 0.9**900 * 0.1 is below float32's smallest normal
        adam.step(theta, zero, L2(0.0), 3)
    assert np.any((adam.m != 0) & (np.abs(adam.m) < np.finfo(np.float32).tiny))
    adam.iteration_ends(0)
    assert_array_equal(adam.m, 0.0)
    assert np.all(adam.v > 0)  # v decays slower: still normal, left alone


def test_sgd_flushes_subnormal_velocity_at_epoch_end():
    theta = np.ones(4, dtype=np.float32)
    sgd = SGD(theta, 1e-3, momentum=0.9)
    sgd.step(theta, np.ones(4, dtype=np.float32), L2(0.0), 3)
    zero = np.zeros(4, dtype=np.float32)
    for _ in range(900):  # 0.9**900 * 1e-3 is below float32's smallest normal
        sgd.step(theta, zero, L2(0.0), 3)
    v = sgd.velocity
    assert np.any((v != 0) & (np.abs(v) < np.finfo(np.float32).tiny))
    before = theta.copy()
    sgd.iteration_ends(0)
    assert_array_equal(sgd.velocity, 0.0)
    assert_array_equal(theta, before)


@pytest.mark.parametrize("Optimizer", [SGD, Adam])
def test_pickled_optimizer_drops_scratch_and_continues_identically(Optimizer):
    import pickle

    r = np.random.RandomState(1)
    theta, steps = r.randn(10_000), [r.randn(10_000) for _ in range(4)]
    a, theta_a = Optimizer(theta), theta.copy()
    a.step(theta_a, steps[0], L1(0.01), 9_000)
    blob = pickle.dumps(a)
    # Adam keeps two moments, SGD one velocity; their scratch would add two.
    assert len(blob) < 2.2 * theta.nbytes
    b, theta_b = pickle.loads(blob), theta_a.copy()
    for g in steps[1:]:
        a.step(theta_a, g, L1(0.01), 9_000)
        b.step(theta_b, g, L1(0.01), 9_000)
    assert_array_equal(theta_a, theta_b)


# The final full-batch phase ---------------------------------------------------

X_ls = rng.randn(60, 8)
y_ls = X_ls[:, :3] @ np.array([1.5, -2.0, 0.7]) + 0.3 + 0.1 * rng.randn(60)


def _least_squares(theta):
    """Half mean squared error of ``X_ls @ w + b``; theta = (w, b)."""
    residual = X_ls @ theta[:-1] + theta[-1] - y_ls
    grad = np.append(X_ls.T @ residual, residual.sum()) / len(y_ls)
    return 0.5 * np.mean(residual**2), grad


PROXIMAL = [ProximalGradient, ProximalLBFGS]


@pytest.mark.parametrize("Solver", PROXIMAL)
def test_proximal_solvers_reach_the_lasso_optimum(Solver):
    from sklearn.linear_model import Lasso

    ref = Lasso(alpha=0.1, tol=1e-14, max_iter=100_000).fit(X_ls, y_ls)
    solver = Solver(max_fun=500, tol=1e-8)
    theta, n_steps, curve, objective = solver.minimize(
        _least_squares, np.full(9, 0.5), L1(0.1), 8
    )
    assert_allclose(theta[:-1], ref.coef_, atol=1e-6)
    assert_array_equal(theta[:-1] == 0, ref.coef_ == 0)
    assert objective == pytest.approx(curve[-1][0])
    # (objective, penalty, sparsity): the lasso's own value and zeros.
    assert curve[-1][1] == pytest.approx(L1(0.1).value(theta[:-1]))
    assert curve[-1][2] == np.mean(theta[:-1] == 0)
    assert n_steps == len(curve) and solver.n_fun_ <= 500


@pytest.mark.parametrize("Solver", PROXIMAL)
def test_proximal_solvers_meet_the_group_lasso_optimality_conditions(Solver):
    """Zero groups: ||grad_g|| <= alpha sqrt|g|; others: grad_g = -alpha
    sqrt|g| w_g / ||w_g||. Groups are the rows of a 4 x 2 weight matrix."""
    penalty = GroupL1(0.15, [(0, 2, 2), (2, 4, 2), (4, 6, 2), (6, 8, 2)])
    theta, *_ = Solver(max_fun=2000, tol=1e-10).minimize(
        _least_squares, np.full(9, 0.5), penalty, 8
    )
    grad = _least_squares(theta)[1]
    zero_groups = 0
    for start, stop, size in penalty.groups:
        w, g = theta[start:stop], grad[start:stop]
        bound = 0.15 * np.sqrt(size)
        if np.all(w == 0):
            zero_groups += 1
            assert np.linalg.norm(g) <= bound + 1e-8
        else:
            assert_allclose(g, -bound * w / np.linalg.norm(w), atol=1e-6)
    assert 0 < zero_groups < 4
    assert abs(grad[-1]) < 1e-8  # the intercept is free


def test_proximal_gradient_stops_where_no_step_moves_the_parameters():
    """An overflowing gradient (unscaled data in float32) leaves no step: the
    run ends at the start, with lbfgs's warning, instead of halving the step
    to zero."""

    def overflowing(theta):
        return 1.0, np.full_like(theta, np.inf)

    start = rng.randn(9).astype(np.float32)
    solver = ProximalGradient(max_fun=15000, max_iter=200, warn=True)
    with pytest.warns(ConvergenceWarning, match="after 0 iteration"):
        theta, n_iter, curve, objective = solver.minimize(
            overflowing, start, L0(0.1), 8
        )
    assert_array_equal(theta, start)
    assert n_iter == 0 and curve == [] and solver.n_fun_ == 1


def test_proximal_gradient_l0_ends_on_a_fixed_point_no_worse_than_its_start():
    """Non-convex: no weight moves under one more prox-gradient step at the
    final step size, and the objective never rose above the start's."""
    penalty = L0(0.05)
    start = rng.randn(9)
    start_objective = _least_squares(start)[0] + penalty.value(start[:8])
    solver = ProximalGradient(max_fun=1000, tol=1e-10)
    theta, _, curve, objective = solver.minimize(_least_squares, start, penalty, 8)
    assert max(point[0] for point in curve) <= start_objective
    assert objective < start_objective
    step = solver.step_
    again = theta - step * _least_squares(theta)[1]
    penalty.prox(again[:8], step, out=again[:8])
    assert_array_equal(again[:8] == 0, theta[:8] == 0)
    assert_allclose(again, theta, atol=1e-8)
    assert 0 < np.count_nonzero(theta[:8]) < 8


@pytest.mark.parametrize("Solver", PROXIMAL)
def test_proximal_solvers_keep_float32_and_their_budget(Solver):
    def fun(theta):
        loss, grad = _least_squares(theta.astype(np.float64))
        return loss, grad.astype(np.float32)

    solver = Solver(max_fun=7, tol=0.0)
    theta, n_steps, _, _ = solver.minimize(fun, np.full(9, 0.5, np.float32), L1(0.1), 8)
    assert theta.dtype == np.float32
    assert solver.n_fun_ == 7 and 1 <= n_steps <= 6


def test_proximal_lbfgs_polishes_a_relu_network_within_its_budget():
    """From adam's endpoint on a relu network, 50 evaluations close most of
    the gap to the objective L-BFGS-B reaches on the L1 split run to
    convergence (an independent solver). Relu's kinks make gradients jump:
    with the textbook metric scale y'y / s'y the model's steps shrank as
    the pairs piled up, and the same 50 evaluations closed 87% of the gap."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = MLPRegularizedClassifier(
        penalty="l1", alpha=1e-2, max_iter=50, polish=0, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    units = [30, 100, 1]
    nw = sum(W.size for W in est.coefs_)
    theta = pack(est.coefs_, est.intercepts_, np.float64)

    def fun(theta):
        return loss_and_gradient(
            theta, units, X, y[:, None].astype(float), None, "relu",
            LOSSES["binary_log_loss"](),
        )  # fmt: skip

    penalty = L1(1e-2)
    start = fun(theta)[0] + penalty.value(theta[:nw])
    best = LBFGS(2000, 4000, tol=1e-6, warn=False).minimize(fun, theta, penalty, nw)[3]
    polished = ProximalLBFGS(max_fun=50).minimize(fun, theta, penalty, nw)[3]
    assert best < polished < start
    assert (start - polished) / (start - best) > 0.95


@pytest.mark.parametrize(
    "Penalty, Solver",
    [
        (L2, LBFGS),
        (L1, ProximalLBFGS),
        (GroupL1, ProximalLBFGS),
        (L0, ProximalGradient),
        (GroupL0, ProximalGradient),
    ],
)
def test_make_polisher_takes_a_quasi_newton_model_only_where_convex(Penalty, Solver):
    groups = [(0, 4, 4), (4, 8, 4)]
    penalty = Penalty(0.1, groups) if Penalty in (GroupL0, GroupL1) else Penalty(0.1)
    assert type(make_polisher(penalty, 10, 1e-4)) is Solver


def _restricted_optimum(target, support, alpha, n_weights):
    """argmin 0.5 ||theta - target||^2 + alpha/2 ||w||^2 with w = 0 off support."""
    expected = target.copy()
    expected[:n_weights] = np.where(support, target[:n_weights] / (1 + alpha), 0)
    return expected


@pytest.mark.parametrize("solver", ["lbfgs", "proximal gradient", "proximal L-BFGS"])
def test_restricted_penalty_holds_its_zeros_under_full_batch_solvers(solver):
    """The relaxed refit's constraint: L-BFGS-B through bounds, the proximal
    solvers through the prox; all reach the restricted optimum."""
    target = rng.randn(8) + 2
    support = np.array([True, False, True, True, False, True])
    penalty = Restricted(L2(0.5), support)
    theta0 = np.where(np.r_[support, True, True], 1.0, 0.0)
    minimizer = {
        "lbfgs": LBFGS(tol=1e-12),
        "proximal gradient": ProximalGradient(200, tol=1e-12),
        "proximal L-BFGS": ProximalLBFGS(200, tol=1e-12),
    }[solver]
    theta = minimizer.minimize(_quadratic(target), theta0, penalty, 6)[0]
    assert_array_equal(theta[:6][~support], 0)
    assert_allclose(theta, _restricted_optimum(target, support, 0.5, 6), atol=1e-7)


def test_restricted_penalty_holds_its_zeros_under_adam():
    target = rng.randn(8) + 2
    support = np.array([True, False, True, True, False, True])
    penalty = Restricted(L2(0.5), support)
    theta = np.where(np.r_[support, True, True], 1.0, 0.0)
    adam = Adam(theta, 0.05, 0.9, 0.999, 1e-8)
    for _ in range(2000):
        adam.step(theta, _quadratic(target)(theta)[1], penalty, 6)
    assert_array_equal(theta[:6][~support], 0)
    assert_allclose(theta, _restricted_optimum(target, support, 0.5, 6), atol=1e-2)


def test_make_polisher_keeps_bounds_away_from_lbfgs():
    penalty = Restricted(L2(0.1), np.ones(4, dtype=bool))
    assert type(make_polisher(penalty, 10, 1e-4)) is ProximalLBFGS
    penalty = Restricted(L0(0.1), np.ones(4, dtype=bool))
    assert type(make_polisher(penalty, 10, 1e-4)) is ProximalGradient
