"""
====================================
Weight histograms: the spike at zero
====================================

The distribution of the first layer's weights after training on the digits
data. L2 gives a bell shape around zero; its only exact zeros are the weights
leaving the three pixels that are constant in this data: they get no gradient,
so Adam's step for them grows until the L2 prox shrinks them to zero. L1 and
L0 put a large share of all weights exactly at zero (the bar in the middle,
counted in each title); L0, which does not shrink the weights it keeps, leaves
a gap around zero.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
settings = {"l2": 1e-2, "l1": 1e-3, "l0": 1e-3}

fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), sharey=True)
for ax, (penalty, alpha) in zip(axes, settings.items(), strict=True):
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(64,), penalty=penalty, alpha=alpha, max_iter=100,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    w = clf.coefs_[0].ravel()
    ax.hist(w, bins=np.linspace(-0.6, 0.6, 61), log=True)
    ax.set_title(f"{penalty}, alpha={alpha:g}: {np.mean(w == 0):.0%} exactly 0")
    ax.set_xlabel("first-layer weight")
axes[0].set_ylabel("count (log scale)")
fig.tight_layout()
plt.show()
