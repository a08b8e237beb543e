"""
==============================================
Tuning alpha and the penalty with GridSearchCV
==============================================

``alpha`` and ``penalty`` are ordinary parameters, so a
:class:`~sklearn.model_selection.GridSearchCV` over a
:class:`~sklearn.pipeline.Pipeline` tunes both. The plot shows the
cross-validated accuracy against alpha for each penalty and marks the model
the search picked.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPRegularizedClassifier

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(),
    MLPRegularizedClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0),
)
alphas = np.logspace(-4, -1, 4)
grid = {
    "mlpregularizedclassifier__alpha": alphas,
    "mlpregularizedclassifier__penalty": ["l0", "l1", "l2"],
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
best = search.best_estimator_[-1]
print(search.best_params_)
print(f"zero weights: {best.sparsity_:.0%}, non-zero: {best.n_nonzero_weights_}")

# %%
results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for penalty in ("l0", "l1", "l2"):
    mask = results["param_mlpregularizedclassifier__penalty"] == penalty
    ax.semilogx(
        np.asarray(results["param_mlpregularizedclassifier__alpha"][mask], float),
        results["mean_test_score"][mask],
        marker="o",
        label=penalty,
    )
ax.scatter(
    search.best_params_["mlpregularizedclassifier__alpha"],
    search.best_score_,
    s=200,
    facecolors="none",
    edgecolors="k",
    label="chosen",
)
ax.set(xlabel="alpha", ylabel="mean CV accuracy", title="GridSearchCV")
ax.legend()
fig.tight_layout()
plt.show()
