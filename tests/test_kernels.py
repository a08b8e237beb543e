"""The compiled optimizer kernels against the numpy reference."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skreg import MLPRegularizedClassifier
from skreg import _kernels as kernels
from skreg._losses import (
    BinaryLogLoss,
    HalfPoissonDeviance,
    HalfSquaredError,
    MultinomialLogLoss,
)
from skreg.penalties import L0, L1, L2, GroupL0, GroupL1, row_groups
from skreg.penalties._restricted import Restricted

LAYERS = [6, 5, 3]
N_WEIGHTS = 6 * 5 + 5 * 3
N_PARAMS = N_WEIGHTS + 5 + 3
PENALTIES = {
    "l2": L2(0.05),
    "l1": L1(1.0),
    "l0": L0(0.002),
    "group l1": GroupL1(1.0, row_groups(LAYERS, "neurons")),
    "group l0": GroupL0(0.002, row_groups(LAYERS, "inputs")),
    "group l1 inputs": GroupL1(1.0, row_groups(LAYERS, "inputs")),
    "group l0 neurons": GroupL0(0.3, row_groups(LAYERS, "neurons")),
    # One-weight groups not last are not fused as the separable penalty: the
    # compiled group steps take them, where the reference takes its prox.
    "group l1 ones": GroupL1(1.0, ((0, 30, 1), (30, N_WEIGHTS, 3))),
    "group l0 ones": GroupL0(0.3, ((0, 30, 1), (30, N_WEIGHTS, 3))),
    # Weights in no group: the step leaves the prox to the penalty.
    "group l1 gap": GroupL1(1.0, ((30, N_WEIGHTS, 3),)),
    "restricted l2": Restricted(L2(0.05), np.arange(N_WEIGHTS) % 3 > 0),
}
TOLERANCE = {np.float32: 2e-6, np.float64: 1e-13}


@pytest.fixture(autouse=True)
def _compile_any_size(monkeypatch):
    """The kernels' own thresholds would leave these small problems, and
    these short fits, to numpy."""
    monkeypatch.setattr(kernels, "MIN_PARAMS", 0)
    monkeypatch.setattr(kernels, "LOAD_SECONDS", 0.0)
    kernels.backend()


def test_numba_is_the_backend_where_installed(monkeypatch):
    """The test extra installs numba, so the suite runs compiled; the
    environment variable forces the reference."""
    assert kernels.backend() == "numba"
    monkeypatch.setenv("SKREG_KERNELS", "numpy")
    assert kernels.backend() == "numpy"


def _steps(step, dtype, n_steps=30, seed=0):
    """``n_steps`` updates of a random theta by ``step(theta, grad)``, with
    gradients that pull the parameters around zero, so that every prox
    branch (kept, shrunk, zeroed) is taken."""
    rng = np.random.RandomState(seed)
    theta = rng.standard_normal(N_PARAMS).astype(dtype)
    for _ in range(n_steps):
        grad = (theta + rng.standard_normal(N_PARAMS)).astype(dtype)
        step(theta, grad)
    return theta


def _assert_sparse_unless_l2(theta, penalty):
    """The steps took every prox branch: some weights zero, some not."""
    nnz = np.count_nonzero(theta[:N_WEIGHTS])
    if isinstance(getattr(penalty, "penalty", penalty), L2):
        assert nnz == np.count_nonzero(getattr(penalty, "support", theta[:N_WEIGHTS]))
    else:
        assert 0 < nnz < N_WEIGHTS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("penalty", PENALTIES.values(), ids=PENALTIES)
def test_adam_kernel_matches_the_numpy_reference(penalty, dtype):
    results = []
    for adam in (kernels.adam_numpy, kernels.adam):
        buffers = [np.zeros(N_PARAMS, dtype) for _ in range(4)]  # m, v, eta, tmp
        t = [0]

        def step(theta, grad, adam=adam, buffers=buffers, t=t):
            t[0] += 1
            scalars = (
                0.05 * (1 - 0.999 ** t[0]) ** 0.5, 0.1, 0.001, 1e-8,
                1 / (1 - 0.9 ** t[0]),
            )  # fmt: skip
            adam(theta, grad, *buffers, scalars, penalty, N_WEIGHTS)

        results.append((_steps(step, dtype), buffers[:2]))
    (ref, (m_ref, v_ref)), (got, (m, v)) = results
    assert got.dtype == dtype
    assert_array_equal(got[:N_WEIGHTS] == 0, ref[:N_WEIGHTS] == 0)
    _assert_sparse_unless_l2(ref, penalty)
    rtol = TOLERANCE[dtype]
    assert_allclose(got, ref, rtol=rtol, atol=rtol)
    assert_allclose(m, m_ref, rtol=rtol, atol=rtol)
    assert_allclose(v, v_ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("penalty", PENALTIES.values(), ids=PENALTIES)
def test_sgd_kernel_matches_the_numpy_reference(penalty, dtype, nesterov):
    results = []
    for sgd in (kernels.sgd_numpy, kernels.sgd):
        velocity, tmp = np.zeros(N_PARAMS, dtype), np.zeros(N_PARAMS, dtype)

        def step(theta, grad, sgd=sgd, velocity=velocity, tmp=tmp):
            sgd(theta, grad, velocity, tmp, 0.3, 0.5, nesterov, penalty, N_WEIGHTS)

        results.append((_steps(step, dtype), velocity))
    (ref, v_ref), (got, v) = results
    assert got.dtype == dtype
    _assert_sparse_unless_l2(ref, penalty)
    assert_array_equal(got[:N_WEIGHTS] == 0, ref[:N_WEIGHTS] == 0)
    rtol = TOLERANCE[dtype]
    assert_allclose(got, ref, rtol=rtol, atol=rtol)
    assert_allclose(v, v_ref, rtol=rtol, atol=rtol)


def test_the_steps_fuse_the_group_prox_compiled(monkeypatch):
    """So that the comparisons above test the compiled group steps, under
    Adam's per-weight steps and SGD's one step: one call per step for all
    the blocks, then the step of the rest."""
    compiled = kernels._numba()
    # 'inputs' groups: the rows of the first matrix (6 x 5) take the group
    # step, every later weight is a group of one, fused into the step.
    inputs = kernels._fusion(PENALTIES["group l1 inputs"], N_WEIGHTS)
    assert inputs == (kernels._L1, 30, ((0, 30, 5),))
    neurons = kernels._fusion(PENALTIES["group l0 neurons"], N_WEIGHTS)
    assert neurons == (kernels._L0, N_WEIGHTS, ((0, 30, 5), (30, N_WEIGHTS, 3)))
    # Blocks that leave weights out are no tiling: the penalty's own prox.
    gap = kernels._fusion(PENALTIES["group l1 gap"], N_WEIGHTS)
    assert gap == (kernels._NO_PROX, 0, ())
    calls = []

    def counted(name, kernel):
        def run(*args):
            calls.append(name)
            return kernel(*args)

        return run

    groups = {
        name: {kind: counted(name, k) for kind, k in getattr(compiled, name).items()}
        for name in ("adam_group", "sgd_group")
    }
    monkeypatch.setitem(kernels._compiled, "kernels", compiled._replace(**groups))
    theta, grad = np.ones(N_PARAMS), np.full(N_PARAMS, 0.1)
    buffers = [np.zeros(N_PARAMS) for _ in range(4)]
    scalars = (0.01, 0.1, 0.001, 1e-8, 1.0)
    kernels.adam(theta, grad, *buffers, scalars, PENALTIES["group l1"], N_WEIGHTS)
    kernels.sgd(
        theta, grad, *buffers[:2], 0.1, 0.9, False, PENALTIES["group l1"], N_WEIGHTS
    )
    assert calls == ["adam_group", "sgd_group"]


def _one_step(step, solver, theta, grad, penalty):
    """One step of ``step``, Adam's or SGD's (reference or compiled), from
    zero optimizer state, in place on ``theta``."""
    buffers = [np.zeros(N_PARAMS) for _ in range(4)]  # m, v, eta, tmp
    if solver == "adam":
        step(theta, grad, *buffers, (0.01, 0.1, 0.001, 1e-8, 1.0), penalty,
             N_WEIGHTS)  # fmt: skip
    else:
        step(theta, grad, *buffers[:2], 0.1, 0.9, True, penalty, N_WEIGHTS)


@pytest.mark.parametrize("Penalty", [GroupL1, GroupL0])
def test_a_group_penalty_of_alpha_zero_is_the_plain_step(Penalty):
    """alpha=0 (say, the first point of a grid search) penalises nothing: a
    row of zeros stays zero (no 0 / 0 in the prox's factor) and every other
    weight takes the plain step, under both solvers."""
    penalty = Penalty(0.0, row_groups(LAYERS, "neurons"))
    rng = np.random.RandomState(0)
    theta, grad = rng.standard_normal(N_PARAMS), rng.standard_normal(N_PARAMS)
    theta[:5] = grad[:5] = 0  # the first input's row
    for solver in ("adam", "sgd"):
        results = []
        for step in (getattr(kernels, f"{solver}_numpy"), getattr(kernels, solver)):
            out = theta.copy()
            _one_step(step, solver, out, grad, penalty)
            results.append(out)
        ref, got = results
        assert_array_equal(got[:5], 0)
        assert np.count_nonzero(got) == N_PARAMS - 5
        assert_allclose(got, ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("small, large", [(1e-6, 1.0001), (1e-8, 1.000001)])
def test_the_compiled_group_lasso_is_exact_on_a_row_barely_kept(small, large):
    """The compiled step takes its final factors from Newton's last
    reciprocals, corrected to third order in u = move / (r + c e); a row
    barely kept, whose weight with the shortest step is near zero, has u
    up to 0.4 (the correction alone was 3e-3 to 5e-2 off). It must divide
    anew there, and match the reference to rounding."""
    penalty = GroupL1(1 / np.sqrt(2), ((0, 2, 2),))  # c = alpha sqrt(2) = 1
    # No gradient, no momentum: the step leaves theta, and v (after Adam's
    # 0.999 decay) gives the steps 0.01 / sqrt(v): 1e-6 and 1.
    theta = np.array([small, large, 0.5])
    v = np.array([1e8, 1e-4, 1.0]) / 0.999
    results = []
    for adam in (kernels.adam_numpy, kernels.adam):
        out, m, v_out, eta, tmp = theta.copy(), np.zeros(3), v.copy(), *np.zeros((2, 3))
        adam(out, np.zeros(3), m, v_out, eta, tmp, (0.01, 0.1, 0.001, 1e-8, 1.0),
             penalty, 2)  # fmt: skip
        results.append(out)
    ref, got = results
    assert 0 < ref[0] < small and 0 < ref[1] < 1  # shrunk, kept
    assert_allclose(got, ref, rtol=1e-13, atol=1e-13)


def test_the_kernel_keeps_nan_so_divergence_is_seen():
    theta = np.ones(N_PARAMS)
    grad = np.full(N_PARAMS, np.nan)
    buffers = [np.zeros(N_PARAMS) for _ in range(4)]
    kernels.adam(theta, grad, *buffers, (0.01, 0.1, 0.001, 1e-8, 10.0), L1(0.1), 6)
    assert np.isnan(theta).all()


@pytest.mark.parametrize("penalty", ["group l1", "group l0"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_nan_group_stays_nan_in_both_backends(penalty, solver):
    """A group prox keeps a nan row nan, compiled and in numpy: zeroing it
    would hide a diverging step from the next loss."""
    penalty = PENALTIES[penalty]
    for step in (getattr(kernels, f"{solver}_numpy"), getattr(kernels, solver)):
        theta, grad = np.ones(N_PARAMS), np.full(N_PARAMS, 0.1)
        grad[:5] = np.nan  # the first row of the first matrix
        _one_step(step, solver, theta, grad, penalty)
        assert np.isnan(theta[:5]).all()
        assert np.isfinite(theta[5:]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_sweep_kernels_match_the_numpy_reference(dtype):
    """Forward bitwise (the same add and max); backward to the rounding of
    the intercept gradient's sums; a nan stays nan both ways."""
    rng = np.random.RandomState(0)
    A = rng.standard_normal((40, 7)).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    delta = rng.standard_normal((40, 7)).astype(dtype)
    A[0, 0] = delta[1, 1] = np.nan
    results = []
    for bias_relu, relu_delta in (
        kernels.sweep_numpy("relu"),
        kernels.sweep("relu", 0),
    ):
        out, d, sums = A.copy(), delta.copy(), np.empty(7, dtype)
        bias_relu(out, b)
        relu_delta(d, out, sums)
        results.append((out, d, sums))
    (out_ref, d_ref, sums_ref), (out, d, sums) = results
    assert kernels.sweep("relu", 0)[0].args == (kernels._numba().bias_relu,)
    assert_array_equal(out, out_ref)
    assert np.isnan(out[0, 0]) and 0 < np.count_nonzero(out == 0) < out.size
    assert_array_equal(d, d_ref)
    assert np.isnan(d[1, 1])
    assert_allclose(sums, sums_ref, rtol=TOLERANCE[dtype])
    # Other activations keep the reference: their exp and tanh cost the time.
    assert not hasattr(kernels.sweep("tanh", 0)[0], "args")


LOSSES = {
    "binary": (BinaryLogLoss(), 1),
    "multilabel": (BinaryLogLoss(), 3),
    "multinomial": (MultinomialLogLoss(), 4),
    "squared error": (HalfSquaredError(), 2),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["uniform", "weighted"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss, n_outputs", LOSSES.values(), ids=LOSSES)
def test_loss_kernels_match_the_numpy_reference(loss, n_outputs, dtype, weighted):
    """Value and delta, over logits from the everyday to the extreme (where
    a naive exp overflows); a nan logit leaves the value nan, so that the
    fit sees its divergence."""
    rng = np.random.RandomState(0)
    Z = (rng.standard_normal((50, n_outputs)) * 3).astype(dtype)
    Z[:4, 0] = [-1e3, -40, 40, 1e3]
    if isinstance(loss, MultinomialLogLoss):
        Y = np.eye(n_outputs, dtype=dtype)[rng.randint(n_outputs, size=50)]
    elif isinstance(loss, BinaryLogLoss):
        Y = rng.randint(2, size=Z.shape).astype(dtype)
    else:
        Y = rng.standard_normal(Z.shape).astype(dtype)
    weights = rng.uniform(size=50) if weighted else None
    if weighted:
        weights /= weights.sum()
    compiled = kernels.loss_delta(loss, 0)
    assert compiled != loss.value_and_delta
    value_ref, delta_ref = loss.value_and_delta(Y, Z.copy(), weights)
    value, delta = compiled(Y, Z.copy(), weights)
    assert np.isfinite(value) and delta.dtype == dtype
    rtol = TOLERANCE[dtype]
    assert value == pytest.approx(value_ref, rel=rtol)
    assert_allclose(delta, delta_ref, rtol=rtol, atol=rtol * np.abs(delta_ref).max())
    Z[5, 0] = np.nan
    assert np.isnan(compiled(Y, Z, weights)[0])


def test_poisson_keeps_the_numpy_loss():
    loss = HalfPoissonDeviance()
    assert kernels.loss_delta(loss, 0) == loss.value_and_delta


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("penalty", ["l1", "l0"])
@pytest.mark.parametrize("groups", ["weights", "inputs", "neurons"])
def test_fits_agree_across_backends(monkeypatch, solver, penalty, groups):
    """A whole fit (float64, 30 epochs, the final phase included) under each
    backend: the same weights to rounding, and the same zeros. Three classes,
    so that 'neurons' groups have a last block of rows of three."""
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=4, n_classes=3, random_state=0
    )
    # Strengths at which some weights (or whole groups) are zero, not all.
    alpha = {"l1": 3e-2, "l0": 1e-4 if groups == "weights" else 2e-2}
    params = dict(
        hidden_layer_sizes=(10,), solver=solver, penalty=penalty,
        penalty_groups=groups, alpha=alpha[penalty], max_iter=30, random_state=0,
    )  # fmt: skip
    fits = []
    for backend in ("numba", "numpy"):
        monkeypatch.setenv("SKREG_KERNELS", backend)
        assert kernels.backend() == backend
        with pytest.warns(Warning):  # max_iter=30: ConvergenceWarning
            fits.append(MLPRegularizedClassifier(**params).fit(X, y))
    compiled, reference = fits
    for a, b in zip(compiled.coefs_, reference.coefs_, strict=True):
        assert_array_equal(a == 0, b == 0)
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert 0 < compiled.sparsity_ < 1


def _printed_by_a_fresh_process(code):
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.split()


def test_neither_import_nor_a_short_fit_loads_numba():
    """numba costs about 0.5 s to import and load: only a fit whose steps would
    save more pays it. (The cost is lowered here to the second fit's
    savings, so that a short fit shows the other side.)"""
    code = (
        "import sys, skreg; from sklearn.datasets import make_classification; "
        "print('numba' in sys.modules); "
        "X, y = make_classification(100, 10, random_state=0); "
        "big = skreg.MLPRegularizedClassifier((200, 100), max_iter=1); "
        "big.fit(X, y); print('numba' in sys.modules); "
        "skreg._kernels.LOAD_SECONDS = 1e-5; big.fit(X, y); "
        "print('numba' in sys.modules)"
    )
    assert _printed_by_a_fresh_process(code) == ["False", "False", "True"]


def test_predictions_load_numba_once_it_would_have_paid():
    """Rent or buy: a fresh process predicts in numpy until the compiled
    forward pass would have saved the load's cost, then loads numba; the
    output does not change. (The cost is lowered here to 2.5 predictions'
    savings: 100 rows through 300 hidden units each.)"""
    code = (
        "import sys, numpy as np, skreg, skreg._kernels as k; "
        "from sklearn.datasets import make_classification; "
        "X, y = make_classification(100, 10, random_state=0); "
        "m = skreg.MLPRegularizedClassifier((200, 100), max_iter=1).fit(X, y); "
        "k.LOAD_SECONDS = 2.5 * 100 * 300 * k.SAVED_PER_PREDICTED_VALUE; "
        "P = [m.predict_proba(X) for _ in range(2)]; "
        "print('numba' in sys.modules); "
        "P.append(m.predict_proba(X)); print('numba' in sys.modules); "
        "print(k.sweep('relu', 22_000)[0] is not k.sweep_numpy('relu')[0]); "
        "print(all(np.array_equal(p, P[0]) for p in P))"
    )
    assert _printed_by_a_fresh_process(code) == ["False", "True", "True", "True"]


def test_a_fit_planned_without_the_kernels_ignores_them_once_loaded(monkeypatch):
    """Whether a fit runs compiled depends on the fit alone, not on what ran
    before in the process."""
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    params = dict(hidden_layer_sizes=(10,), penalty="l1", max_iter=5, random_state=0)
    saving = MLPRegularizedClassifier(**params)._compiled_saving(300, [8, 10, 1], False)
    # 5 epochs of 2 steps over 101 parameters, and 5 x 300 x 10 relu values.
    assert saving == pytest.approx(10 * 101 * 1e-9 + 15_000 * 1.8e-9)
    calls = []

    def counted(kernel):
        if isinstance(kernel, tuple):  # the steps by prox code
            return tuple(map(counted, kernel))

        def run(*args):
            calls.append(kernel)
            return kernel(*args)

        return run

    assert kernels.backend() == "numba"
    compiled = kernels._Compiled(*map(counted, kernels._compiled["kernels"]))
    monkeypatch.setitem(kernels._compiled, "kernels", compiled)
    for load_seconds, compiled in ((saving, False), (0.99 * saving, True)):
        monkeypatch.setattr(kernels, "LOAD_SECONDS", load_seconds)
        calls.clear()
        with pytest.warns(ConvergenceWarning):
            MLPRegularizedClassifier(**params).fit(X, y)
        assert bool(calls) == compiled
    # A fit that would take them runs numpy when told to.
    monkeypatch.setenv("SKREG_KERNELS", "numpy")
    calls.clear()
    with pytest.warns(ConvergenceWarning):
        MLPRegularizedClassifier(**params).fit(X, y)
    assert not calls


def test_the_environment_is_read_once_per_fit(monkeypatch):
    """Not on every minibatch: a fit keeps the backend it was planned with."""
    monkeypatch.setenv("SKREG_KERNELS", "numpy")
    with kernels.planned(saving=1e9):
        monkeypatch.delenv("SKREG_KERNELS")
        assert kernels._numba() is None
    with kernels.planned(saving=1e9):
        monkeypatch.setenv("SKREG_KERNELS", "numpy")
        assert kernels._numba() is not None
    # Outside a fit (prediction), the variable is read on each look-up.
    assert kernels._numba() is None
