"""
=======================================================
Choosing alpha: the path, the CV curve and the 1se rule
=======================================================

:class:`~skreg.MLPRegularizedClassifierCV` fits one warm-started
regularization path per fold, from dense to sparse, and scores every alpha on
the held-out fold. Here the group lasso over inputs
(``penalty_groups='inputs'``) selects features among 20, of which the first 4
are informative. The best mean score sits at an alpha that still reads a
dozen inputs; the largest alpha within one standard error of it (``'1se'``)
keeps only the informative four, but its penalty has shrunk their weights,
and it scores worse on held-out data. The relaxed refit keeps that selection
and frees the kept weights of the shrinkage.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifierCV

X, y = make_classification(
    n_samples=600, n_features=20, n_informative=4, n_redundant=0,
    shuffle=False, random_state=0,
)  # fmt: skip
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

params = dict(
    hidden_layer_sizes=(16,), penalty="l1", penalty_groups="inputs",
    alphas=np.geomspace(3e-3, 6e-2, 12), cv=5, random_state=0,
)  # fmt: skip
cv = MLPRegularizedClassifierCV(**params, selection="1se").fit(X_train, y_train)
results = cv.cv_results_
best = cv.alphas_[np.argmax(results["mean_test_score"])]

# %%
# The CV curve with its one-standard-error band, and the inputs each alpha
# keeps (mean over the folds).
fig, (ax_score, ax_inputs) = plt.subplots(1, 2, figsize=(10, 4))
mean, sem = results["mean_test_score"], results["sem_test_score"]
ax_score.plot(cv.alphas_, mean, "o-", label="mean CV accuracy")
ax_score.fill_between(cv.alphas_, mean - sem, mean + sem, alpha=0.3, label="± 1 s.e.")
ax_inputs.plot(cv.alphas_, results["mean_n_features_selected"], "o-", label="inputs")
for ax in (ax_score, ax_inputs):
    ax.axvline(best, color="k", linestyle=":", label=f"best: {best:.3g}")
    ax.axvline(cv.alpha_, color="r", linestyle="--", label=f"1se: {cv.alpha_:.3g}")
    ax.set(xscale="log", xlabel="alpha")
    ax.legend(fontsize=8)
ax_score.set_ylabel("accuracy")
ax_inputs.set_ylabel("inputs used (mean over folds)")
fig.tight_layout()
plt.show()

# %%
# Held-out comparison: the 1se model, and the same support refitted without
# the shrinkage (``refit='relaxed'``).
relaxed = MLPRegularizedClassifierCV(**params, selection="1se", refit="relaxed").fit(
    X_train, y_train
)
at_best = results["mean_n_features_selected"][list(cv.alphas_).index(best)]
print(f"best alpha {best:.3g}: {at_best:.1f} inputs used on average over the folds")
for name, model in (("1se", cv), ("1se, relaxed", relaxed)):
    kept = np.flatnonzero(model.feature_importances_)
    print(
        f"{name:>13}: inputs kept {kept.tolist()}, "
        f"test accuracy {model.score(X_test, y_test):.3f}"
    )
