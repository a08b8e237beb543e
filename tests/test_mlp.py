"""Behaviour of the estimators: sparsity, the objective, failures, round trips."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg import _training as _training_module
from skreg._losses import LOSSES
from skreg._network import loss_and_gradient, n_weights, pack
from skreg.penalties import L0, L1, L2

X_clf, y_clf = make_classification(
    n_samples=150, n_features=12, n_informative=4, random_state=0
)
X_clf = StandardScaler().fit_transform(X_clf)
X_reg, y_reg = make_regression(
    n_samples=150, n_features=12, n_informative=4, noise=0.5, random_state=0
)
X_reg = StandardScaler().fit_transform(X_reg)
y_reg = (y_reg - y_reg.mean()) / y_reg.std()
PENALTIES = {"l0": L0, "l1": L1, "l2": L2}
ESTIMATORS = [
    (MLPRegularizedClassifier, X_clf, y_clf),
    (MLPRegularizedRegressor, X_reg, y_reg),
]


def _fit(Estimator, X, y, **params):
    params = {"hidden_layer_sizes": (16,), "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Estimator(**params).fit(X, y)


def _state(estimator):
    """Every attribute, arrays copied, for before/after comparisons."""
    return copy.deepcopy(vars(estimator))


def _assert_same_state(before, after):
    assert before.keys() == after.keys()
    for key in before:
        a, b = before[key], after[key]
        if key in ("coefs_", "intercepts_"):
            for x, y in zip(a, b, strict=True):
                assert_array_equal(x, y)
        elif isinstance(a, np.ndarray):
            assert_array_equal(a, b)
        elif key in ("loss_curve_", "validation_scores_", "n_iter_", "t_", "loss_"):
            assert a == b, key


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize(
    "penalty, solver, alphas",
    [
        ("l1", "adam", (1e-4, 1e-2, 1e-1)),
        ("l0", "adam", (1e-4, 1e-2, 1e-1)),
        ("l1", "sgd", (1e-4, 1e-2, 1e-1)),
        ("l0", "sgd", (1e-4, 1e-2, 1e-1)),
        # Full-batch L-BFGS reaches high sparsity at smaller alphas.
        ("l1", "lbfgs", (1e-5, 1e-3, 1e-2)),
    ],
)
def test_larger_alpha_gives_more_exact_zeros(Estimator, X, y, penalty, solver, alphas):
    # SGD's prox threshold is alpha * learning_rate: the default 1e-3 is too
    # timid to reach zeros in 200 epochs on 150 samples.
    params = {"learning_rate_init": 0.05} if solver == "sgd" else {}
    sparsity = [
        _fit(
            Estimator, X, y, penalty=penalty, solver=solver, alpha=a, **params
        ).sparsity_
        for a in alphas
    ]
    assert sparsity[0] < sparsity[1] < sparsity[2], sparsity
    assert sparsity[-1] > 0.4


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_larger_alpha_gives_smaller_l2_norm_and_no_zeros(Estimator, X, y, solver):
    norms = []
    for alpha in (1e-4, 1e-2, 1e-1):
        est = _fit(Estimator, X, y, penalty="l2", solver=solver, alpha=alpha)
        assert est.sparsity_ == 0.0
        norms.append(sum(np.sum(W**2) for W in est.coefs_))
    assert norms[0] > norms[1] > norms[2], norms


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_reported_loss_is_mean_data_loss_plus_penalty(Estimator, X, y, penalty):
    """loss_ = mean data loss + alpha * R(W), computed here independently."""
    alpha = 0.01
    est = _fit(Estimator, X, y, penalty=penalty, solver="lbfgs", alpha=alpha)
    if Estimator is MLPRegularizedClassifier:
        p = est.predict_proba(X)[:, 1]
        data = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    else:
        data = 0.5 * np.mean((y - est.predict(X)) ** 2)
    W = np.concatenate([w.ravel() for w in est.coefs_])
    R = np.sum(np.abs(W)) if penalty == "l1" else 0.5 * np.sum(W**2)
    assert est.loss_ == pytest.approx(data + alpha * R, rel=1e-6)
    assert est.loss_curve_[-1] == pytest.approx(est.loss_, rel=1e-6)


@pytest.mark.parametrize("penalty", ["l0", "l1", "l2"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_stochastic_loss_adds_the_penalty_at_the_epoch_end(penalty, solver):
    # One full batch, one epoch: the data part is the loss before the step.
    Estimator = MLPRegularizedRegressor
    est = _fit(
        Estimator, X_reg, y_reg, penalty=penalty, solver=solver, alpha=0.01,
        max_iter=1, batch_size=X_reg.shape[0], shuffle=False,
    )  # fmt: skip
    init = _fit(Estimator, X_reg, y_reg, max_iter=1, learning_rate_init=1e-300)
    theta = pack(init.coefs_, init.intercepts_, np.float64)
    layers = [12, 16, 1]
    data, _ = loss_and_gradient(
        theta, layers, X_reg, y_reg[:, None], None, "relu", LOSSES["squared_error"]()
    )
    W = np.concatenate([w.ravel() for w in est.coefs_])
    assert est.loss_ == pytest.approx(data + PENALTIES[penalty](0.01).value(W))


def test_alpha_is_independent_of_batch_size():
    """The same alpha means the same objective for any batch size."""
    est_full = _fit(
        MLPRegularizedRegressor, X_reg, y_reg, solver="sgd", penalty="l2",
        alpha=0.5, batch_size=150, max_iter=400, learning_rate_init=0.01,
        tol=0, n_iter_no_change=1000,
    )  # fmt: skip
    est_mini = _fit(
        MLPRegularizedRegressor, X_reg, y_reg, solver="sgd", penalty="l2",
        alpha=0.5, batch_size=10, max_iter=40, learning_rate_init=0.01,
        tol=0, n_iter_no_change=1000,
    )  # fmt: skip
    norm = [np.sqrt(sum(np.sum(W**2) for W in e.coefs_)) for e in (est_full, est_mini)]
    # scikit-learn's alpha / batch_size would make these differ by ~15x.
    assert norm[1] == pytest.approx(norm[0], rel=0.25)


@pytest.mark.parametrize("penalty", ["l0", "l1", "l2"])
def test_alpha_zero_makes_every_penalty_the_same_fit(penalty):
    ref = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty="l2", alpha=0.0)
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty=penalty, alpha=0.0)
    assert_allclose(est.predict_proba(X_clf), ref.predict_proba(X_clf))


def test_intercepts_are_not_penalized():
    est = _fit(
        MLPRegularizedRegressor, X_reg, y_reg + 5.0, penalty="l1", alpha=10.0,
        solver="lbfgs",
    )  # fmt: skip
    assert est.n_nonzero_weights_ == 0
    assert est.intercepts_[-1][0] == pytest.approx(5.0, abs=1e-3)
    assert_allclose(est.predict(X_reg), 5.0, atol=1e-3)


def test_sparsity_attributes_are_consistent():
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty="l1", alpha=3e-3)
    total = sum(W.size for W in est.coefs_)
    nonzero = sum(np.count_nonzero(W) for W in est.coefs_)
    assert est.n_nonzero_weights_ == nonzero
    assert est.sparsity_ == pytest.approx(1 - nonzero / total)
    assert est.layer_sparsity_ == [np.mean(W == 0) for W in est.coefs_]
    assert 0 < est.sparsity_ < 1
    assert not hasattr(MLPRegularizedClassifier(), "sparsity_")


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
def test_lbfgs_takes_l0_by_proximal_gradient_under_lbfgs_budgets(
    Estimator, X, y, capsys
):
    """Hard thresholding: exact zeros, every non-zero weight worth its
    price at the final step; max_iter, verbose and the warning are lbfgs's."""
    est = _fit(Estimator, X, y, solver="lbfgs", penalty="l0", alpha=1e-2)
    assert 0 < est.n_nonzero_weights_ < sum(W.size for W in est.coefs_)
    assert est.loss_ == est.loss_curve_[-1] <= est.loss_curve_[0]
    assert est.loss_ == pytest.approx(
        est.data_loss_curve_[-1] + 1e-2 * est.n_nonzero_weights_
    )
    verbose = Estimator(
        hidden_layer_sizes=(16,), solver="lbfgs", penalty="l0", alpha=1e-2,
        max_iter=3, verbose=True, random_state=0,
    )  # fmt: skip
    with pytest.warns(
        ConvergenceWarning,
        match=r"lbfgs \(proximal gradient\) failed to converge after 3 "
        r"iteration.*Increase max_iter",
    ):
        verbose.fit(X, y)
    assert verbose.n_iter_ == 3 and len(verbose.loss_curve_) == 3
    assert capsys.readouterr().out.count("Iteration ") == 3


@pytest.mark.parametrize(
    "Estimator", [MLPRegularizedClassifier, MLPRegularizedRegressor]
)
def test_partial_fit_absent_under_lbfgs(Estimator):
    assert not hasattr(Estimator(solver="lbfgs"), "partial_fit")
    assert hasattr(Estimator(solver="sgd"), "partial_fit")
    with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as error:
        Estimator(solver="lbfgs").partial_fit  # noqa: B018
    assert "only available for the stochastic solvers" in str(error.value.__cause__)


def test_grid_search_over_alpha_and_penalty_in_a_pipeline():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        MLPRegularizedClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0),
    )
    grid = {
        "mlpregularizedclassifier__alpha": [1e-4, 1e-2],
        "mlpregularizedclassifier__penalty": ["l0", "l1", "l2"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.cv_results_["mean_test_score"].shape == (6,)
    assert np.all(search.cv_results_["mean_test_score"] > 0.85)
    best = search.best_estimator_[-1]
    assert best.penalty == search.best_params_["mlpregularizedclassifier__penalty"]
    assert search.score(X, y) > 0.9


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("penalty", ["l0", "l1", "l2"])
def test_clone_and_pickle_round_trips_keep_predictions(Estimator, X, y, penalty):
    est = _fit(Estimator, X, y, penalty=penalty, alpha=1e-3)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict(X), est.predict(X))
    assert restored.n_nonzero_weights_ == est.n_nonzero_weights_
    refit = clone(est).fit(X, y)
    assert_array_equal(refit.predict(X), est.predict(X))


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(Estimator, X, y, solver, dtype):
    est = _fit(Estimator, X.astype(dtype), y, solver=solver, penalty="l1")
    assert all(W.dtype == dtype for W in est.coefs_ + est.intercepts_)
    method = "predict_proba" if Estimator is MLPRegularizedClassifier else "predict"
    assert getattr(est, method)(X.astype(dtype)).dtype == dtype


def test_float32_and_float64_fits_agree():
    kwargs = dict(penalty="l2", solver="lbfgs", max_iter=20)
    a = _fit(MLPRegularizedClassifier, X_clf.astype(np.float32), y_clf, **kwargs)
    b = _fit(MLPRegularizedClassifier, X_clf, y_clf, **kwargs)
    assert_allclose(a.predict_proba(X_clf), b.predict_proba(X_clf), atol=1e-3)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_random_state_same_model(solver):
    a = _fit(MLPRegularizedClassifier, X_clf, y_clf, solver=solver, penalty="l1")
    b = _fit(MLPRegularizedClassifier, X_clf, y_clf, solver=solver, penalty="l1")
    for x, z in zip(a.coefs_, b.coefs_, strict=True):
        assert_array_equal(x, z)


def test_sparse_input_gives_the_dense_model():
    dense = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty="l1", max_iter=20)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = _fit(
            MLPRegularizedClassifier, fmt(X_clf), y_clf, penalty="l1", max_iter=20
        )
        assert_allclose(sparse.predict_proba(X_clf), dense.predict_proba(X_clf))


def test_convergence_warning_at_max_iter():
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPRegularizedClassifier(max_iter=2, random_state=0).fit(X_clf, y_clf)
    with pytest.warns(
        ConvergenceWarning, match="lbfgs failed to converge.*Increase max_iter"
    ):
        MLPRegularizedClassifier(solver="lbfgs", max_iter=2).fit(X_clf, y_clf)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam"),
        dict(solver="lbfgs"),
        dict(solver="lbfgs", penalty="l1", penalty_groups="inputs"),
        dict(solver="lbfgs", penalty="l0"),
        dict(solver="sgd", batch_size=10_000),
    ],
)
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_warnings_point_at_the_line_that_called_fit(params, in_pipeline):
    """Not at one of our frames, which differ by solver, nor at a Pipeline's."""
    estimator = MLPRegularizedClassifier(max_iter=2, random_state=0, **params)
    if in_pipeline:
        estimator = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X_clf, y_clf)
    assert caught
    for warning in caught:
        assert warning.filename == __file__, (warning.filename, str(warning.message))


def test_binary_uses_one_logistic_unit_multiclass_softmax():
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, max_iter=5)
    assert est.coefs_[-1].shape[1] == 1 and est.out_activation_ == "logistic"
    assert_allclose(est.predict_proba(X_clf).sum(axis=1), 1.0)
    assert_array_equal(est.predict(X_clf), est.decision_function(X_clf) > 0)
    y3 = np.array(["a", "b", "c"])[np.arange(150) % 3]
    est = _fit(MLPRegularizedClassifier, X_clf, y3, max_iter=5)
    assert est.coefs_[-1].shape[1] == 3 and est.out_activation_ == "softmax"
    assert set(est.predict(X_clf)) <= {"a", "b", "c"}


def test_multilabel_targets():
    X, Y = make_multilabel_classification(n_samples=100, n_classes=4, random_state=0)
    est = _fit(MLPRegularizedClassifier, X, Y, penalty="l1", max_iter=300)
    assert est.predict(X).shape == Y.shape
    assert est.predict_proba(X).shape == Y.shape
    assert est.score(X, Y) > 0.3


def test_multioutput_regression_loss_sums_outputs():
    Y = np.c_[y_reg, -y_reg, 2 * y_reg]
    est = _fit(MLPRegularizedRegressor, X_reg, Y, solver="lbfgs", alpha=0.0)
    data = 0.5 * np.mean(np.sum((Y - est.predict(X_reg)) ** 2, axis=1))
    assert est.loss_ == pytest.approx(data, rel=1e-6)


def test_early_stopping_keeps_the_best_validation_model():
    est = _fit(
        MLPRegularizedClassifier, X_clf, y_clf, early_stopping=True,
        n_iter_no_change=3, max_iter=200, penalty="l1", alpha=1e-3,
    )  # fmt: skip
    assert len(est.validation_scores_) == est.n_iter_ < 200
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None


# Inputs large enough for a huge step to overflow: the log-loss, computed from
# raw outputs, stays finite for merely large weights.
_OVERFLOW = 1e300


def _diverging(Estimator, **params):
    return Estimator(
        hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=1e8,
        random_state=0, **params,
    )  # fmt: skip


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
def test_divergence_raises_a_clear_error(Estimator, X, y):
    est = _diverging(Estimator)
    with pytest.raises(ValueError, match=r"Training diverged in epoch \d+.*Lower"):
        est.fit(X * _OVERFLOW, y)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
def test_failed_warm_start_leaves_the_model_intact(Estimator, X, y):
    est = _fit(Estimator, X, y, solver="sgd", penalty="l1", max_iter=5)
    est.set_params(warm_start=True, learning_rate_init=1e8)
    before = _state(est)
    predictions = est.predict(X)
    with pytest.raises(ValueError, match="Training diverged"):
        est.fit(X * _OVERFLOW, y)
    _assert_same_state(before, vars(est))
    assert_array_equal(est.predict(X), predictions)


def test_failed_warm_start_rewinds_a_random_state_instance():
    """Continued training after a failure equals training that never failed."""

    def fit_twice(fail_between):
        est = _fit(
            MLPRegularizedClassifier, X_clf, y_clf, solver="sgd", max_iter=3,
            random_state=np.random.RandomState(0),
        )  # fmt: skip
        est.set_params(warm_start=True)
        if fail_between:
            est.set_params(learning_rate_init=1e8)
            with pytest.raises(ValueError, match="Training diverged"):
                est.fit(X_clf * _OVERFLOW, y_clf)
            est.set_params(learning_rate_init=0.001)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X_clf, y_clf)

    for a, b in zip(fit_twice(False).coefs_, fit_twice(True).coefs_, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
def test_failed_partial_fit_leaves_the_model_intact(Estimator, X, y):
    kwargs = {"classes": np.unique(y)} if Estimator is MLPRegularizedClassifier else {}
    est = _diverging(Estimator).set_params(learning_rate_init=1e-3)
    est.partial_fit(X, y, **kwargs)
    est.partial_fit(X, y)
    before = _state(est)
    adam_or_sgd_state = copy.deepcopy(vars(est._optimizer))
    est.set_params(learning_rate_init=1e8)
    est._optimizer.learning_rate = 1e8
    with pytest.raises(ValueError, match="Training diverged"):
        est.partial_fit(X * _OVERFLOW, y)
    est._optimizer.learning_rate = adam_or_sgd_state["learning_rate"]
    before.pop("learning_rate_init")
    after = vars(est).copy()
    after.pop("learning_rate_init")
    _assert_same_state(before, after)
    assert_array_equal(est._optimizer.velocity, adam_or_sgd_state["velocity"])


def test_partial_fit_rejects_unknown_labels_and_keeps_the_model():
    est = MLPRegularizedClassifier(random_state=0)
    est.partial_fit(X_clf, y_clf, classes=[0, 1])
    before = _state(est)
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X_clf, y_clf + 1)
    _assert_same_state(before, vars(est))


def test_partial_fit_continues_the_optimizer():
    est = MLPRegularizedClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        est.partial_fit(X_clf, y_clf, classes=[0, 1])
    assert est._optimizer.t == 3 * 1  # one batch of 150 per call
    assert len(est.loss_curve_) == 3 and est.t_ == 3 * 150


def test_warm_start_rejects_a_changed_architecture():
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, max_iter=3, warm_start=True)
    est.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="Fit again with warm_start=False"):
        est.fit(X_clf, y_clf)
    assert est.coefs_[0].shape == (12, 16)


def test_warm_start_continues_from_the_previous_weights():
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, solver="lbfgs", max_iter=30)
    first_curve = list(est.loss_curve_)
    est.set_params(warm_start=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_clf, y_clf)
    assert est.loss_curve_[: len(first_curve)] == first_curve
    assert est.loss_curve_[len(first_curve)] <= first_curve[-1] + 1e-12


def test_poisson_requires_non_negative_targets():
    with pytest.raises(ValueError, match="non-negative targets"):
        MLPRegularizedRegressor(loss="poisson").fit(X_reg, y_reg)
    est = _fit(MLPRegularizedRegressor, X_reg, np.exp(y_reg), loss="poisson")
    assert est.out_activation_ == "exp" and np.all(est.predict(X_reg) > 0)


def test_zero_sample_weights_are_rejected_with_advice():
    with pytest.raises(ValueError, match="(?i)sample.weight"):
        MLPRegularizedClassifier().fit(X_clf, y_clf, sample_weight=np.zeros(150))


def test_sample_weight_zero_is_removal_for_full_batch_adam():
    w = np.ones(150)
    w[:50] = 0
    kwargs = dict(batch_size=150, max_iter=20, shuffle=False)
    weighted = _fit(MLPRegularizedClassifier, X_clf, y_clf, **kwargs)
    weighted.fit(X_clf, y_clf, sample_weight=w)
    kwargs["batch_size"] = 100  # the full batch of what is left
    removed = _fit(MLPRegularizedClassifier, X_clf[50:], y_clf[50:], **kwargs)
    assert_allclose(weighted.predict_proba(X_clf), removed.predict_proba(X_clf))


@pytest.mark.parametrize(
    "validation_fraction, part", [(0.1, "validation"), (0.9, "training")]
)
def test_early_stopping_split_without_weight_names_the_part(validation_fraction, part):
    """One positively weighted sample lands in one part of the split; the other
    part has nothing to train on or to score with, and the error says which."""
    w = np.zeros(150)
    w[0] = 1.0
    est = MLPRegularizedClassifier(
        early_stopping=True, validation_fraction=validation_fraction,
        random_state=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match=f"left the {part} part"):
        est.fit(X_clf, y_clf, sample_weight=w)
    assert not hasattr(est, "coefs_")


def test_one_class_predicts_it_with_probability_one():
    y = np.full(X_clf.shape[0], 7)
    est = _fit(MLPRegularizedClassifier, X_clf, y, max_iter=5)
    assert_array_equal(est.classes_, [7])
    assert_array_equal(est.predict(X_clf), 7)
    proba = est.predict_proba(X_clf)
    assert proba.shape == (X_clf.shape[0], 1)
    assert_array_equal(proba, 1.0)
    assert_array_equal(est.predict_log_proba(X_clf), 0.0)


def test_divergence_under_early_stopping_keeps_the_best_validated_weights():
    """scikit-learn's test_mlp_diverging_loss: the validation set already
    chose a real model, so keep it and warn; without early stopping, raise."""
    params = dict(
        hidden_layer_sizes=100, activation="identity", solver="sgd",
        learning_rate_init=1.0, max_iter=20, random_state=0,
    )  # fmt: skip
    est = MLPRegularizedRegressor(early_stopping=True, **params)
    with pytest.warns(ConvergenceWarning, match="early_stopping kept the weights"):
        est.fit(X_reg, y_reg)
    assert est.diverged_
    assert np.all(np.isfinite(est.predict(X_reg)))
    assert est.best_validation_score_ == max(est.validation_scores_)
    with pytest.raises(ValueError, match="Training diverged"):
        MLPRegularizedRegressor(**params).fit(X_reg, y_reg)
    assert not _fit(MLPRegularizedRegressor, X_reg, y_reg).diverged_


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e20), (np.float64, 1e160)])
def test_target_whose_squares_overflow_names_the_dtype(dtype, scale):
    est = MLPRegularizedRegressor(max_iter=2)
    fix = "Pass X as float64" if dtype == np.float32 else "Scale y"
    with pytest.raises(ValueError, match=f"squares overflow {np.dtype(dtype)}.*{fix}"):
        est.fit(X_reg.astype(dtype), y_reg * scale)


@pytest.mark.parametrize("dtype, weight", [(np.float32, 1e37), (np.float64, 1e307)])
def test_huge_sample_weights_are_a_scale_not_a_divergence(dtype, weight):
    """The loss is a weighted mean: weights near the dtype's range fit the
    same model as the same weights scaled down."""
    X = X_clf.astype(dtype)
    w = np.ones(X.shape[0])
    w[::2] = 3.0
    common = dict(solver="sgd", max_iter=5, shuffle=False)
    small = _fit(MLPRegularizedClassifier, X, y_clf, **common)
    small.fit(X, y_clf, sample_weight=w)
    huge = _fit(MLPRegularizedClassifier, X, y_clf, **common)
    huge.fit(X, y_clf, sample_weight=w * (weight / 3.0))
    assert_allclose(huge.predict_proba(X), small.predict_proba(X), rtol=1e-4)


def test_overflowing_alpha_says_to_lower_alpha():
    with pytest.raises(ValueError, match="alpha=1e.300 is so large.*smaller alpha"):
        MLPRegularizedRegressor(solver="lbfgs", alpha=1e300).fit(X_reg, y_reg)


def test_finite_blow_up_is_divergence():
    """Issue 10's case: the loss went from 6.8e41 to 3.6e135 and the fit
    returned silently, with weights of 2.3e69 and chance accuracy."""
    rng = np.random.RandomState(0)
    X = (rng.randn(40, 29) > 0).astype(float)
    y = np.random.RandomState(0).randint(3, size=40)
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=5, activation="identity", solver="sgd", batch_size=1,
        momentum=0.5, learning_rate_init=1.4, max_iter=12, n_iter_no_change=1,
        random_state=0,
    )  # fmt: skip
    with pytest.raises(ValueError, match="Training diverged in epoch"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("learning_rate_init", [1e-3, 1e-2, 1e-1])
def test_healthy_fits_never_trip_the_blow_up_rule(solver, dtype, learning_rate_init):
    """Standardized data, sane learning rates, every penalty: no false alarm."""
    X_bc, y_bc = load_breast_cancer(return_X_y=True)
    X_bc = StandardScaler().fit_transform(X_bc).astype(dtype)
    for Estimator, X, y in [*ESTIMATORS, (MLPRegularizedClassifier, X_bc, y_bc)]:
        for penalty in ("l0", "l1", "l2"):
            est = _fit(
                Estimator, X.astype(dtype), y, solver=solver, penalty=penalty,
                learning_rate_init=learning_rate_init, max_iter=30,
            )  # fmt: skip
            assert np.all(np.isfinite(est.predict(X.astype(dtype))))


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
def test_unscaled_inputs_blow_up_is_divergence(Estimator, X, y):
    """Inputs around 1e6 with sgd gave loss_ = 1.9e253 and a mere warning."""
    est = Estimator(solver="sgd", learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="Training diverged.*standardize"):
        est.fit(X * 1e6, y)


def test_a_single_partial_fit_blow_up_is_divergence():
    """Issue 10: sgd on X ~ 1e30 returned finite weights of 1e55 and
    predictions of 1e141 from one partial_fit call."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 4) * 1e30, rng.randn(30)
    est = MLPRegularizedRegressor(solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="Training diverged in epoch 1"):
        est.partial_fit(X, y)
    assert not hasattr(est, "coefs_")


# The final full-batch phase (polish) ------------------------------------------


def _objective(est, X, y, penalty):
    """Exact penalized objective of a fitted estimator on (X, y)."""
    Y = est._validate_input(X, y, incremental=True, reset=False)[1]
    layer_units = [X.shape[1], *est.hidden_layer_sizes, est.n_outputs_]
    theta = pack(est.coefs_, est.intercepts_, X.dtype)
    data = loss_and_gradient(
        theta, layer_units, X, Y, None, est.activation,
        LOSSES[est._loss_name()](),
    )[0]  # fmt: skip
    return data + penalty.value(theta[: n_weights(layer_units)])


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("penalty", ["l0", "l1", "l2"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_polish_continues_the_stochastic_phase_and_lowers_its_objective(
    Estimator, X, y, penalty, solver
):
    """The epochs are those of polish=0; the phase's steps end loss_curve_,
    loss_ is the exact objective, and it is below the stochastic result's
    (for l0: the non-convex requirement)."""
    params = dict(solver=solver, penalty=penalty, alpha=3e-3, max_iter=80)
    rough = _fit(Estimator, X, y, polish=0, **params)
    est = _fit(Estimator, X, y, **params)
    assert rough.n_polish_iter_ == 0 and len(rough.loss_curve_) == rough.n_iter_
    assert est.n_iter_ == rough.n_iter_
    assert 0 < est.n_polish_iter_
    assert len(est.loss_curve_) == est.n_iter_ + est.n_polish_iter_
    assert_array_equal(est.loss_curve_[: est.n_iter_], rough.loss_curve_)
    pen = PENALTIES[penalty](3e-3)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.loss_ == pytest.approx(_objective(est, X, y, pen), rel=1e-9)
    assert est.loss_ < _objective(rough, X, y, pen)


def test_polish_budget_is_a_share_of_the_epochs():
    calls = []
    original = _training_module.loss_and_gradient

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    params = dict(solver="adam", penalty="l1", alpha=1e-3, max_iter=40, tol=0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_training_module, "loss_and_gradient", counting)
        est = _fit(MLPRegularizedClassifier, X_clf, y_clf, polish=0.5, **params)
    assert est.n_iter_ == 40
    # One more call: the objective before the first step, on 256 rows.
    assert 2 <= len(calls) - 1 <= 20
    assert (
        _fit(
            MLPRegularizedClassifier, X_clf, y_clf, polish=0.01, **params
        ).n_polish_iter_
        == 0
    )


def test_partial_fit_never_polishes():
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(8,), penalty="l1", random_state=0
    )
    for _ in range(3):
        est.partial_fit(X_clf, y_clf, classes=np.unique(y_clf))
    rough = MLPRegularizedClassifier(
        hidden_layer_sizes=(8,), penalty="l1", random_state=0, polish=0
    )
    for _ in range(3):
        rough.partial_fit(X_clf, y_clf, classes=np.unique(y_clf))
    assert est.n_polish_iter_ == 0
    for W, V in zip(est.coefs_, rough.coefs_, strict=True):
        assert_array_equal(W, V)


X_noisy, y_noisy = make_classification(
    n_samples=150, n_features=12, n_informative=4, flip_y=0.3, random_state=0
)
X_noisy = StandardScaler().fit_transform(X_noisy)


def _polish_under_early_stopping(seed):
    """Whether the polish was kept; asserts it never lowered the score."""
    splits = []
    original = MLPRegularizedClassifier._split_validation

    def recording(self, *args):
        parts = original(self, *args)
        splits.append(parts)
        return parts

    params = dict(
        hidden_layer_sizes=(32,), alpha=0.0, early_stopping=True, max_iter=60,
        validation_fraction=0.3, random_state=seed,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MLPRegularizedClassifier, "_split_validation", recording)
        rough = _fit(MLPRegularizedClassifier, X_noisy, y_noisy, polish=0, **params)
        est = _fit(MLPRegularizedClassifier, X_noisy, y_noisy, polish=5.0, **params)
    X_val, y_val = splits[-1][3], splits[-1][4]
    assert est.best_validation_score_ == rough.best_validation_score_
    if est.n_polish_iter_ == 0:
        for W, V in zip(est.coefs_, rough.coefs_, strict=True):
            assert_array_equal(W, V)
    else:
        assert est.score(X_val, y_val) >= est.best_validation_score_
    return est.n_polish_iter_


def test_polish_under_early_stopping_never_lowers_the_validation_score():
    """It starts from the weights the validation set chose and is kept only
    if their validation score does not drop; otherwise they stay as chosen.
    Unpenalized, with a large budget, on 30% flipped labels, both happen."""
    kept = [_polish_under_early_stopping(seed) > 0 for seed in range(4)]
    assert any(kept) and not all(kept)


def test_verbose_reports_the_polish(capsys):
    _fit(MLPRegularizedRegressor, X_reg, y_reg, penalty="l0", alpha=1e-3,
         max_iter=20, verbose=True)  # fmt: skip
    out = capsys.readouterr().out
    assert "Polish: " in out and "steps of proximal gradient" in out
    assert "inputs used" in out.split("Polish: ")[1]
