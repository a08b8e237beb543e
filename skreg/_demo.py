"""The demo behind ``python -m skreg``: tune alpha for each penalty, compare.

Two problems: breast cancer, where every input matters, then 100 inputs of
which 10 are informative, where dropping whole inputs pays.
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

# Per-penalty grids: L2's alpha prices squared weights, L1's absolute values
# and L0's a count, so their useful ranges differ. L0 also under lbfgs, whose
# full-batch proximal gradient reaches lower objectives than adam's epochs.
L0_ALPHAS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]
BREAST_CANCER = {
    "l2": dict(penalty="l2", alphas=[1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 1.0]),
    "l1": dict(penalty="l1", alphas=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]),
    "l0": dict(penalty="l0", alphas=L0_ALPHAS),
    "l0, lbfgs": dict(penalty="l0", solver="lbfgs", alphas=L0_ALPHAS),
}
# The noisy problem, with a grid around each variant's useful range. A group
# of 32 weights costs 32 * alpha under group L0: from 1e-2 on, keeping an
# input must lower the mean log-loss by 0.32, which none does once the final
# full-batch phase reaches the objective's minimum (every input dropped).
NOISY = {
    "l2": dict(penalty="l2", alphas=[1e-3, 1e-2, 1e-1]),
    "l1": dict(penalty="l1", alphas=[1e-3, 3e-3, 1e-2]),
    "l1, inputs": dict(
        penalty="l1", penalty_groups="inputs", alphas=[1e-3, 2e-3, 4e-3]
    ),
    "l0, inputs": dict(
        penalty="l0", penalty_groups="inputs", alphas=[1e-3, 2e-3, 4e-3]
    ),
    "l0, inputs, lbfgs": dict(
        penalty="l0",
        penalty_groups="inputs",
        solver="lbfgs",
        alphas=[1e-3, 2e-3, 4e-3],
    ),
}
HIDDEN = (32,)


def _search(estimator, alphas, X_train, y_train, cv=5):
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", estimator)])
    search = GridSearchCV(pipe, {"mlp__alpha": alphas}, cv=cv, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    return search


def _rows(variants, X_train, X_test, y_train, y_test, cv):
    """One row per variant: its parameters, and the alphas to search."""
    rows = []
    for name, params in variants.items():
        params = dict(params)
        alphas = params.pop("alphas")
        est = MLPRegularizedClassifier(
            hidden_layer_sizes=HIDDEN, random_state=0, **params
        )
        search = _search(est, alphas, X_train, y_train, cv=cv)
        rows.append(_row(name, search, X_test, y_test))
    return rows


def _row(name, search, X_test, y_test):
    mlp = search.best_estimator_["mlp"]
    total = sum(W.size for W in mlp.coefs_)
    nonzero = sum(np.count_nonzero(W) for W in mlp.coefs_)
    n_inputs, n_units = mlp.coefs_[0].shape[0], sum(HIDDEN)
    if isinstance(mlp, MLPRegularizedClassifier):
        inputs, units = mlp.n_features_selected_, sum(mlp.n_active_units_)
    else:  # scikit-learn's MLP uses every input and unit
        inputs, units = n_inputs, n_units
    return (
        name,
        search.best_params_["mlp__alpha"],
        search.best_score_,
        search.score(X_test, y_test),
        1 - nonzero / total,
        f"{nonzero}/{total}",
        f"{inputs}/{n_inputs}",
        f"{units}/{n_units}",
        search.refit_time_,
    )


def _print_table(rows):
    header = ("penalty", "best alpha", "CV score", "test score", "zero weights",
              "non-zero weights", "inputs used", "units active",
              "fit time (s)")  # fmt: skip
    widths = [26, 10, 8, 10, 12, 16, 11, 12, 12]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for name, alpha, cv, test, zeros, nonzero, inputs, units, fit_time in rows:
        cells = (name, f"{alpha:g}", f"{cv:.3f}", f"{test:.3f}", f"{zeros:.1%}",
                 nonzero, inputs, units, f"{fit_time:.2f}")  # fmt: skip
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"Breast cancer: {X_train.shape[0]} training and {X_test.shape[0]} test "
        f"samples, {X.shape[1]} features; MLP hidden_layer_sizes={HIDDEN}, adam\n"
        "unless the row says lbfgs.\n"
        "Each row: 5-fold GridSearchCV over alpha in "
        "Pipeline(StandardScaler(), estimator).\n"
    )
    rows = _rows(BREAST_CANCER, X_train, X_test, y_train, y_test, cv=5)
    baseline = MLPClassifier(hidden_layer_sizes=HIDDEN, random_state=0)
    sk_alphas = [1e-4, 1e-2, 1e-1, 1.0, 3.0, 10.0]
    rows.append(
        _row(
            "sklearn MLPClassifier (l2)",
            _search(baseline, sk_alphas, X_train, y_train),
            X_test,
            y_test,
        )
    )
    _print_table(rows)


def _noisy_inputs():
    X, y = make_classification(
        n_samples=1500, n_features=100, n_informative=10, n_redundant=0,
        n_repeated=0, random_state=0,
    )  # fmt: skip
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    print(
        f"\nmake_classification: {X_train.shape[0]} training and "
        f"{X_test.shape[0]} test samples, 10 informative inputs among 100; "
        "same MLP.\nEach row: 3-fold GridSearchCV over alpha; 'inputs' groups "
        "each input's outgoing weights (penalty_groups='inputs').\n"
    )
    _print_table(_rows(NOISY, X_train, X_test, y_train, y_test, cv=3))


def main():
    start = time.perf_counter()
    _breast_cancer()
    _noisy_inputs()
    print(
        f"\nTotal {time.perf_counter() - start:.0f} s. 'zero weights' counts "
        "connection weights that are exactly 0.0; 'inputs used' the inputs "
        "with a non-zero weight; 'units active' the hidden units connecting "
        "input to output; 'fit time' is the refit of the best model on the "
        "whole training set. scikit-learn's alpha is divided by the batch "
        "size, skreg's is not, so their grids differ."
    )


if __name__ == "__main__":
    main()
