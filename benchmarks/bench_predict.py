"""Predict time, skreg vs scikit-learn's MLP, interleaved.

Both models have the same architecture; each predicts the same rows. Binary
and 5-class classification (predict and predict_proba, against
MLPClassifier) and regression with 2 outputs (predict, against MLPRegressor),
each in float32 and float64. Reports the median of per-pair time ratios
sklearn / skreg; each round times one pair of every configuration, so that
a configuration's pairs are spread over the whole run.

skreg's forward pass runs compiled where numba is installed (the fast
extra) and loaded: a process loads it once its fits or predictions would
have saved the load's cost. The benchmark loads it first, so that every
prediction stands for a long-lived process's; the kernels column says which
ran, and SKREG_KERNELS=numpy forces the numpy passes (a fresh process's
first predictions).

    python benchmarks/bench_predict.py [--repeats 5] [--quick]
"""

import statistics
from functools import partial

import numpy as np
from _common import interleaved_rounds, parser, print_table, timed, write_json
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg import _kernels as kernels

HIDDEN = (256, 128)


def problems(n_samples):
    """(name, X, y, scikit-learn's estimator, ours, methods) per problem type."""
    common = dict(n_samples=n_samples, n_features=100, random_state=0)
    classifier = (MLPClassifier, MLPRegularizedClassifier, ("predict", "predict_proba"))
    X, y = make_classification(n_informative=30, **common)
    yield "binary", X, y, *classifier
    X, y = make_classification(n_informative=30, n_classes=5, **common)
    yield "5 classes", X, y, *classifier
    X, y = make_regression(n_informative=30, n_targets=2, noise=10.0, **common)
    y = y / y.std(axis=0)
    yield "regression", X, y, MLPRegressor, MLPRegularizedRegressor, ("predict",)


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    backend = kernels.backend()
    n_fit, n_pred = (2000, 5000) if args.quick else (10_000, 100_000)
    cells = {}
    for problem, X, y, Theirs, Ours, methods in problems(n_fit + n_pred):
        for dtype in (np.float32, np.float64):
            Xd = X.astype(dtype)
            X_fit, y_fit, X_pred = Xd[:n_fit], y[:n_fit], Xd[n_fit:]
            kw = dict(hidden_layer_sizes=HIDDEN, max_iter=2, random_state=0)
            sk = timed(partial(Theirs(**kw).fit, X_fit, y_fit))[1]
            for penalty in ("l2", "l1", "l0"):
                ours = timed(partial(Ours(penalty=penalty, **kw).fit, X_fit, y_fit))[1]
                for method in methods:
                    cells[problem, np.dtype(dtype).name, penalty, method] = (
                        partial(getattr(sk, method), X_pred),
                        partial(getattr(ours, method), X_pred),
                    )
    rows = []
    # One pair of every cell per round; see interleaved_rounds. Warmed up:
    # scikit-learn allocates each layer's activations for all the rows at
    # once (205 MB at 100,000 rows through 256 float64 units), and its first
    # float64 predictions after float32 ones took twice as long, in every
    # round (498 ms against 250 on binary): the state the previous cell left
    # in the allocator, not the model.
    timings = interleaved_rounds(cells, args.repeats, warmup=True)
    for (problem, dtype, penalty, method), times in timings.items():
        t_sk, t_ours, _, machine = times
        ratios = [a / b for a, b in zip(t_sk, t_ours, strict=True)]
        rows.append(
            {
                "problem": problem,
                "dtype": dtype,
                "penalty": penalty,
                "method": method,
                "kernels": backend,
                "sklearn_ms": round(1e3 * statistics.median(t_sk), 1),
                "skreg_ms": round(1e3 * statistics.median(t_ours), 1),
                "speedup": round(statistics.median(ratios), 2),
                "machine": round(machine, 2),
            }
        )
    print(
        f"\npredict: {n_pred} x 100 rows, hidden {HIDDEN}, median of "
        f"{args.repeats} interleaved pairs, one per round over every "
        "configuration; speedup = sklearn time / skreg time\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "predict", rows, n_samples=n_pred)


if __name__ == "__main__":
    main()
