"""Fit time at equal work, skreg vs scikit-learn's MLP, interleaved.

Both estimators get the same data, architecture, solver, batch size and number
of epochs (tol=0 and a huge n_iter_no_change, so every epoch runs), and start
from the same weights (same random_state, same draws). Reports medians of the
per-pair time ratios sklearn / skreg (> 1: skreg is faster); each round times
one pair of every configuration, so that a configuration's pairs are spread
over the whole run, and a slow phase of the machine lasting minutes costs it
one pair, not all of them; the machine column says how quiet the machine
was during a row's pairs against sklearn (see interleaved_rounds). Also
reports both test scores, and the GFLOP/s achieved by each next to this
machine's matmul peak. skreg runs without its final full-batch phase there
(polish=0: scikit-learn has none); the phase's own cost at its default
budget is the polish_extra column, from its own interleaved pairs (it needs
8 epochs or more to run at the default 0.25), and
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

Configurations: adam and sgd under every penalty ('l2', 'l1', 'l0', the last
two also over input and neuron groups, and over labelled input groups: 20
labels of 5 inputs each); lbfgs under 'l2', 'l1', the group lasso over
inputs, neurons and labels (proximal L-BFGS), and 'l0' and the group L0
over inputs (proximal gradient), at equal loss evaluations.

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
    interleaved_rounds,
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

import skreg._training as training_module
from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg import _kernels as kernels
from skreg._optimizers import SGD, Adam
from skreg._training import StochasticTraining

HIDDEN = (256, 128)
# 'labels': the 100 inputs in 20 groups of 5 (penalty_groups as labels).
LABELS = np.repeat(np.arange(20), 5)
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
        "groups label contains this, e.g. 'neurons' (l2 of the same solvers "
        "runs too, as reference)",
    )  # fmt: skip
    p.add_argument("--epochs", type=int, default=5, help="epochs of adam and sgd")
    p.add_argument(
        "--lbfgs-iter", type=int, default=30, help="loss evaluations of lbfgs "
        "(max_iter = max_fun); its default max_iter is 200",
    )  # fmt: skip
    p.add_argument("--problems", default="binary,5 classes,regression")
    args = p.parse_args()
    n, epochs, lbfgs_iter = (
        (3000, 8, 5) if args.quick else (30_000, args.epochs, args.lbfgs_iter)
    )
    groups = ("weights", "inputs", "neurons", "labels")
    configs = [
        (solver, penalty, group)
        for solver in ("adam", "sgd")
        for penalty in ("l2", "l1", "l0")
        for group in (groups[:1] if penalty == "l2" else groups)
    ] + [
        ("lbfgs", penalty, group)
        for penalty, group in (("l2", "weights"), ("l1", "weights"),
                               ("l1", "inputs"), ("l1", "neurons"),
                               ("l1", "labels"), ("l0", "weights"),
                               ("l0", "inputs"))
    ]  # fmt: skip
    chosen = [c for c in configs if args.only in "/".join(c)]
    # l2 is the reference of the chosen solvers only.
    solvers = {c[0] for c in chosen}
    configs = [c for c in configs if c in chosen or (c[1] == "l2" and c[0] in solvers)]
    peaks = {dtype: matmul_peak_gflops(dtype) for dtype in (np.float32, np.float64)}
    cells = []
    for problem, X, y, Theirs, Ours, outputs in problems(n + n // 3):
        if problem not in args.problems.split(","):
            continue
        chosen = configs
        if args.quick and problem != "binary":
            chosen = [c for c in configs if c[1] in ("l2", "l1") and c[2] == "weights"]
        data = train_test_split(X, y, train_size=n, random_state=0)
        cells += _cells(
            problem, Theirs, Ours, chosen, data, [100, *HIDDEN, outputs], epochs,
            lbfgs_iter,
        )  # fmt: skip
    # Every timed pair of every cell, one of each per round (see
    # interleaved_rounds): which ones, in _pairs.
    timings = interleaved_rounds(
        {key: pair for i, cell in enumerate(cells) for key, pair in _pairs(i, cell)},
        args.repeats,
    )
    rows = []
    for i, cell in enumerate(cells):
        mine = {name: v for (j, name), v in timings.items() if j == i}
        rows.append(_row(cell, mine, peaks[cell["dtype"]]))
        print(rows[-1], flush=True)
    print(
        f"\nfit: {n} x 100, hidden {HIDDEN}, batch 200, {epochs} epochs "
        f"(lbfgs: {lbfgs_iter} iterations), median of {args.repeats} interleaved "
        "pairs, one per round over every configuration; speedup = sklearn time / "
        "skreg time; vs_own_l2 = skreg time with this penalty / with l2, from "
        "its own interleaved pairs; polish_extra = skreg time with "
        "polish=0.25 / with polish=0, minus 1; polish_share = the phase's time "
        "/ the rest of the same fit's; scores are accuracy or R^2 on a held-out "
        "quarter\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "fit", rows, n_samples=n, epochs=epochs)


def _cells(problem, Theirs, Ours, configs, data, units, epochs, lbfgs_iter):
    """One cell per dtype and configuration of one problem type: its
    estimators and data, unfitted."""
    X_train, X_test, y_train, y_test = data
    cells = []
    for dtype in (np.float32, np.float64):
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
            groups = LABELS if group == "labels" else group
            ours = Ours(penalty=penalty, penalty_groups=groups, polish=0, **common)
            if penalty == "l2":
                own_l2 = ours  # configs list l2 first for each solver
            cells.append(
                dict(
                    problem=problem, dtype=dtype, solver=solver, penalty=penalty,
                    group=group, iters=iters, units=units, train=(Xtr, y_train),
                    test=(Xte, y_test), sk=Theirs(**common), ours=ours,
                    own_l2=own_l2, polished=clone(ours).set_params(polish=0.25),
                )
            )  # fmt: skip
    return cells


def _pairs(i, cell):
    """The timed A/B pairs of cell ``i``, as ``((i, name), (fn_a, fn_b))``:
    against scikit-learn; this penalty against skreg's own l2 (its own cost);
    for adam and sgd, the final phase at its default budget against none."""
    fit = partial(cell["ours"].fit, *cell["train"])
    yield (i, "sklearn"), (partial(cell["sk"].fit, *cell["train"]), fit)
    if cell["penalty"] != "l2":
        yield (i, "own_l2"), (partial(cell["own_l2"].fit, *cell["train"]), fit)
    if cell["solver"] != "lbfgs":
        yield (i, "polish"), (fit, partial(cell["polished"].fit, *cell["train"]))


def _row(cell, timings, peak):
    """The table row of ``cell``, from its pairs' ``timings`` (name ->
    (times_a, times_b, median ratio, machine)) and the machine's matmul
    ``peak``; adds one fit timed from inside, for the epoch split and the
    final phase's share."""
    sk, ours, polished = cell["sk"], cell["ours"], cell["polished"]
    t_sk, t_ours, _, machine = timings["sklearn"]
    ratios = [a / b for a, b in zip(t_sk, t_ours, strict=True)]
    vs_l2 = timings["own_l2"][2] if "own_l2" in timings else 1.0
    polish_extra = polish_share = "-"
    split = {f"{part}_ms": "-" for part in SPLIT}
    if cell["solver"] != "lbfgs":
        split = _epoch_split(ours, *cell["train"], cell["units"], cell["iters"])
        ratio = timings["polish"][2]
        polish_extra = f"{ratio - 1:+.0%} ({polished.n_polish_iter_} steps)"
        polish_share = f"{_phase_share(polished, *cell['train']):.0%}"
    # Passes over the data: epochs, or loss evaluations for lbfgs.
    n = cell["train"][0].shape[0]
    flops = mlp_flops_per_sample(cell["units"]) * n * cell["iters"]
    return {
        "problem": cell["problem"],
        "kernels": kernels.backend(),
        "dtype": np.dtype(cell["dtype"]).name,
        "solver": cell["solver"],
        "penalty": cell["penalty"],
        "groups": cell["group"],
        "sklearn_s": round(statistics.median(t_sk), 3),
        "skreg_s": round(statistics.median(t_ours), 3),
        "speedup": round(statistics.median(ratios), 2),
        "machine": round(machine, 2),
        "sklearn_score": round(sk.score(*cell["test"]), 4),
        "skreg_score": round(ours.score(*cell["test"]), 4),
        "sklearn_gflops": round(flops / statistics.median(t_sk) / 1e9, 1),
        "skreg_gflops": round(flops / statistics.median(t_ours) / 1e9, 1),
        "peak_gflops": round(peak, 1),
        "vs_own_l2": round(vs_l2, 2),
        "polish_extra": polish_extra,
        "polish_share": polish_share,
        **split,
    }


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
            training_module, "backprop", timing("backprop", training_module.backprop)
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
    polish = StochasticTraining._polish

    def timed_polish(self, *args):
        start = time.perf_counter()
        try:
            return polish(self, *args)
        finally:
            spent.append(time.perf_counter() - start)

    with mock.patch.object(StochasticTraining, "_polish", timed_polish):
        total = timed(partial(estimator.fit, X, y))[0]
    return spent[0] / (total - spent[0]) if spent else 0.0


if __name__ == "__main__":
    main()
