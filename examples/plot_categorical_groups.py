"""
===================================================
Categorical features: selecting columns by groups
===================================================

A categorical feature enters a network as several one-hot columns. With
``penalty_groups='inputs'`` the group lasso keeps or drops each column on its
own: it selects *levels*, and a feature can be half kept. Giving
``penalty_groups`` one label per column instead makes all the columns of a
feature one group, kept or dropped together.

Eight categorical features with five levels each, of which the first two
decide the class.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

from skreg import MLPRegularizedClassifier

rng = np.random.RandomState(0)
n_features, n_levels = 8, 5
C = rng.randint(n_levels, size=(1500, n_features))
effect = 1.5 * rng.standard_normal((2, n_levels))
logit = effect[0][C[:, 0]] + effect[1][C[:, 1]]
y = (logit + 0.5 * rng.standard_normal(len(C)) > np.median(logit)).astype(int)

encoder = OneHotEncoder(sparse_output=False).fit(C)
X = encoder.transform(C)
# One label per one-hot column: the feature it encodes.
labels = np.repeat(np.arange(n_features), [len(c) for c in encoder.categories_])
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
alphas = np.geomspace(2e-3, 2e-2, 6)

# %%
# Columns kept against alpha
# --------------------------
# For each grouping and alpha, how many columns of each feature keep a
# non-zero row in ``coefs_[0]``.
groupings = {"'inputs'": "inputs", "one label per feature": labels}
kept, scores = {}, {}
for name, groups in groupings.items():
    kept[name], scores[name] = [], []
    for alpha in alphas:
        clf = MLPRegularizedClassifier(
            hidden_layer_sizes=(16,), penalty="l1", penalty_groups=groups,
            alpha=alpha, random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        used = np.any(clf.coefs_[0] != 0, axis=1)
        kept[name].append([used[labels == f].sum() for f in range(n_features)])
        scores[name].append(clf.score(X_test, y_test))

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (name, counts) in zip(axes, kept.items(), strict=True):
    image = ax.imshow(
        np.array(counts).T, cmap="Blues", vmin=0, vmax=n_levels, aspect="auto"
    )
    ax.set(
        title=f"penalty_groups: {name}", xlabel="alpha", ylabel="feature",
        xticks=range(len(alphas)), xticklabels=[f"{a:.3f}" for a in alphas],
    )  # fmt: skip
fig.colorbar(image, ax=axes, label=f"columns kept (of {n_levels})")
plt.show()

# %%
# With one label per feature every row of the right panel is all or nothing:
# the noise features go whole while the two informative ones stay whole.
# Grouped by column, the informative features lose some of their levels
# first, and some noise features keep a level or two.
for name in groupings:
    print(f"{name:>22}: held-out accuracy " + " ".join(
        f"{s:.3f}" for s in scores[name]
    ))  # fmt: skip
