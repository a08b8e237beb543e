"""scikit-learn's estimator checks on every estimator x penalty, and per solver."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    MLPRegularizedRegressorCV,
)


def _variants():
    common = dict(max_iter=100, random_state=0)
    # L-BFGS assumes a smooth objective; with relu's kinks its path depends on
    # rounding, which the sample-weight check (two fits, rtol=1e-7) sees.
    lbfgs = dict(solver="lbfgs", activation="tanh", **common)
    # On this over-parametrized problem (15 samples, 3,100-3,300 weights) the L1
    # split's L-BFGS-B path magnifies rounding about a thousandfold every ten
    # iterations: fitted with weights and with repeated rows, the predictions
    # agreed to 1e-10 relative after 20 iterations, 8e-7 after 30, and by
    # nothing after 50 (0.4) or 100 (6.1), as when the rows are merely
    # permuted. Twenty iterations already hold weights at zero (2,170 for
    # the classifier, 6 for the regressor), so the check still tests the
    # weighting through the bounds, within its 1e-7; scikit-learn shortens
    # its own MLPRegressor's fit for this check the same way (tol=1e-2).
    lbfgs_l1 = {**lbfgs, "max_iter": 20}
    # The group lasso's proximal L-BFGS magnifies rounding the same way
    # (with weights against repeated rows: 1.5e-6 relative after 100
    # iterations), and after 20 it has not zeroed any weight yet; after 50
    # the check passes with 1,863 of the classifier's 3,300 weights at zero
    # and 8 of the regressor's 3,100.
    lbfgs_group = {**lbfgs, "max_iter": 50}
    for Estimator in (MLPRegularizedClassifier, MLPRegularizedRegressor):
        for penalty in ("l0", "l1", "l2"):
            yield Estimator(penalty=penalty, **common)
        yield Estimator(penalty="l1", solver="sgd", **common)
        yield Estimator(penalty="l2", **lbfgs)
        yield Estimator(penalty="l1", **lbfgs_l1)
        yield Estimator(penalty="l1", penalty_groups="neurons", **lbfgs_group)
        yield Estimator(penalty="l0", **lbfgs)
        # Proximal gradient from a random start can zero every input row at
        # once under the group L0: on the regressor check's data (one
        # informative input) it did from 1 of 4 seeds at (10,) and (20,),
        # from none at (5,).
        yield Estimator(
            penalty="l0", penalty_groups="inputs", hidden_layer_sizes=(5,), **lbfgs
        )
        for penalty in ("l0", "l1"):
            for groups in ("inputs", "neurons"):
                # The regressor check fixes alpha=0.01, at which group L0's
                # price of a 100-unit input row (1.0) is twice the variance
                # of y: the exact optimum is then the constant model.
                hidden = (10,) if penalty == "l0" else (100,)
                yield Estimator(
                    penalty=penalty, penalty_groups=groups,
                    hidden_layer_sizes=hidden, **common,
                )  # fmt: skip
        yield _compacted(Estimator)
    # Small paths keep the checks quick: three alphas, two folds; the grid
    # from a dense fit (alphas an int) runs too. The relaxed variant's final
    # model chains four fits (dense, two alphas, relaxed); at 100 epochs
    # each, rounding grows past the sample-weight check's 1e-7 as it does
    # for one fit of 400 epochs (measured: 1.5e-7 and 5.8e-7 relative), so
    # its fits are shorter.
    for EstimatorCV in (MLPRegularizedClassifierCV, MLPRegularizedRegressorCV):
        yield EstimatorCV(penalty="l1", alphas=[1e-4, 1e-3, 1e-2], cv=2, **common)
        yield EstimatorCV(
            penalty="l1", penalty_groups="inputs", alphas=3, cv=2,
            selection="1se", refit="relaxed", max_iter=50,
            max_iter_per_alpha=20, random_state=0,
        )  # fmt: skip


def _compacted(Estimator):
    """A compacted model, set up for fine-tuning as the user guide shows. The
    checks clone it, so they check that what compact() sets (the pruned
    ``hidden_layer_sizes``) makes an estimator as valid as the original."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] > 0).astype(int)
    est = Estimator(
        hidden_layer_sizes=(20, 10), penalty="l1", penalty_groups="neurons",
        alpha=0.001, learning_rate_init=0.01, max_iter=100, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        compacted = est.fit(X, y).compact()
    assert 2 < sum(compacted.hidden_layer_sizes) < 30
    return compacted.set_params(penalty="l2", penalty_groups="weights", alpha=1e-4)


@parametrize_with_checks(list(_variants()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
