"""Held-out quality at default settings against scikit-learn's MLP, by CV.

scikit-learn's 'adam' stops where max_iter or tol leaves it, usually short
of the objective's optimum; skreg's final full-batch phase (polish) goes on
to the penalized optimum, where alpha alone decides how closely the model
fits. On small data, at the default alpha, that optimum can fit the noise.
For each data set, in float32 and float64, this scores by 5-fold
cross-validation of a Pipeline with StandardScaler (and a standardized
target for the regressor):
scikit-learn's MLP, skreg at its defaults, skreg with polish=0 (the epochs
alone: close to scikit-learn), skreg with early_stopping=True, and the CV
estimator choosing alpha under 'l2' on the same metric. Scores are R² for
regression and log loss (lower is better) for classification; every
estimator keeps its defaults but random_state.

    python benchmarks/bench_defaults.py [--quick]
"""

import time
import warnings
from itertools import product

import numpy as np
from _common import parser, print_table, write_json
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    MLPRegularizedRegressorCV,
)


def problems(quick):
    """(name, X, y, is_classifier)."""
    rows = slice(None, 150) if quick else slice(None)
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X[rows], y[rows], False
    for load in (load_breast_cancer, load_wine, load_digits):
        X, y = load(return_X_y=True)
        if quick:
            # Every class kept: a stratified subset.
            order = np.argsort(np.arange(len(y)) % 4, kind="stable")
            X, y = X[order][:200], y[order][:200]
        yield load.__name__[len("load_") :], X, y, True


def candidates(classifier, quick):
    """The estimators compared, by column name: defaults but for the seed
    (and a tiny max_iter with ``quick``)."""
    common = dict(random_state=0, max_iter=20 if quick else 200)
    Sk, Ours, OursCV = (
        (MLPClassifier, MLPRegularizedClassifier, MLPRegularizedClassifierCV)
        if classifier
        else (MLPRegressor, MLPRegularizedRegressor, MLPRegularizedRegressorCV)
    )
    scoring = "neg_log_loss" if classifier else "r2"
    yield "sklearn", Sk(**common)
    yield "skreg", Ours(**common)
    yield "polish=0", Ours(polish=0, **common)
    yield "early_stopping", Ours(early_stopping=True, **common)
    yield (
        "alpha_by_cv",
        OursCV(penalty="l2", scoring=scoring, alphas=5 if quick else 20, **common),
    )


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    rows = []
    for (name, X, y, classifier), dtype in product(
        problems(args.quick), (np.float32, np.float64)
    ):
        X = X.astype(dtype)
        y = y if classifier else y.astype(dtype)
        scoring = "neg_log_loss" if classifier else "r2"
        row = {
            "data": name,
            "dtype": dtype.__name__,
            "score": "log loss" if classifier else "R²",
        }
        for column, estimator in candidates(classifier, args.quick):
            if not classifier:
                estimator = TransformedTargetRegressor(
                    estimator, transformer=StandardScaler()
                )
            pipeline = make_pipeline(StandardScaler(), estimator)
            start = time.perf_counter()
            with warnings.catch_warnings():
                # Both libraries' MLPs can reach max_iter at their defaults.
                warnings.simplefilter("ignore")
                scores = cross_val_score(pipeline, X, y, scoring=scoring, cv=5)
            sign = -1 if classifier else 1
            row[column] = round(float(sign * scores.mean()), 3)
            row[f"{column}_s"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        print(row, flush=True)
    print(
        "\n5-fold CV, StandardScaler on the inputs (and the regressor's "
        "target); R² higher is better, log loss lower; *_s: seconds for the "
        "5 fits\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "defaults", rows)


if __name__ == "__main__":
    main()
