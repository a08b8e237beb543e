"""Peak memory and time of fit, skreg vs scikit-learn's MLPClassifier.

Peak memory is what tracemalloc (which sees numpy's allocations) records
during fit, above what was allocated before it: the data itself is not
counted. Time is measured in separate interleaved runs, without tracing.

    python benchmarks/bench_memory.py [--repeats 3] [--quick]
"""

import statistics
import tracemalloc
from functools import partial

import numpy as np
from _common import interleaved, parser, print_table, timed, write_json
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skreg import MLPRegularizedClassifier

HIDDEN = (256, 128)


def peak_mib(fit):
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    timed(fit)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    n, iters = (5000, 5) if args.quick else (100_000, 20)
    X, y = make_classification(
        n_samples=n, n_features=100, n_informative=30, random_state=0
    )
    rows = []
    for solver in ("lbfgs", "adam"):
        for dtype in (np.float32, np.float64):
            Xd = X.astype(dtype)
            kw = dict(
                hidden_layer_sizes=HIDDEN, solver=solver, max_iter=iters,
                max_fun=iters, tol=0, n_iter_no_change=10**9, random_state=0,
            )  # fmt: skip
            if solver == "adam":
                kw["max_iter"] = 1 if not args.quick else 1
            for penalty in ("l2", "l1") if solver == "lbfgs" else ("l2",):
                sk = MLPClassifier(**kw)
                ours = MLPRegularizedClassifier(penalty=penalty, **kw)
                mem_sk = peak_mib(partial(sk.fit, Xd, y))
                mem_ours = peak_mib(partial(ours.fit, Xd, y))
                t_sk, t_ours, _ = interleaved(
                    partial(sk.fit, Xd, y), partial(ours.fit, Xd, y), args.repeats
                )
                ratios = [a / b for a, b in zip(t_sk, t_ours, strict=True)]
                rows.append(
                    {
                        "solver": solver,
                        "dtype": np.dtype(dtype).name,
                        "penalty": penalty,
                        "sklearn_MiB": round(mem_sk, 1),
                        "skreg_MiB": round(mem_ours, 1),
                        "memory_ratio": round(mem_ours / mem_sk, 3),
                        "sklearn_s": round(statistics.median(t_sk), 2),
                        "skreg_s": round(statistics.median(t_ours), 2),
                        "speedup": round(statistics.median(ratios), 2),
                    }
                )
                print(rows[-1], flush=True)
    print(
        f"\nfit memory: {n} x 100, hidden {HIDDEN}; lbfgs {iters} iterations "
        "(max_fun pins the work), adam 1 epoch; memory_ratio = skreg / sklearn "
        "peak; speedup = sklearn time / skreg time, median of "
        f"{args.repeats} interleaved pairs\n"
    )
    print_table(rows, list(rows[0]))
    write_json(args.json, "memory", rows, n_samples=n)


if __name__ == "__main__":
    main()
