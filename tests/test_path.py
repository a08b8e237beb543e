"""The warm-started regularization path."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor, regularization_path
from skreg._path import _data_loss, _null_loss, _training_data

X, y = make_classification(
    n_samples=300, n_features=10, n_informative=3, n_redundant=0, random_state=0
)
X = StandardScaler().fit_transform(X)
ALPHAS = np.geomspace(1e-3, 3e-2, 5)


def _l1(**params):
    defaults = dict(
        hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs", random_state=0
    )
    return MLPRegularizedClassifier(**{**defaults, **params})


def test_sparsity_grows_along_the_path():
    path = regularization_path(_l1(), X, y, alphas=ALPHAS[::-1])
    assert_allclose(path.alphas, ALPHAS)  # sorted increasing
    assert np.all(np.diff(path.n_nonzero_weights) <= 0)
    assert np.all(np.diff(path.n_features_selected) <= 0)
    assert path.n_nonzero_weights[0] > 2 * path.n_nonzero_weights[-1]


def test_path_records_each_alphas_fitted_estimator():
    estimator = _l1(max_iter=150)
    path = regularization_path(estimator, X, y, alphas=ALPHAS[:3])
    data = _training_data(path.estimators[0], X, y, None)
    for i, fitted in enumerate(path.estimators):
        assert fitted.get_params() == {**estimator.get_params(), "alpha": ALPHAS[i]}
        assert fitted.n_nonzero_weights_ == path.n_nonzero_weights[i]
        assert fitted.n_features_selected_ == path.n_features_selected[i]
        assert fitted.n_active_units_ == path.n_active_units[i]
        assert not hasattr(fitted, "_optimizer")
        # lbfgs's loss_ is the exact objective.
        assert path.data_loss[i] + path.penalty[i] == pytest.approx(fitted.loss_)
        assert _data_loss(fitted, *data) == pytest.approx(path.data_loss[i])
    assert not hasattr(estimator, "coefs_")  # cloned, not fitted in place
    # Each snapshot has its own weights.
    assert path.estimators[0].coefs_[0] is not path.estimators[1].coefs_[0]


def test_path_stops_once_no_input_is_used():
    path = regularization_path(_l1(), X, y, alphas=[1e-3, 10.0, 20.0, 40.0])
    assert path.stopped_early
    assert_allclose(path.alphas, [1e-3, 10.0])
    assert path.n_features_selected[-1] == 0
    proba = path.estimators[-1].predict_proba(X)
    assert_allclose(proba, proba[:1].repeat(len(X), axis=0))
    # The all-zero network is the best constant prediction, for the penalty
    # leaves the output intercept free.
    fitted = path.estimators[-1]
    _, Y, sw = _training_data(fitted, X, y, None)
    assert path.data_loss[-1] == pytest.approx(_null_loss(fitted, Y, sw), rel=1e-4)


@pytest.mark.parametrize("learning_rate_init", [1e-3, 1e-2])
def test_warm_starts_take_fewer_epochs_than_fresh_fits(learning_rate_init):
    """Each alpha after the first starts near its solution, so the stopping
    rule ends it sooner (measured: 474 epochs against 832, and 245 against
    491). Only where the fresh fits stop by the rule, not at max_iter."""
    estimator = _l1(solver="adam", tol=1e-3, learning_rate_init=learning_rate_init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = regularization_path(estimator, X, y, alphas=ALPHAS)
        fresh = [clone(estimator).set_params(alpha=a).fit(X, y) for a in ALPHAS]
    assert path.n_iter[0] == fresh[0].n_iter_  # the same first fit
    assert path.n_iter.sum() < 0.7 * sum(f.n_iter_ for f in fresh)


def test_max_iter_per_alpha_caps_every_alpha_after_the_first():
    path = regularization_path(
        _l1(solver="adam"), X, y, alphas=ALPHAS, max_iter_per_alpha=3
    )
    assert path.n_iter[0] > 3
    assert np.all(path.n_iter[1:] <= 3)


@pytest.mark.parametrize("penalty", ["l1", "l0", "l2"])
def test_default_grid_spans_dense_to_the_documented_end(penalty):
    Xr, yr = make_regression(200, 6, n_informative=3, noise=5, random_state=0)
    yr = (yr - yr.mean()) / yr.std()
    estimator = MLPRegularizedRegressor(
        hidden_layer_sizes=(6,), penalty=penalty, max_iter=100,
        solver="adam" if penalty == "l0" else "lbfgs", random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = regularization_path(estimator, Xr, yr, alphas=6, eps=1e-3)
        dense = estimator.set_params(alpha=0.0).fit(Xr, yr)
    ratios = path.alphas[1:] / path.alphas[:-1]
    assert_allclose(ratios, ratios[0])  # geometric
    # The first alpha's penalty is about eps of the dense fit's gain: the
    # dense solution nearly untouched.
    _, Y, sw = _training_data(dense, Xr, yr, None)
    gain = _null_loss(dense, Y, sw) - _data_loss(
        dense, *_training_data(dense, Xr, yr, None)
    )
    assert path.penalty[0] < 2e-3 * gain
    assert path.n_features_selected[0] == 6
    if penalty == "l0":
        # It ends where one weight costs the whole gain: zero is optimal.
        # It ends where one weight costs the whole gain, so that the all-zero
        # network beats whatever the path found there.
        if not path.stopped_early:
            assert path.alphas[-1] == pytest.approx(gain, rel=1e-6)
        assert _null_loss(dense, Y, sw) <= path.data_loss[-1] + path.penalty[-1]
    if penalty == "l2":
        assert len(path.alphas) == 6 and not path.stopped_early


@pytest.mark.parametrize("alphas", [[], [-1.0, 1.0], [np.nan]])
def test_bad_alphas_are_refused(alphas):
    with pytest.raises(ValueError, match="alphas must be"):
        regularization_path(_l1(), X, y, alphas=alphas)


def test_a_dense_fit_that_learns_nothing_has_no_grid():
    with pytest.raises(ValueError, match="did not improve on a constant"):
        regularization_path(_l1(), np.zeros_like(X), y, alphas=4)
