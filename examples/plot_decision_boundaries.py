"""
====================================
Decision boundaries for each penalty
====================================

Two interleaving half moons, one MLP per penalty and alpha. As alpha grows,
L2 smooths the boundary; L1 and L0 also remove connections, and the title of
each panel counts the weights left.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from skreg import MLPRegularizedClassifier

X, y = make_moons(n_samples=300, noise=0.25, random_state=0)
xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
alphas = {"l2": [1e-3, 1e-1, 1.0], "l1": [1e-3, 1e-2, 3e-2], "l0": [1e-3, 1e-2, 3e-2]}

fig, axes = plt.subplots(3, 3, figsize=(10, 9), sharex=True, sharey=True)
for row, (penalty, values) in zip(axes, alphas.items(), strict=True):
    for ax, alpha in zip(row, values, strict=True):
        clf = MLPRegularizedClassifier(
            hidden_layer_sizes=(20, 20), penalty=penalty, alpha=alpha,
            solver="adam", learning_rate_init=0.01, max_iter=500, random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
        # Fixed levels: a near-constant model must look constant.
        ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 21), cmap="RdBu", alpha=0.7)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", edgecolors="k", s=12)
        total = sum(W.size for W in clf.coefs_)
        ax.set_title(
            f"{penalty}, alpha={alpha:g}\n{clf.n_nonzero_weights_}/{total} weights",
            fontsize=9,
        )
fig.tight_layout()
plt.show()
