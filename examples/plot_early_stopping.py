"""
==========================================
Loss curves and early stopping per penalty
==========================================

With ``early_stopping=True`` a tenth of the training data is held out; training
stops when its score has not improved for ``n_iter_no_change`` epochs and the
best weights seen are kept. ``loss_curve_`` is the training objective (mean
log-loss plus ``alpha * R(W)``) after each epoch, and ``validation_scores_``
the held-out accuracy.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 4))
for penalty, alpha in {"l2": 1e-3, "l1": 1e-4, "l0": 1e-4}.items():
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(64,), penalty=penalty, alpha=alpha,
        early_stopping=True, n_iter_no_change=5, max_iter=300, random_state=0,
    ).fit(X, y)  # fmt: skip
    label = f"{penalty} (stopped at epoch {clf.n_iter_}, {clf.sparsity_:.0%} zeros)"
    ax_loss.plot(clf.loss_curve_, label=label)
    ax_val.plot(clf.validation_scores_, label=label)
ax_loss.set(xlabel="epoch", ylabel="training objective", yscale="log")
ax_val.set(xlabel="epoch", ylabel="validation accuracy")
ax_loss.legend(fontsize=8)
ax_val.legend(fontsize=8)
fig.tight_layout()
plt.show()
