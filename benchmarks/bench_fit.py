"""Fit time at equal work, skreg vs scikit-learn's MLPClassifier, interleaved.

Both estimators get the same data, architecture, solver, batch size and number
of epochs (tol=0 and a huge n_iter_no_change, so every epoch runs), and start
from the same weights (same random_state, same draws). Reports medians of the
per-pair time ratios sklearn / skreg (> 1: skreg is faster), both test scores,
and the GFLOP/s achieved by each next to this machine's matmul peak. skreg runs
without its final full-batch phase there (polish=0: scikit-learn has none); the
phase's own cost at its default budget is the polish_extra column, from its own
interleaved pairs (it needs 8 epochs or more to run at the default 0.25).

    python benchmarks/bench_fit.py [--repeats 5] [--quick] [--epochs 5]
"""

import statistics
from functools import partial

import numpy as np
from _common import (
    interleaved,
    matmul_peak_gflops,
    mlp_flops_per_sample,
    parser,
    print_table,
    write_json,
)
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skreg import MLPRegularizedClassifier

HIDDEN = (256, 128)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--only", default="", help="run the configurations whose solver/penalty/"
        "groups label contains this, e.g. 'neurons' (l2 runs too, as reference)",
    )  # fmt: skip
    p.add_argument("--epochs", type=int, default=5, help="epochs of adam and sgd")
    args = p.parse_args()
    n, epochs, lbfgs_iter = (3000, 8, 5) if args.quick else (30_000, args.epochs, 30)
    X, y = make_classification(
        n_samples=n + n // 3, n_features=100, n_informative=30, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=n, random_state=0
    )
    units = [100, *HIDDEN, 1]
    rows = []
    groups = ("weights", "inputs", "neurons")
    configs = [
        (solver, penalty, group)
        for solver in ("adam", "sgd")
        for penalty in ("l2", "l1", "l0")
        for group in (groups[:1] if penalty == "l2" else groups)
    ] + [("lbfgs", penalty, "weights") for penalty in ("l2", "l1")]
    configs = [c for c in configs if c[1] == "l2" or args.only in "/".join(c)]
    for dtype in (np.float32, np.float64):
        peak = matmul_peak_gflops(dtype)
        Xtr, Xte = X_train.astype(dtype), X_test.astype(dtype)
        for solver, penalty, group in configs:
            iters = lbfgs_iter if solver == "lbfgs" else epochs
            common = dict(
                hidden_layer_sizes=HIDDEN, solver=solver, batch_size=200,
                max_iter=iters, tol=0, n_iter_no_change=10**9, random_state=0,
                alpha=1e-4,
            )  # fmt: skip
            if solver == "lbfgs":
                # L-BFGS stops on its own criteria; max_fun pins the work.
                common.update(max_fun=iters)
            sk = MLPClassifier(**common)
            ours = MLPRegularizedClassifier(
                penalty=penalty, penalty_groups=group, polish=0, **common
            )
            t_sk, t_ours, _ = interleaved(
                partial(sk.fit, Xtr, y_train),
                partial(ours.fit, Xtr, y_train),
                args.repeats,
            )
            ratios = [a / b for a, b in zip(t_sk, t_ours, strict=True)]
            # The penalty's own cost: this penalty against skreg's l2, A/B.
            if penalty == "l2":
                own_l2, vs_l2 = ours, 1.0
            else:
                _, _, vs_l2 = interleaved(
                    partial(own_l2.fit, Xtr, y_train),
                    partial(ours.fit, Xtr, y_train),
                    args.repeats,
                )
            polish_extra = "-"
            if solver != "lbfgs":
                polished = clone(ours).set_params(polish=0.25)
                _, _, ratio = interleaved(
                    partial(ours.fit, Xtr, y_train),
                    partial(polished.fit, Xtr, y_train),
                    args.repeats,
                )
                polish_extra = f"{ratio - 1:+.0%} ({polished.n_polish_iter_} steps)"
            # Passes over the data: epochs, or loss evaluations for lbfgs.
            flops = mlp_flops_per_sample(units) * n * iters
            rows.append(
                {
                    "dtype": np.dtype(dtype).name,
                    "solver": solver,
                    "penalty": penalty,
                    "groups": group,
                    "sklearn_s": round(statistics.median(t_sk), 3),
                    "skreg_s": round(statistics.median(t_ours), 3),
                    "speedup": round(statistics.median(ratios), 2),
                    "sklearn_acc": round(sk.score(Xte, y_test), 4),
                    "skreg_acc": round(ours.score(Xte, y_test), 4),
                    "sklearn_gflops": round(flops / statistics.median(t_sk) / 1e9, 1),
                    "skreg_gflops": round(flops / statistics.median(t_ours) / 1e9, 1),
                    "peak_gflops": round(peak, 1),
                    "vs_own_l2": round(vs_l2, 2),
                    "polish_extra": polish_extra,
                }
            )
            print(rows[-1], flush=True)
    print(
        f"\nfit: {n} x 100, hidden {HIDDEN}, batch 200, {epochs} epochs "
        f"(lbfgs: {lbfgs_iter} iterations), median of {args.repeats} interleaved "
        "pairs; speedup = sklearn time / skreg time; vs_own_l2 = skreg time "
        "with this penalty / with l2, from its own interleaved pairs; "
        "polish_extra = skreg time with polish=0.25 / with polish=0, minus 1\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "fit", rows, n_samples=n, epochs=epochs)


if __name__ == "__main__":
    main()
