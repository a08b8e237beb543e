"""Fit time at equal work, skreg vs scikit-learn's MLP, interleaved.

Both estimators get the same data, architecture, solver, batch size and number
of epochs (tol=0 and a huge n_iter_no_change, so every epoch runs), and start
from the same weights (same random_state, same draws). Reports medians of the
per-pair time ratios sklearn / skreg (> 1: skreg is faster), both test scores,
and the GFLOP/s achieved by each next to this machine's matmul peak. skreg runs
without its final full-batch phase there (polish=0: scikit-learn has none); the
phase's own cost at its default budget is the polish_extra column, from its own
interleaved pairs (it needs 8 epochs or more to run at the default 0.25), and
polish_share times the phase inside one fit, against the rest of that fit: a
difference of two fits is noisy where the phase is small. For adam and sgd,
one more fit is timed from inside and its epoch split into milliseconds of
matrix products (gemm_ms, replayed alone), the rest of the forward and
backward passes (elementwise_ms), optimizer steps with their prox
(optimizer_ms) and the loop around them (loop_ms).

skreg's adam and sgd steps run compiled where numba is installed (the fast
extra); the kernels column says which ran. SKREG_KERNELS=numpy forces the
numpy steps, for the comparison. A fit of a few epochs would not load numba
by itself (it would save less than the load costs), so the benchmark loads
it first and lets every fit take it: the epochs stand for a long fit's.

Problems: binary and 5-class classification, and regression with 2 outputs
(MLPRegressor against MLPRegularizedRegressor), each in float32 and float64.
With --quick the 5-class and regression problems run the l2 and l1
configurations only.

    python benchmarks/bench_fit.py [--repeats 5] [--quick] [--epochs 5]
        [--problems "binary,5 classes,regression"]
"""

import statistics
import time
from functools import partial
from itertools import pairwise
from unittest import mock

import numpy as np
from _common import (
    interleaved,
    matmul_peak_gflops,
    mlp_flops_per_sample,
    parser,
    print_table,
    timed,
    write_json,
)
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

import skreg._multilayer_perceptron as mlp_module
from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg import _kernels as kernels
from skreg._optimizers import SGD, Adam

HIDDEN = (256, 128)
# Where an epoch's time goes; see _epoch_split.
SPLIT = ("gemm", "elementwise", "optimizer", "loop")


def problems(n_samples):
    """(name, X, y, scikit-learn's estimator, ours, outputs) per problem type."""
    common = dict(n_samples=n_samples, n_features=100, random_state=0)
    classifiers = (MLPClassifier, MLPRegularizedClassifier)
    X, y = make_classification(n_informative=30, **common)
    yield "binary", X, y, *classifiers, 1
    X, y = make_classification(n_informative=30, n_classes=5, **common)
    yield "5 classes", X, y, *classifiers, 5
    X, y = make_regression(n_informative=30, n_targets=2, noise=10.0, **common)
    yield "regression", X, y / y.std(axis=0), MLPRegressor, MLPRegularizedRegressor, 2


def main():
    kernels.LOAD_SECONDS = 0.0
    kernels.backend()
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--only", default="", help="run the configurations whose solver/penalty/"
        "groups label contains this, e.g. 'neurons' (l2 runs too, as reference)",
    )  # fmt: skip
    p.add_argument("--epochs", type=int, default=5, help="epochs of adam and sgd")
    p.add_argument("--problems", default="binary,5 classes,regression")
    args = p.parse_args()
    n, epochs, lbfgs_iter = (3000, 8, 5) if args.quick else (30_000, args.epochs, 30)
    rows = []
    groups = ("weights", "inputs", "neurons")
    configs = [
        (solver, penalty, group)
        for solver in ("adam", "sgd")
        for penalty in ("l2", "l1", "l0")
        for group in (groups[:1] if penalty == "l2" else groups)
    ] + [("lbfgs", penalty, "weights") for penalty in ("l2", "l1")]
    configs = [c for c in configs if c[1] == "l2" or args.only in "/".join(c)]
    peaks = {dtype: matmul_peak_gflops(dtype) for dtype in (np.float32, np.float64)}
    for problem, X, y, Theirs, Ours, outputs in problems(n + n // 3):
        if problem not in args.problems.split(","):
            continue
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, train_size=n, random_state=0
        )
        units = [100, *HIDDEN, outputs]
        chosen = configs
        if args.quick and problem != "binary":
            chosen = [c for c in configs if c[1] in ("l2", "l1") and c[2] == "weights"]
        rows += _problem_rows(
            problem, Theirs, Ours, chosen, X_train, X_test, y_train, y_test,
            units, n, epochs, lbfgs_iter, peaks, args.repeats,
        )  # fmt: skip
    print(
        f"\nfit: {n} x 100, hidden {HIDDEN}, batch 200, {epochs} epochs "
        f"(lbfgs: {lbfgs_iter} iterations), median of {args.repeats} interleaved "
        "pairs; speedup = sklearn time / skreg time; vs_own_l2 = skreg time "
        "with this penalty / with l2, from its own interleaved pairs; "
        "polish_extra = skreg time with polish=0.25 / with polish=0, minus 1; "
        "polish_share = the phase's time / the rest of the same fit's; "
        "scores are accuracy or R^2 on a held-out quarter\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "fit", rows, n_samples=n, epochs=epochs)


def _problem_rows(
    problem, Theirs, Ours, configs, X_train, X_test, y_train, y_test, units, n,
    epochs, lbfgs_iter, peaks, repeats,
):  # fmt: skip
    """One row per dtype and configuration of one problem type."""
    rows = []
    for dtype in (np.float32, np.float64):
        peak = peaks[dtype]
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
            sk = Theirs(**common)
            ours = Ours(penalty=penalty, penalty_groups=group, polish=0, **common)
            t_sk, t_ours, _ = interleaved(
                partial(sk.fit, Xtr, y_train),
                partial(ours.fit, Xtr, y_train),
                repeats,
            )
            ratios = [a / b for a, b in zip(t_sk, t_ours, strict=True)]
            # The penalty's own cost: this penalty against skreg's l2, A/B.
            if penalty == "l2":
                own_l2, vs_l2 = ours, 1.0
            else:
                _, _, vs_l2 = interleaved(
                    partial(own_l2.fit, Xtr, y_train),
                    partial(ours.fit, Xtr, y_train),
                    repeats,
                )
            polish_extra = polish_share = "-"
            split = {f"{part}_ms": "-" for part in SPLIT}
            if solver != "lbfgs":
                split = _epoch_split(ours, Xtr, y_train, units, epochs)
                polished = clone(ours).set_params(polish=0.25)
                _, _, ratio = interleaved(
                    partial(ours.fit, Xtr, y_train),
                    partial(polished.fit, Xtr, y_train),
                    repeats,
                )
                polish_extra = f"{ratio - 1:+.0%} ({polished.n_polish_iter_} steps)"
                polish_share = f"{_phase_share(polished, Xtr, y_train):.0%}"
            # Passes over the data: epochs, or loss evaluations for lbfgs.
            flops = mlp_flops_per_sample(units) * n * iters
            rows.append(
                {
                    "problem": problem,
                    "kernels": kernels.backend(),
                    "dtype": np.dtype(dtype).name,
                    "solver": solver,
                    "penalty": penalty,
                    "groups": group,
                    "sklearn_s": round(statistics.median(t_sk), 3),
                    "skreg_s": round(statistics.median(t_ours), 3),
                    "speedup": round(statistics.median(ratios), 2),
                    "sklearn_score": round(sk.score(Xte, y_test), 4),
                    "skreg_score": round(ours.score(Xte, y_test), 4),
                    "sklearn_gflops": round(flops / statistics.median(t_sk) / 1e9, 1),
                    "skreg_gflops": round(flops / statistics.median(t_ours) / 1e9, 1),
                    "peak_gflops": round(peak, 1),
                    "vs_own_l2": round(vs_l2, 2),
                    "polish_extra": polish_extra,
                    "polish_share": polish_share,
                    **split,
                }
            )
            print(rows[-1], flush=True)
    return rows


def _epoch_split(estimator, X, y, units, epochs, batch_size=200):
    """Milliseconds per epoch of one fit of ``estimator``, split four ways.

    ``gemm``: the matrix products of every minibatch's forward and backward
    pass, replayed alone on arrays of the same shapes; ``elementwise``: the
    rest of those passes (activations, their derivatives, intercept adds, the
    loss and its delta); ``optimizer``: the steps with their prox; ``loop``:
    everything else (shuffling, batch gathering, per-epoch bookkeeping).
    The products replayed alone run with warm caches, so ``gemm`` is a lower
    bound and ``elementwise`` an upper one.
    """
    spent = {"backprop": 0.0, "optimizer": 0.0}

    def timing(key, function):
        def timed_function(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - start

        return timed_function

    with (
        mock.patch.object(
            mlp_module, "backprop", timing("backprop", mlp_module.backprop)
        ),
        mock.patch.object(Adam, "step", timing("optimizer", Adam.step)),
        mock.patch.object(SGD, "step", timing("optimizer", SGD.step)),
    ):
        total = timed(partial(estimator.fit, X, y))[0]
    n_batches = epochs * -(-X.shape[0] // batch_size)
    gemm = _gemm_seconds(units, batch_size, X.dtype, n_batches)
    seconds = (
        gemm,
        spent["backprop"] - gemm,
        spent["optimizer"],
        total - spent["backprop"] - spent["optimizer"],
    )
    return {
        f"{part}_ms": round(1e3 * value / epochs, 1)
        for part, value in zip(SPLIT, seconds, strict=True)
    }


def _gemm_seconds(units, batch_size, dtype, n_batches):
    """The products of ``n_batches`` forward and backward passes, as backprop
    makes them (``skreg._network.backprop``), on random arrays."""
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch_size, u)).astype(dtype) for u in units]
    coefs = [rng.standard_normal((a, b)).astype(dtype) for a, b in pairwise(units)]
    grads = [np.empty_like(W) for W in coefs]
    ones = np.ones(batch_size, dtype=dtype)
    start = time.perf_counter()
    for _ in range(n_batches):
        for i, W in enumerate(coefs):
            acts[i] @ W
        # The output's intercept gradient; the hidden layers' come with
        # their deltas, in the elementwise passes.
        ones @ acts[-1]
        for i in range(len(coefs) - 1, -1, -1):
            delta = acts[i + 1]
            np.matmul(acts[i].T, delta, out=grads[i])
            if i > 0:
                delta @ coefs[i].T
    return time.perf_counter() - start


def _phase_share(estimator, X, y):
    """The final phase's time over the rest of one fit of ``estimator``."""
    spent = []
    polish = type(estimator)._polish

    def timed_polish(self, *args):
        start = time.perf_counter()
        try:
            return polish(self, *args)
        finally:
            spent.append(time.perf_counter() - start)

    with mock.patch.object(type(estimator), "_polish", timed_polish):
        total = timed(partial(estimator.fit, X, y))[0]
    return spent[0] / (total - spent[0]) if spent else 0.0


if __name__ == "__main__":
    main()
