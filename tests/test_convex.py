"""With no hidden layer the model is convex: scikit-learn's linear models give
its optimum, and a solver is measured by its distance to it."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor

X_bc, y_bc = load_breast_cancer(return_X_y=True)
X_bc = StandardScaler().fit_transform(X_bc)
X_db, y_db = load_diabetes(return_X_y=True)
X_db = StandardScaler().fit_transform(X_db)
y_db = (y_db - y_db.mean()) / y_db.std()


def _logistic_objective(w, b, alpha):
    z = X_bc @ w + b
    return np.mean(np.logaddexp(0, z) - y_bc * z) + alpha * np.abs(w).sum()


def _lasso_objective(w, b, alpha):
    return 0.5 * np.mean((y_db - X_db @ w - b) ** 2) + alpha * np.abs(w).sum()


@pytest.mark.parametrize(
    "Estimator, objective, alpha",
    [
        (MLPRegularizedClassifier, _logistic_objective, 1e-2),
        (MLPRegularizedRegressor, _lasso_objective, 2e-2),
    ],
)
def test_lbfgs_l1_reaches_the_convex_optimum(Estimator, objective, alpha):
    """Objective within 1e-5 relative of the optimum and the same support.

    scipy's default stopping rule on the relative decrease of f ended L-BFGS-B
    7e-4 above the optimum on breast cancer, with 10 non-zero weights for 9.
    """
    if Estimator is MLPRegularizedClassifier:
        X, y = X_bc, y_bc
        # mean log-loss + alpha ||w||_1  <=>  C = 1 / (n alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ref = LogisticRegression(
                l1_ratio=1, C=1 / (len(y) * alpha), solver="saga", tol=1e-12,
                max_iter=100_000,
            ).fit(X, y)  # fmt: skip
        w_opt, b_opt = ref.coef_.ravel(), ref.intercept_[0]
    else:
        X, y = X_db, y_db
        # Lasso's objective is exactly ours: mean half squared error + alpha ||w||_1.
        ref = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
        w_opt, b_opt = ref.coef_, ref.intercept_
    optimum = objective(w_opt, b_opt, alpha)
    est = Estimator(
        hidden_layer_sizes=(), solver="lbfgs", penalty="l1", alpha=alpha,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    w, b = est.coefs_[0].ravel(), est.intercepts_[0][0]
    assert objective(w, b, alpha) == pytest.approx(optimum, rel=1e-5)
    assert est.loss_ == pytest.approx(optimum, rel=1e-5)
    assert np.array_equal(w != 0, np.abs(w_opt) > 1e-8)
