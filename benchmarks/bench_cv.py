"""Choosing alpha: the CV estimators' warm-started paths against GridSearchCV.

Both search the same alphas with the same folds and base parameters; both
refit on all the training data. GridSearchCV fits every alpha from scratch in
every fold; MLPRegularized*CV fits one path per fold. Reports wall time and
its ratio, the chosen alpha, its mean CV score next to GridSearchCV's best
(with one standard error), the held-out score, and the sparsity of the
'best' and '1se' choices. Covers binary, 3-class and regression problems in
float32 and float64.

    python benchmarks/bench_cv.py [--quick] [--n-samples N] [--alphas K]
"""

from functools import partial

import numpy as np
from _common import parser, print_table, timed, write_json
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    MLPRegularizedRegressorCV,
)


def problems(n_samples):
    common = dict(n_samples=n_samples, n_features=100, random_state=0)
    yield "binary", *make_classification(n_informative=10, **common)
    yield "3 classes", *make_classification(
        n_informative=10, n_classes=3, **common
    )  # fmt: skip
    X, y = make_regression(n_informative=10, noise=10.0, **common)
    yield "regression", X, (y - y.mean()) / y.std()


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n-samples", type=int, default=20_000)
    p.add_argument("--alphas", type=int, default=20)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--max-iter-per-alpha", type=int, default=None,
        help="the CV estimators' budget per alpha after the first",
    )  # fmt: skip
    p.add_argument("--problems", default="binary,3 classes,regression")
    p.add_argument("--dtypes", default="float32,float64")
    args = p.parse_args()
    n_samples = 600 if args.quick else args.n_samples
    n_alphas = 4 if args.quick else args.alphas
    folds = 2 if args.quick else args.folds
    alphas = np.geomspace(1e-5, 1e-1, n_alphas)
    params = dict(
        hidden_layer_sizes=(16,) if args.quick else (128,), penalty="l1",
        max_iter=20 if args.quick else 200, random_state=0,
    )  # fmt: skip
    rows = []
    for name, X, y in problems(n_samples):
        if name not in args.problems.split(","):
            continue
        regression = name == "regression"
        Base = MLPRegularizedRegressor if regression else MLPRegularizedClassifier
        CV = MLPRegularizedRegressorCV if regression else MLPRegularizedClassifierCV
        for dtype in [np.dtype(d).type for d in args.dtypes.split(",")]:
            X_train, X_test, y_train, y_test = train_test_split(
                X.astype(dtype), y, test_size=0.25, random_state=0
            )
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            grid = GridSearchCV(Base(**params), {"alpha": alphas}, cv=folds)
            ours = CV(
                **params, alphas=alphas, cv=folds,
                max_iter_per_alpha=args.max_iter_per_alpha,
            )  # fmt: skip
            t_grid, grid = timed(partial(grid.fit, X_train, y_train))
            t_ours, ours = timed(partial(ours.fit, X_train, y_train))
            one_se = clone(ours).set_params(selection="1se").fit(X_train, y_train)
            sem = grid.cv_results_["std_test_score"][grid.best_index_] / np.sqrt(
                folds - 1
            )
            index = list(alphas).index(ours.alpha_)
            means = ours.cv_results_["mean_test_score"]
            best = grid.best_estimator_
            rows.append(
                {
                    "problem": name,
                    "dtype": np.dtype(dtype).name,
                    "grid_s": round(t_grid, 1),
                    "cv_s": round(t_ours, 1),
                    "speedup": round(t_grid / t_ours, 2),
                    "grid_alpha": f"{grid.best_params_['alpha']:.2g}",
                    "cv_alpha": f"{ours.alpha_:.2g}",
                    "grid_cv_score": f"{grid.best_score_:.5f}±{sem:.5f}",
                    "cv_cv_score": round(float(means[index]), 5),
                    "within_1se": bool(means[index] >= grid.best_score_ - sem),
                    "grid_test": round(best.score(X_test, y_test), 4),
                    "cv_test": round(ours.score(X_test, y_test), 4),
                    "1se_test": round(one_se.score(X_test, y_test), 4),
                    "grid_nnz": best.n_nonzero_weights_,
                    "cv_nnz": ours.n_nonzero_weights_,
                    "1se_nnz": one_se.n_nonzero_weights_,
                    "1se_inputs": one_se.n_features_selected_,
                }
            )
            print(rows[-1], flush=True)
    print(
        f"\n{n_samples} samples x 100 inputs (10 informative), hidden "
        f"{params['hidden_layer_sizes']}, l1, adam, {n_alphas} alphas, {folds} "
        "folds, n_jobs=1; speedup = GridSearchCV time / CV estimator time "
        "('best'); scores are accuracy or R^2, cv scores on the folds, test on "
        "a 25% held-out part\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "cv", rows, alphas=[float(a) for a in alphas])


if __name__ == "__main__":
    main()
