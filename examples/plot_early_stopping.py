"""
==========================================
Loss curves and early stopping per penalty
==========================================

With ``early_stopping=True`` a tenth of the training data is held out; training
stops when its score has not improved for ``n_iter_no_change`` epochs and the
best weights seen are kept. Every fit records, per epoch:

- ``loss_curve_``, the training objective, split into ``data_loss_curve_``
  (the mean log-loss) and ``penalty_curve_`` (``alpha * R(W)``);
- ``sparsity_curve_``, the share of weights exactly zero;
- with early stopping, ``validation_scores_`` (held-out accuracy) and
  ``validation_loss_curve_`` (held-out log-loss).

The final full-batch phase (``polish``) adds its steps at the end of the
training curves; here it is kept only where it does not lower the held-out
score.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
(ax_data, ax_penalty), (ax_sparsity, ax_val) = axes
for penalty, alpha in {"l2": 1e-3, "l1": 1e-4, "l0": 1e-4}.items():
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(64,), penalty=penalty, alpha=alpha,
        early_stopping=True, n_iter_no_change=5, max_iter=300, random_state=0,
    ).fit(X, y)  # fmt: skip
    label = f"{penalty} (stopped at epoch {clf.n_iter_}, {clf.sparsity_:.0%} zeros)"
    (line,) = ax_data.plot(clf.data_loss_curve_, label=f"{label}: training")
    ax_data.plot(
        clf.validation_loss_curve_, linestyle="--", color=line.get_color(),
        label=f"{penalty}: validation",
    )  # fmt: skip
    ax_penalty.plot(clf.penalty_curve_, label=label)
    ax_sparsity.plot(clf.sparsity_curve_, label=label)
    ax_val.plot(clf.validation_scores_, label=label)
ax_data.set(ylabel="data loss (log-loss)", yscale="log")
ax_penalty.set(ylabel="penalty, alpha * R(W)", yscale="log")
ax_sparsity.set(xlabel="epoch", ylabel="share of zero weights")
ax_val.set(xlabel="epoch", ylabel="validation accuracy")
for ax in axes.flat:
    ax.legend(fontsize=7)
fig.tight_layout()
plt.show()
