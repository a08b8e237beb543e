"""
=============================
Neuron pruning and compaction
=============================

With ``penalty_groups='neurons'`` every row of every weight matrix (the
outgoing weights of an input or a hidden unit) is one group, so the penalty
removes whole units. :meth:`~skreg.MLPRegularizedClassifier.compact` then
returns a smaller network that computes the same function: the units that
no longer connect input to output are gone, and prediction gets faster in
proportion to the multiply-adds removed.

Train big, prune, fine-tune small: ``compact()`` sets ``hidden_layer_sizes``
to the sizes left, so a ``warm_start`` fit continues on the small network.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = make_classification(
    n_samples=24_000, n_features=40, n_informative=15, random_state=0
)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=4000, random_state=0
)
alphas = [1e-4, 3e-4, 1e-3, 2e-3]


def best_time(predict, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(X_test)
        times.append(time.perf_counter() - start)
    return min(times)


# %%
# Prune at increasing alpha, then compact
# ---------------------------------------
rows = []
for alpha in alphas:
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(128, 64), penalty="l1", penalty_groups="neurons",
        alpha=alpha, max_iter=40, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    small = clf.compact()
    same = np.abs(small.predict_proba(X_test) - clf.predict_proba(X_test)).max()
    speedup = best_time(clf.predict_proba) / best_time(small.predict_proba)
    rows.append((alpha, small.hidden_layer_sizes, speedup, clf.score(X_test, y_test)))
    print(
        f"alpha={alpha:g}: hidden units {clf.hidden_layer_sizes} -> "
        f"{small.hidden_layer_sizes}, inputs used {small.n_features_selected_}/40, "
        f"max |proba difference| {same:.1e}, predict {speedup:.1f}x faster, "
        f"test accuracy {rows[-1][3]:.3f}"
    )

fig, (ax_units, ax_speed) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
for layer, full in enumerate((128, 64)):
    ax_units.plot(alphas, [r[1][layer] for r in rows], "o-", label=f"layer {layer + 1}")
    ax_units.axhline(full, color=f"C{layer}", ls=":")
ax_units.set(xscale="log", xlabel="alpha", ylabel="hidden units left",
             title="units left after compact()")  # fmt: skip
ax_units.legend()
ax_speed.plot(alphas, [r[2] for r in rows], "o-", color="C2")
ax_speed.set(xscale="log", xlabel="alpha", ylabel="speed-up",
             title="predict_proba: full time / compacted time")  # fmt: skip
fig.tight_layout()
plt.show()

# %%
# Fine-tune the small network
# ---------------------------
# ``compact()`` set ``hidden_layer_sizes`` to the sizes left, so a warm start
# trains the small network from the pruned weights.
small.set_params(
    warm_start=True, penalty="l2", penalty_groups="weights", alpha=1e-4, max_iter=40
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    small.fit(X_train, y_train)
print(
    f"fine-tuned {small.hidden_layer_sizes}: test accuracy "
    f"{small.score(X_test, y_test):.3f}"
)
