"""Fit time as n_samples grows 10k -> 100k -> 1M: is the cost per sample flat?

Synthetic make_classification, 100 features, hidden (256, 128), adam, batch
200, float32, a fixed number of epochs. Reports time per sample for skreg and
scikit-learn and skreg's spread across sizes.

    python benchmarks/bench_scaling.py [--repeats 3] [--quick]
"""

import statistics
from functools import partial

import numpy as np
from _common import interleaved, parser, print_table, write_json
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skreg import MLPRegularizedClassifier

HIDDEN = (256, 128)
EPOCHS = 2


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    sizes = (2_000, 20_000) if args.quick else (10_000, 100_000, 1_000_000)
    X, y = make_classification(
        n_samples=sizes[-1], n_features=100, n_informative=30, random_state=0
    )
    X = X.astype(np.float32)
    rows = []
    for n in sizes:
        kw = dict(
            hidden_layer_sizes=HIDDEN, batch_size=200, max_iter=EPOCHS, tol=0,
            n_iter_no_change=10**9, random_state=0,
        )  # fmt: skip
        sk, ours = MLPClassifier(**kw), MLPRegularizedClassifier(penalty="l1", **kw)
        t_sk, t_ours, _ = interleaved(
            partial(sk.fit, X[:n], y[:n]), partial(ours.fit, X[:n], y[:n]), args.repeats
        )
        # Absolute times use the fastest of the repeats, the estimate least
        # moved by other load on a shared machine; the ratio is per pair.
        rows.append(
            {
                "n_samples": n,
                "sklearn_us_per_sample": round(1e6 * min(t_sk) / n, 2),
                "skreg_us_per_sample": round(1e6 * min(t_ours) / n, 2),
                "speedup": round(
                    statistics.median(a / b for a, b in zip(t_sk, t_ours, strict=True)),
                    2,
                ),
            }
        )
        print(rows[-1], flush=True)
    per_sample = [r["skreg_us_per_sample"] for r in rows]
    spread = max(per_sample) / min(per_sample) - 1
    print(
        f"\nscaling: {EPOCHS} epochs, adam, l1, batch 200, float32, median of "
        f"{args.repeats} interleaved pairs\n"
    )
    print_table(rows, list(rows[0]))
    print(f"\nskreg time per sample: max/min - 1 = {spread:.1%}")
    write_json(args.json, "scaling", rows, spread=spread)


if __name__ == "__main__":
    main()
