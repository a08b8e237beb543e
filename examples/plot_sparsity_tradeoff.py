"""
=================================================
Sparsity against accuracy: L0, L1 and L2 by alpha
=================================================

For each penalty, fit an MLP on the breast cancer data at a range of ``alpha``
and plot the test accuracy and the share of connection weights that are
exactly zero. L2 shrinks weights but never zeroes them; L1 and L0 prune a large
share of the network before accuracy drops.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
alphas = np.logspace(-5, -1, 9)

# %%
# Fit one model per penalty and alpha.
results = {}
for penalty in ("l2", "l1", "l0"):
    scores, zeros = [], []
    for alpha in alphas:
        model = make_pipeline(
            StandardScaler(),
            MLPRegularizedClassifier(
                hidden_layer_sizes=(32,), penalty=penalty, alpha=alpha,
                random_state=0,
            ),
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        scores.append(model.score(X_test, y_test))
        zeros.append(model[-1].sparsity_)
    results[penalty] = scores, zeros

# %%
# Accuracy holds while L1 and L0 remove most weights.
fig, (ax_score, ax_zero) = plt.subplots(1, 2, figsize=(10, 4))
for penalty, (scores, zeros) in results.items():
    ax_score.semilogx(alphas, scores, marker="o", label=penalty)
    ax_zero.semilogx(alphas, zeros, marker="o", label=penalty)
ax_score.set(xlabel="alpha", ylabel="test accuracy", title="Accuracy")
ax_zero.set(xlabel="alpha", ylabel="share of weights exactly 0", title="Sparsity")
ax_zero.legend()
fig.tight_layout()
plt.show()
