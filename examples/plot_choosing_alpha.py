"""
=======================================================
Choosing alpha: the path, the CV curve and the 1se rule
=======================================================

:func:`~skreg.regularization_path` fits one network along increasing alphas,
each warm-started from the last, and
:class:`~skreg.RegularizationPathDisplay` plots what it keeps.
:class:`~skreg.MLPRegularizedClassifierCV` fits such a path per fold and
scores every alpha on the held-out fold. Here the group lasso over inputs
(``penalty_groups='inputs'``) selects features among 20, of which the first 4
are informative.

Scored on the penalized weights, the sparse supports look worse than they
are: the penalty that drops the noise inputs also shrinks the informative
ones. With ``refit='relaxed'`` every alpha is scored by its relaxed refit
(the kept weights refitted without that shrinkage), so the one-standard-error
rule chooses among the models it will actually return.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    RegularizationPathDisplay,
)

X, y = make_classification(
    n_samples=600, n_features=20, n_informative=4, n_redundant=0,
    shuffle=False, random_state=0,
)  # fmt: skip
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
alphas = np.geomspace(3e-3, 6e-2, 12)
network = dict(
    hidden_layer_sizes=(16,), penalty="l1", penalty_groups="inputs", random_state=0
)

# %%
# The path on the training data, scored on the test data: inputs drop out as
# alpha grows, and the accuracy holds until informative ones go.
display = RegularizationPathDisplay.from_estimator(
    MLPRegularizedClassifier(**network), X_train, y_train, alphas=alphas,
    X_val=X_test, y_val=y_test,
)  # fmt: skip
plt.show()

# %%
# The CV curves with their one-standard-error bands, folds scored on the
# penalized weights (``refit=True``) and on the relaxed refits.
fits = {
    refit: MLPRegularizedClassifierCV(
        **network, alphas=alphas, cv=5, selection="1se", refit=refit
    ).fit(X_train, y_train)
    for refit in (True, "relaxed")
}
fig, ax = plt.subplots(figsize=(6, 4))
for (refit, cv), color in zip(fits.items(), ("C0", "C1"), strict=True):
    name = "relaxed refits" if refit == "relaxed" else "penalized weights"
    mean, sem = cv.cv_results_["mean_test_score"], cv.cv_results_["sem_test_score"]
    ax.plot(alphas, mean, "o-", color=color, label=f"scored on {name}")
    ax.fill_between(alphas, mean - sem, mean + sem, color=color, alpha=0.2)
    ax.axvline(cv.alpha_, color=color, linestyle="--", label=f"1se: {cv.alpha_:.3g}")
ax.set(xscale="log", xlabel="alpha", ylabel="mean CV accuracy (± 1 s.e.)")
ax.xaxis.set_minor_formatter(NullFormatter())
ax.legend(fontsize=8)
plt.show()

# %%
# The relaxed search's curve as the display draws it from ``cv_results_``
# alone (no fit): the inputs and weights its folds kept, on average, and the
# band the '1se' rule reads, with the alpha it chose.
RegularizationPathDisplay.from_cv_estimator(fits["relaxed"])
plt.show()

# %%
# Held-out comparison of the two choices.
for refit, cv in fits.items():
    kept = np.flatnonzero(cv.feature_importances_)
    print(
        f"refit={refit!r:>9}: alpha {cv.alpha_:.3g}, inputs kept {kept.tolist()}, "
        f"test accuracy {cv.score(X_test, y_test):.3f}"
    )
