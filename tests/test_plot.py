"""RegularizationPathDisplay."""

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    RegularizationPathDisplay,
    regularization_path,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X, y = make_classification(n_samples=200, n_features=8, random_state=0)
ALPHAS = [1e-3, 1e-2, 1e-1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _estimator():
    return MLPRegularizedClassifier(
        hidden_layer_sizes=(6,), penalty="l1", solver="lbfgs", random_state=0
    )


def test_display_plots_the_path_it_was_given():
    path = regularization_path(_estimator(), X, y, alphas=ALPHAS)
    display = RegularizationPathDisplay.from_path(path)
    assert display.path_ is path
    assert len(display.axes_) == 2 and display.scores is None
    for key in ("n_features_selected", "n_nonzero_weights"):
        x, values = display.lines_[key].get_data()
        assert_allclose(x, path.alphas)
        assert_allclose(values, path[key])
    assert all(axis.get_xscale() == "log" for axis in display.axes_)
    assert display.axes_[0].get_ylabel() == "inputs used"
    assert display.figure_._suptitle.get_text() == "MLPRegularizedClassifier"


def test_validation_data_adds_the_score_panel():
    train, val = slice(0, 150), slice(150, None)
    display = RegularizationPathDisplay.from_estimator(
        _estimator(), X[train], y[train], alphas=ALPHAS, X_val=X[val], y_val=y[val]
    )
    expected = [fitted.score(X[val], y[val]) for fitted in display.path_.estimators]
    assert_allclose(display.scores, expected)
    assert_allclose(display.lines_["scores"].get_data()[1], expected)
    assert display.axes_[2].get_ylabel() == "validation accuracy"
    # The sparsest alpha loses inputs and accuracy.
    assert display.n_features_selected[-1] < display.n_features_selected[0]


def test_scoring_and_regression():
    Xr, yr = make_regression(n_samples=150, n_features=5, random_state=0)
    yr = yr / yr.std()
    estimator = MLPRegularizedRegressor(
        hidden_layer_sizes=(4,), penalty="l1", solver="lbfgs", random_state=0
    )
    display = RegularizationPathDisplay.from_estimator(
        estimator, Xr, yr, alphas=[1e-3, 1e-1], X_val=Xr, y_val=yr,
        scoring="neg_mean_squared_error", name="mine",
    )  # fmt: skip
    fitted = display.path_.estimators
    assert_allclose(
        display.scores, [-np.mean((e.predict(Xr) - yr) ** 2) for e in fitted]
    )
    assert display.axes_[2].get_ylabel() == "neg_mean_squared_error"
    assert display.figure_._suptitle.get_text() == "mine"
    default = RegularizationPathDisplay.from_path(display.path_, X_val=Xr, y_val=yr)
    assert_allclose(default.scores, [r2_score(yr, e.predict(Xr)) for e in fitted])
    assert default.axes_[2].get_ylabel() == "validation R²"


def test_plot_draws_on_given_axes_and_checks_their_number():
    path = regularization_path(_estimator(), X, y, alphas=ALPHAS)
    _, axes = plt.subplots(1, 2)
    display = RegularizationPathDisplay.from_path(path, ax=axes)
    assert list(display.axes_) == list(axes)
    with pytest.raises(ValueError, match="ax must hold 3 Axes"):
        RegularizationPathDisplay.from_path(path, X_val=X, y_val=y, ax=axes)


def test_validation_needs_both_x_and_y():
    path = regularization_path(_estimator(), X, y, alphas=ALPHAS[:1])
    with pytest.raises(ValueError, match="both X_val and y_val"):
        RegularizationPathDisplay.from_path(path, X_val=X)


def test_cv_display_plots_the_cv_curve_band_and_chosen_alpha():
    cv = MLPRegularizedClassifierCV(
        hidden_layer_sizes=(6,), penalty="l1", solver="lbfgs", alphas=ALPHAS,
        cv=3, selection="1se", scoring="balanced_accuracy", random_state=0,
    ).fit(X, y)  # fmt: skip
    display = RegularizationPathDisplay.from_cv_estimator(cv)
    results = cv.cv_results_
    assert_allclose(display.lines_["scores"].get_ydata(), results["mean_test_score"])
    assert_allclose(
        display.lines_["n_features_selected"].get_ydata(),
        results["mean_n_features_selected"],
    )
    # The band spans one standard error on either side of every mean.
    band = display.band_.get_paths()[0].vertices
    mean, sem = results["mean_test_score"], results["sem_test_score"]
    assert_allclose(band[:, 1].min(), (mean - sem).min())
    assert_allclose(band[:, 1].max(), (mean + sem).max())
    marks = display.lines_["chosen_alpha"]
    assert len(marks) == 3
    assert all(mark.get_xdata()[0] == cv.alpha_ for mark in marks)
    assert display.axes_[-1].get_ylabel() == "mean CV balanced_accuracy (± 1 s.e.)"
    assert display.figure_._suptitle.get_text() == "MLPRegularizedClassifierCV"


def test_cv_display_needs_a_fitted_cv_estimator():
    with pytest.raises(NotFittedError):
        RegularizationPathDisplay.from_cv_estimator(MLPRegularizedClassifierCV())
