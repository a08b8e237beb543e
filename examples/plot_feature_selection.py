"""
===========================================
Feature selection: element-wise vs grouped
===========================================

Five informative features hidden among 45 noise features. An input whose
outgoing weights (its row of ``coefs_[0]``) are all exactly zero no longer
affects the network: it has been dropped.

Element-wise L1 and L0 zero single weights, and stray weights keep many noise
inputs alive. With ``penalty_groups='inputs'`` each row is one group, kept or
dropped as a whole, and the noise inputs drop out over a range of ``alpha``
where the informative ones stay.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = make_classification(
    n_samples=800, n_features=50, n_informative=5, n_redundant=0, n_repeated=0,
    shuffle=False, random_state=0,
)  # fmt: skip
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train_s, X_test_s = scaler.transform(X_train), scaler.transform(X_test)
informative = np.arange(50) < 5  # shuffle=False puts them first
alphas = np.geomspace(1e-3, 3e-2, 7)

# %%
# Inputs kept against alpha
# -------------------------
# One fit per penalty, grouping and alpha; count the informative and the noise
# inputs whose row is not all zero.
variants = {
    "l1, weights": dict(penalty="l1"),
    "l1, inputs": dict(penalty="l1", penalty_groups="inputs"),
    "l0, weights": dict(penalty="l0"),
    "l0, inputs": dict(penalty="l0", penalty_groups="inputs"),
}
kept = {name: [] for name in variants}
for name, params in variants.items():
    for alpha in alphas:
        clf = MLPRegularizedClassifier(
            hidden_layer_sizes=(32,), alpha=alpha, max_iter=200, random_state=0,
            **params,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train_s, y_train)
        used = np.any(clf.coefs_[0] != 0, axis=1)
        kept[name].append((used[informative].sum(), used[~informative].sum()))

fig, (ax_inf, ax_noise) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
for i, (name, counts) in enumerate(kept.items()):
    style = dict(color=f"C{i}", marker="o", label=name)
    ax_inf.plot(alphas, [c[0] for c in counts], **style)
    ax_noise.plot(alphas, [c[1] for c in counts], **style)
ax_inf.set(xscale="log", xlabel="alpha", ylabel="inputs kept",
           title="informative inputs (of 5)")  # fmt: skip
ax_noise.set(xscale="log", xlabel="alpha", title="noise inputs (of 45)")
ax_noise.legend()
fig.tight_layout()
plt.show()

# %%
# Selecting, then refitting, in a pipeline
# ----------------------------------------
# ``feature_importances_`` is the norm of each input's row, exactly 0 for a
# dropped input, so :class:`~sklearn.feature_selection.SelectFromModel` works
# with its default importance getter. For ``penalty='l1'`` its default
# threshold (1e-5) keeps exactly the inputs with a non-zero row. A second,
# lightly penalized network refits on the inputs selected, which undoes the
# shrinkage of the selecting fit.
selector = MLPRegularizedClassifier(
    hidden_layer_sizes=(32,), penalty="l1", penalty_groups="inputs", alpha=1e-2,
    max_iter=200, random_state=0,
)  # fmt: skip
pipe = make_pipeline(
    StandardScaler(),
    SelectFromModel(selector),
    MLPRegularizedClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0),
)
dense = make_pipeline(
    StandardScaler(),
    MLPRegularizedClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
    dense.fit(X_train, y_train)
support = pipe[1].get_support()
print(
    f"selected {support.sum()} inputs: {support[informative].sum()} of 5 "
    f"informative, {support[~informative].sum()} of 45 noise"
)
print(f"test accuracy, select then refit: {pipe.score(X_test, y_test):.3f}")
print(f"test accuracy, all 50 inputs:     {dense.score(X_test, y_test):.3f}")
