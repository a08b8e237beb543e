"""Compaction: units left, predict time and pickle size as alpha grows.

A (256, 128) network trained with ``penalty='l1', penalty_groups='neurons'``
at increasing alpha, on binary, multiclass and regression problems, in float32
and float64. For each fit: the active units, the predict time of the compacted
model against the uncompacted one (interleaved pairs, median ratio) and
against scikit-learn's MLP of the original size, the share of multiply-adds
left, and the sizes of the parameters and of the pickle (which also drops the
optimizer state, not carried over by ``compact``). The last column times the
compacted network with its weight matrices stored as CSR where that layer is
mostly zero, to see whether sparse storage would pay on top of removing units.

    python benchmarks/bench_compact.py [--repeats 5] [--quick]
"""

import pickle
import statistics
from functools import partial

import numpy as np
import scipy.sparse as sp
from _common import interleaved, parser, print_table, timed, write_json
from sklearn.datasets import make_classification, make_friedman1
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg._activations import ACTIVATIONS

HIDDEN = (256, 128)
ALPHAS = (1e-4, 3e-4, 1e-3, 3e-3)


def _problems(n_samples):
    kw = dict(n_samples=n_samples, n_features=100, n_informative=20, random_state=0)
    X, y = make_classification(**kw)
    yield "binary", X, y, MLPRegularizedClassifier, MLPClassifier
    X, y = make_classification(n_classes=5, **kw)
    yield "5 classes", X, y, MLPRegularizedClassifier, MLPClassifier
    # Nonlinear in 5 of the 100 inputs: make_regression's linear target
    # lets the network collapse to a unit or two.
    X, y = make_friedman1(n_samples=n_samples, n_features=100, random_state=0)
    y = (y - y.mean()) / y.std()
    yield "regression", X, y, MLPRegularizedRegressor, MLPRegressor


def _kb(est):
    return sum(a.nbytes for a in est.coefs_ + est.intercepts_) // 1024


def _macs(coefs):
    return sum(W.size for W in coefs)


def _sparse_forward(X, coefs, intercepts, activation):
    """The forward pass with each mostly-zero matrix as CSR (X @ W = (W.T @ X.T).T)."""
    hidden = ACTIVATIONS[activation]
    A = X
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = (W @ A.T).T if sp.issparse(W) else A @ W
        Z += b
        A = hidden(Z) if i < len(coefs) - 1 else Z
    return A


def _as_sparse(coefs, max_density=0.3):
    return [sp.csr_matrix(W.T) if np.mean(W != 0) <= max_density else W for W in coefs]


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    n_fit, n_pred, epochs = (1000, 2000, 3) if args.quick else (20_000, 100_000, 30)
    alphas = ALPHAS[::2] if args.quick else ALPHAS
    rows = []
    for problem, X, y, Ours, Theirs in _problems(n_fit + n_pred):
        X = StandardScaler().fit_transform(X)
        for dtype in (np.float32, np.float64):
            Xd = X.astype(dtype)
            X_fit, y_fit, X_pred = Xd[:n_fit], y[:n_fit], Xd[n_fit:]
            common = dict(hidden_layer_sizes=HIDDEN, max_iter=epochs, random_state=0)
            sk = timed(partial(Theirs(**common).fit, X_fit, y_fit))[1]
            for alpha in alphas:
                full = timed(
                    partial(
                        Ours(
                            penalty="l1", penalty_groups="neurons", alpha=alpha,
                            **common,
                        ).fit,
                        X_fit,
                        y_fit,
                    )
                )[1]  # fmt: skip
                small = full.compact()
                t_full, t_small, _ = interleaved(
                    partial(full.predict, X_pred),
                    partial(small.predict, X_pred),
                    args.repeats,
                )
                t_sk, t_small_2, _ = interleaved(
                    partial(sk.predict, X_pred),
                    partial(small.predict, X_pred),
                    args.repeats,
                )
                sparse_coefs = _as_sparse(small.coefs_)
                n_sparse = sum(sp.issparse(W) for W in sparse_coefs)
                t_dense_fwd, t_sparse_fwd, _ = interleaved(
                    partial(
                        _sparse_forward, X_pred, small.coefs_, small.intercepts_,
                        small.activation,
                    ),
                    partial(
                        _sparse_forward, X_pred, sparse_coefs, small.intercepts_,
                        small.activation,
                    ),
                    args.repeats,
                )  # fmt: skip
                rows.append(
                    {
                        "problem": problem,
                        "dtype": np.dtype(dtype).name,
                        "alpha": alpha,
                        "units_left": "+".join(map(str, small.hidden_layer_sizes)),
                        "inputs": small.n_features_selected_,
                        "madds_left": f"{_macs(small.coefs_) / _macs(full.coefs_):.1%}",
                        "score_full": round(full.score(X_pred, y[n_fit:]), 3),
                        "full_ms": round(1e3 * statistics.median(t_full), 1),
                        "compact_ms": round(1e3 * statistics.median(t_small), 1),
                        "speedup": round(
                            statistics.median(
                                a / b for a, b in zip(t_full, t_small, strict=True)
                            ),
                            2,
                        ),
                        "vs_sklearn": round(
                            statistics.median(
                                a / b for a, b in zip(t_sk, t_small_2, strict=True)
                            ),
                            2,
                        ),
                        "weights_kb_full": _kb(full),
                        "weights_kb_compact": _kb(small),
                        "pickle_kb_full": len(pickle.dumps(full)) // 1024,
                        "pickle_kb_compact": len(pickle.dumps(small)) // 1024,
                        "csr_layers": n_sparse,
                        "csr_speedup": round(
                            statistics.median(
                                a / b
                                for a, b in zip(t_dense_fwd, t_sparse_fwd, strict=True)
                            ),
                            2,
                        ),
                    }
                )
                print(rows[-1], flush=True)
    print(
        f"\ncompact: {n_pred} x 100 rows predicted, hidden {HIDDEN}, adam "
        f"{epochs} epochs on {n_fit} rows, penalty='l1', penalty_groups='neurons'."
        f"\nspeedup = uncompacted / compacted predict time; vs_sklearn = "
        f"MLPClassifier/MLPRegressor {HIDDEN} / compacted; csr_speedup = "
        "compacted forward with layers <= 30% dense as CSR, over all-dense "
        f"(csr_layers of them); medians of {args.repeats} interleaved pairs.\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "compact", rows, n_samples=n_pred)


if __name__ == "__main__":
    main()
