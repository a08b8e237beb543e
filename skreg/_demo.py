"""The demo behind ``python -m skreg``: tune alpha for each penalty, compare."""

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

# Per-penalty grids: L2's alpha prices squared weights, L1's absolute values
# and L0's a count, so their useful ranges differ.
ALPHAS = {
    "l2": [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 1.0],
    "l1": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
    "l0": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
}
HIDDEN = (32,)


def _search(estimator, alphas, X_train, y_train):
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", estimator)])
    search = GridSearchCV(pipe, {"mlp__alpha": alphas}, cv=5, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    return search


def _row(name, search, X_test, y_test):
    mlp = search.best_estimator_["mlp"]
    total = sum(W.size for W in mlp.coefs_)
    nonzero = sum(np.count_nonzero(W) for W in mlp.coefs_)
    return (
        name,
        search.best_params_["mlp__alpha"],
        search.best_score_,
        search.score(X_test, y_test),
        1 - nonzero / total,
        f"{nonzero}/{total}",
        search.refit_time_,
    )


def main():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"Breast cancer: {X_train.shape[0]} training and {X_test.shape[0]} test "
        f"samples, {X.shape[1]} features; MLP hidden_layer_sizes={HIDDEN}, adam.\n"
        "Each row: 5-fold GridSearchCV over alpha in "
        "Pipeline(StandardScaler(), estimator).\n"
    )
    start = time.perf_counter()
    rows = []
    for penalty, alphas in ALPHAS.items():
        est = MLPRegularizedClassifier(
            hidden_layer_sizes=HIDDEN, penalty=penalty, random_state=0
        )
        rows.append(
            _row(penalty, _search(est, alphas, X_train, y_train), X_test, y_test)
        )
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

    header = ("penalty", "best alpha", "CV score", "test score", "zero weights",
              "non-zero weights", "fit time (s)")  # fmt: skip
    widths = [26, 10, 8, 10, 12, 16, 12]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for name, alpha, cv, test, zeros, nonzero, fit_time in rows:
        cells = (name, f"{alpha:g}", f"{cv:.3f}", f"{test:.3f}", f"{zeros:.1%}",
                 nonzero, f"{fit_time:.2f}")  # fmt: skip
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    print(
        f"\nTotal {time.perf_counter() - start:.0f} s. 'zero weights' counts "
        "connection weights that are exactly 0.0; 'fit time' is the refit of "
        "the best model on the whole training set. scikit-learn's alpha is "
        "divided by the batch size, skreg's is not, so their grids differ."
    )


if __name__ == "__main__":
    main()
