"""
================================
Feature selection with L1 and L0
================================

Five informative features hidden among 45 noise features. An input whose
outgoing weights are all exactly zero no longer affects the network: it has
been dropped. The bars show the norm of each input's outgoing weights.

L2 keeps every input. L1 drives whole rows of the first weight matrix to zero:
nearly all noise inputs drop out, the informative ones stay, and the test
accuracy improves. L0 removes most individual weights too, but since it does
not shrink the weights it keeps, the survivors stay spread over many inputs:
it makes networks small rather than selecting inputs.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = make_classification(
    n_samples=600, n_features=50, n_informative=5, n_redundant=0,
    shuffle=False, random_state=0,
)  # fmt: skip
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
informative = np.arange(50) < 5  # shuffle=False puts them first

fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
for ax, (penalty, alpha) in zip(
    axes, {"l2": 1e-1, "l1": 3e-2, "l0": 1e-1}.items(), strict=True
):
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(32,), penalty=penalty, alpha=alpha, max_iter=300,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    strength = np.linalg.norm(clf.coefs_[0], axis=1)
    kept = strength > 0
    ax.bar(np.arange(50), strength, color=np.where(informative, "C1", "C0"))
    ax.set_title(
        f"{penalty}, alpha={alpha:g}: inputs kept {kept[informative].sum()}/5 "
        f"informative, {kept[~informative].sum()}/45 noise; "
        f"{clf.sparsity_:.0%} of weights 0; test accuracy "
        f"{clf.score(X_test, y_test):.2f}",
        fontsize=9,
    )
    ax.set_ylabel("outgoing weight norm")
axes[-1].set_xlabel("input feature (orange: informative)")
fig.tight_layout()
plt.show()
