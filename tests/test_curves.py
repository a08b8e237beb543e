"""Training diagnostics: the loss curve split into data loss and penalty,
sparsity per epoch, and the validation loss beside the validation score."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg._network import pack
from skreg._path import _data_loss, _penalty, _training_data

X, y = make_classification(n_samples=200, n_features=8, random_state=0)
X = StandardScaler().fit_transform(X)
X_reg, y_reg = make_regression(n_samples=200, n_features=8, noise=5.0, random_state=0)
y_reg = y_reg / y_reg.std()
CURVES = ("loss_curve_", "data_loss_curve_", "penalty_curve_", "sparsity_curve_")


def _clf(**params):
    defaults = dict(
        hidden_layer_sizes=(6,), penalty="l1", alpha=1e-2, max_iter=30,
        random_state=0,
    )  # fmt: skip
    return MLPRegularizedClassifier(**{**defaults, **params})


@pytest.mark.parametrize(
    "solver, penalty",
    [(s, p) for s in ("lbfgs", "sgd", "adam") for p in ("l0", "l1", "l2")],
)  # fmt: skip
def test_data_loss_and_penalty_add_up_to_the_loss_curve(solver, penalty):
    clf = _clf(solver=solver, penalty=penalty).fit(X, y)
    lengths = {len(getattr(clf, name)) for name in CURVES}
    assert lengths == {len(clf.loss_curve_)}
    assert_allclose(
        np.add(clf.data_loss_curve_, clf.penalty_curve_), clf.loss_curve_, rtol=1e-12
    )
    # The last point is the returned network's.
    weights = pack(clf.coefs_, [], np.float64)
    assert clf.penalty_curve_[-1] == pytest.approx(
        _penalty(clf, clf.alpha).value(weights), rel=1e-6
    )
    assert clf.sparsity_curve_[-1] == pytest.approx(
        1 - clf.n_nonzero_weights_ / weights.size
    )
    if solver == "lbfgs" or clf.n_polish_iter_:
        # Full-batch points: the exact data loss.
        exact = _data_loss(clf, *_training_data(clf, X, y, None))
        assert clf.data_loss_curve_[-1] == pytest.approx(exact, rel=1e-6)
    assert clf.validation_loss_curve_ is None


def test_sparsity_curve_follows_the_l1_fit():
    clf = _clf(solver="adam", alpha=3e-2, max_iter=60).fit(X, y)
    assert clf.sparsity_curve_[0] < clf.sparsity_curve_[-1]
    assert clf.sparsity_curve_[-1] > 0.3
    assert all(0 <= s <= 1 for s in clf.sparsity_curve_)


def test_warm_start_and_partial_fit_extend_every_curve():
    clf = _clf(solver="adam", warm_start=True, polish=0).fit(X, y)
    before = {name: list(getattr(clf, name)) for name in CURVES}
    clf.fit(X, y)
    for name in CURVES:
        assert getattr(clf, name)[: len(before[name])] == before[name]
        assert len(getattr(clf, name)) == len(before[name]) + clf.n_iter_
    length = len(clf.loss_curve_)
    clf.partial_fit(X, y)  # one epoch, no final phase
    assert {len(getattr(clf, name)) for name in CURVES} == {length + 1}


def test_validation_loss_curve_is_the_held_out_loss_beside_the_score():
    reg = MLPRegularizedRegressor(
        hidden_layer_sizes=(6,), penalty="l1", alpha=1e-3, max_iter=40,
        early_stopping=True, random_state=0,
    ).fit(X_reg, y_reg)  # fmt: skip
    losses, scores = reg.validation_loss_curve_, reg.validation_scores_
    assert len(losses) == len(scores) == reg.n_iter_
    # On one validation set, half the mean squared error is an affine,
    # decreasing function of R^2: loss = (1 - R^2) * var(y_val) / 2.
    scale = losses[0] / (1 - scores[0])
    assert_allclose(losses, scale * (1 - np.asarray(scores)), rtol=1e-6)
    assert 0 < scale < 1


def test_classifier_validation_loss_is_a_log_loss():
    clf = _clf(solver="adam", early_stopping=True, max_iter=40).fit(X, y)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_)
    # A log-loss: it starts near log(2) = 0.69 and falls as the network learns.
    assert 0.3 < clf.validation_loss_curve_[0] < 1.0
    assert min(clf.validation_loss_curve_) < clf.validation_loss_curve_[0]


def test_verbose_prints_data_loss_penalty_sparsity_and_inputs(capsys):
    _clf(solver="adam", max_iter=2, verbose=True, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ")
    for part in ("(data ", " + penalty ", "sparsity = ", "inputs used = "):
        assert part in lines[0]
    assert "validation loss: " in lines[1]
    _clf(solver="lbfgs", max_iter=2, verbose=True).fit(X, y)
    assert "sparsity = " in capsys.readouterr().out
