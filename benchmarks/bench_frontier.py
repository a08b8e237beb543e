"""Sparsity-accuracy frontier of adam with and without its final full-batch phase.

For each problem and penalty, fits hidden (64,) networks over a grid of alphas
twice: with polish=0 (the stochastic phase alone, as before issue 8) and at
the default polish. Reports non-zero weights and test accuracy per alpha, and
for each polished point the "fewer" ratio: the fewest non-zero weights of any
unpolished point scoring within 0.5 points of it (or better), over its own.
Above 1: at equal accuracy the polished model is that many times sparser.
The summary lists the ratio for the polished points on the polished frontier
(no other polished point as sparse and as accurate).
Writes the table to JSON and, with matplotlib installed, a plot beside it.

    python benchmarks/bench_frontier.py [--quick]
"""

import statistics
import warnings

import numpy as np
from _common import RESULTS, parser, print_table, write_json
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

ALPHAS = {"l1": np.geomspace(1e-4, 3e-2, 8), "l0": np.geomspace(1e-5, 3e-3, 8)}


def problems(quick):
    X, y = load_digits(return_X_y=True)
    yield "digits", X, y
    # 8 informative inputs among 40; the other 32 are noise.
    X, y = make_classification(
        n_samples=600 if quick else 3000, n_features=40, n_informative=8,
        n_redundant=0, n_classes=3, shuffle=False, random_state=0,
    )  # fmt: skip
    yield "classification_noise_inputs", X, y


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    rows = []
    for name, X, y in problems(args.quick):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=0, stratify=y
        )
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        for penalty, alphas in ALPHAS.items():
            alphas = alphas[::3] if args.quick else alphas
            points = {}
            for polish in (0.0, 0.25):
                for alpha in alphas:
                    est = MLPRegularizedClassifier(
                        hidden_layer_sizes=(64,), penalty=penalty, alpha=alpha,
                        polish=polish, max_iter=40 if args.quick else 200,
                        random_state=0,
                    )  # fmt: skip
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        est.fit(X_train, y_train)
                    points[polish, alpha] = (
                        est.n_nonzero_weights_,
                        est.score(X_test, y_test),
                        est.n_polish_iter_,
                    )
            before = [points[0.0, a][:2] for a in alphas]
            for alpha in alphas:
                nnz0, acc0, _ = points[0.0, alpha]
                nnz, acc, steps = points[0.25, alpha]
                matching = [n for n, s in before if s >= acc - 0.005]
                fewer = min(matching) / max(nnz, 1) if matching else float("nan")
                rows.append(
                    {
                        "problem": name,
                        "penalty": penalty,
                        "alpha": f"{alpha:.2g}",
                        "before_nnz": nnz0,
                        "before_acc": round(acc0, 4),
                        "after_nnz": nnz,
                        "after_acc": round(acc, 4),
                        "polish_steps": steps,
                        "fewer": round(fewer, 2),
                    }
                )
                print(rows[-1], flush=True)
    print(
        "\nadam, hidden (64,), 70/30 split; before: polish=0, after: polish=0.25; "
        "fewer = fewest non-zero weights of a 'before' point scoring at least "
        "after_acc - 0.005, divided by after_nnz\n"
    )
    print_table(rows, list(rows[0]))
    _mark_frontier(rows)
    for name in dict.fromkeys(r["problem"] for r in rows):
        for penalty in ALPHAS:
            sel = [r for r in rows if r["problem"] == name and r["penalty"] == penalty]
            ratios = [r["fewer"] for r in sel if np.isfinite(r["fewer"])]
            # nan: no 'before' point scores as high; that point dominates.
            front = [r["fewer"] for r in sel if r["on_frontier"]]
            if ratios:
                print(
                    f"{name} {penalty}: fewer median {statistics.median(ratios):.2f}"
                    f", max {max(ratios):.2f}; on the polished frontier: "
                    + ", ".join("dominates" if np.isnan(f) else f"{f:g}" for f in front)
                )
    write_json(args.json, "frontier", rows)
    plot(rows, (args.json or RESULTS / "frontier.json").with_suffix(".png"))


def _mark_frontier(rows):
    """Flag the polished points no other polished point of the same problem
    and penalty beats on both counts (as sparse or sparser, as accurate or
    more). At the dense end accuracy is flat in alpha, so a dense point's
    equal-accuracy rival is a sparser model from a larger alpha, polished or
    not: the comparison that measures the change is frontier to frontier."""
    for r in rows:
        r["on_frontier"] = not any(
            o is not r
            and (o["problem"], o["penalty"]) == (r["problem"], r["penalty"])
            and o["after_nnz"] <= r["after_nnz"]
            and o["after_acc"] >= r["after_acc"]
            and (o["after_nnz"], o["after_acc"]) != (r["after_nnz"], r["after_acc"])
            for o in rows
        )


def plot(rows, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    keys = list(dict.fromkeys((r["problem"], r["penalty"]) for r in rows))
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.5))
    for ax, (name, penalty) in zip(np.atleast_1d(axes), keys, strict=True):
        sel = [r for r in rows if r["problem"] == name and r["penalty"] == penalty]
        for when, marker in (("before", "o--"), ("after", "s-")):
            ax.plot(
                [r[f"{when}_nnz"] for r in sel],
                [r[f"{when}_acc"] for r in sel],
                marker,
                label=f"{when} (polish={'0' if when == 'before' else '0.25'})",
            )
        ax.set_xscale("log")
        ax.set_xlabel("non-zero weights")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{name}, {penalty}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
