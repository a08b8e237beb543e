"""Property-based fuzzing: any configuration of an estimator or a CV search
either fits a usable model or fails with a clear error naming its cause,
leaving the previous model bit-identical.

The default profile runs a bounded number of examples so that CI stays quick.
A long campaign, with counts by outcome::

    SKREG_FUZZ_EXAMPLES=3000 python -m pytest tests/test_fuzz.py \
        --hypothesis-show-statistics
"""

import copy
import os
import pickle
import re
import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    MLPRegularizedRegressorCV,
)

# Every error a user may meet, each naming its cause; anything else (numpy
# internals, ZeroDivisionError, IndexError, an unclear message) is a bug.
CLEAR_ERRORS = [
    r"Training diverged",
    r"Sample weights must contain at least one non-zero number",
    r"is separable: grouping its weights changes nothing",
    r"The validation set is too small for early_stopping",
    r"early_stopping's random split left the",
    r"whose squares overflow",
    r"is so large that the penalty of the initial weights",
    r"Input (X )?contains (NaN|infinity)",
    r"Cannot continue training a network",
    r"warm_start can only be used where `y` has the same classes",
    r"features, but \w+ is expecting",
    r"`y` has classes not in `self.classes_`",
    r"partial_fit does not support early_stopping",
    r"early_stopping could not split off a validation set",
]

EXAMPLES = int(os.environ.get("SKREG_FUZZ_EXAMPLES", "100"))


@st.composite
def datasets(draw, max_scale, non_finite, outputs):
    """``(classifier, seed, rng, X, y, sample_weight)``: small data of random
    scale (10**-max_scale to 10**max_scale), rarely with one of the
    ``non_finite`` values, binary, multiclass, multilabel or regression
    targets (with one of ``outputs``), dense or sparse, and weights with
    some, most or no zeros."""
    classifier = draw(st.booleans())
    n_samples = draw(st.integers(4, 40))
    n_features = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features))
    X *= 10.0 ** draw(st.integers(-max_scale, max_scale))
    # Hypothesis favours small integers: the rare branches sit at the top.
    if draw(st.integers(0, 9)) == 9:
        X[rng.randint(n_samples), rng.randint(n_features)] = draw(
            st.sampled_from(non_finite)
        )
    if classifier:
        kind = draw(st.sampled_from(["binary", "multiclass", "multilabel"]))
        if kind == "multilabel":
            y = rng.randint(2, size=(n_samples, 3))
        else:
            y = rng.randint(2 if kind == "binary" else 4, size=n_samples)
    else:
        n_outputs = draw(st.sampled_from(outputs))
        y = rng.standard_normal(n_samples if n_outputs is None else (n_samples, 2))
        y *= 10.0 ** draw(st.integers(-5, 5))
    X = X.astype(draw(st.sampled_from([np.float32, np.float64])))
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0, 2, n_samples) * (
            rng.uniform(size=n_samples) > draw(st.sampled_from([0.3, 0.0, 0.8]))
        )
    return classifier, seed, rng, X, y, sample_weight


@st.composite
def configurations(draw):
    classifier, seed, rng, X, y, sample_weight = draw(
        datasets(30, [np.nan, np.inf, -np.inf], outputs=[None, 2])
    )
    n_samples = X.shape[0]
    penalty = draw(st.sampled_from(["l0", "l1", "l2"]))
    solver = draw(st.sampled_from(["adam", "sgd", "adam", "sgd", "lbfgs"]))
    groups = draw(st.sampled_from(["weights", "inputs", "neurons", "labels"]))
    if groups == "labels":  # one group label per input column
        groups = rng.randint(max(1, X.shape[1] // 2), size=X.shape[1])
    # The invalid pair (l2 with groups) is drawn, but rarely: it fails at
    # once, and valid fits are the point.
    if penalty == "l2" and draw(st.integers(0, 4)) < 4:
        groups = "weights"
    batch = draw(st.one_of(st.just("auto"), st.integers(1, n_samples + 5)))
    params = dict(
        hidden_layer_sizes=draw(
            st.lists(st.integers(1, 8), min_size=0, max_size=2).map(tuple)
        ),
        activation=draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
        penalty=penalty,
        penalty_groups=groups,
        solver=solver,
        alpha=10.0 ** draw(st.integers(-6, 2)),
        learning_rate_init=10.0 ** draw(st.floats(-4, 1)),
        batch_size=batch,
        max_iter=draw(st.integers(1, 15)),
        early_stopping=draw(st.booleans()),
        momentum=draw(st.sampled_from([0.0, 0.5, 0.9])),
        warm_start=draw(st.integers(0, 4)) == 4,
        random_state=seed,
    )
    Estimator = MLPRegularizedClassifier if classifier else MLPRegularizedRegressor
    # partial_fit continues the base model, on labels it may not have seen.
    method = "fit"
    if solver != "lbfgs" and draw(st.integers(0, 2)) == 2:
        method = "partial_fit"
        if classifier and y.ndim == 1 and draw(st.booleans()):
            y = np.where(y == 0, 9, y)
    return Estimator, params, X, y, sample_weight, method


def _base_model(Estimator, X, y, hidden):
    """A healthy model to start from, on standardized data of X's shape."""
    rng = np.random.RandomState(0)
    X0 = rng.standard_normal(X.shape).astype(X.dtype)
    est = Estimator(hidden_layer_sizes=hidden, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X0, y)


def _assert_clear_and_harmless(error, patterns, est, before):
    """``error`` names its cause (one of ``patterns``), and the failed fit
    left ``est`` as it was (``before``, its :func:`_state`)."""
    message = str(error)
    known = [p for p in patterns if re.search(p, message)]
    assert known, message
    event(f"clear error: {known[0]}")
    assert _state(est) == before, "a failed fit changed the model"


def _state(est):
    """Each attribute's pickle: equal means bit-identical."""
    return {k: pickle.dumps(v) for k, v in vars(est).items()}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # CI runs the same examples each time; a campaign explores.
    derandomize=EXAMPLES <= 100,
)
@given(configurations())
def test_fit_gives_a_usable_model_or_a_clear_error(config):
    Estimator, params, X, y, sample_weight, method = config
    # Mostly the same architecture, so warm starts and partial_fit continue.
    hidden = params["hidden_layer_sizes"] if params["random_state"] % 4 else (3,)
    est = _base_model(Estimator, X, np.where(y == 9, 0, y), hidden)
    est.set_params(**params)
    before = _state(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(est, method)(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as error:
            _assert_clear_and_harmless(error, CLEAR_ERRORS, est, before)
            return
        predictions = est.predict(X)
    event("fitted" + (" (kept the best validated weights)" if est.diverged_ else ""))
    assert predictions.shape == np.shape(y)
    if Estimator is MLPRegularizedRegressor:
        assert predictions.dtype == X.dtype
        assert np.all(np.isfinite(predictions))
    else:
        proba = est.predict_proba(X)
        assert proba.shape[0] == X.shape[0]
        assert np.all(np.isfinite(proba))
        assert np.isin(predictions, est.classes_).all() or y.ndim == 2
    copy.deepcopy(est)  # a fitted model must stay copyable
    _assert_compaction_keeps_the_outputs(est, X)


def _assert_compaction_keeps_the_outputs(est, X):
    """compact() removes units whatever the activation, the penalty or the
    weights' scale, with the same outputs up to rounding, and leaves ``est``
    alone."""
    before = _state(est)
    small = est.compact()
    assert _state(est) == before
    output = (
        "predict" if isinstance(est, MLPRegularizedRegressor) else "decision_function"
    )
    expected, got = getattr(est, output)(X), getattr(small, output)(X)
    assert got.dtype == expected.dtype
    tol = 1e-4 if expected.dtype == np.float32 else 1e-10
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale)
    assert all(
        a <= b
        for a, b in zip(small.hidden_layer_sizes, est.hidden_layer_sizes, strict=True)
    )


# The searches' own errors, and scikit-learn's splitters and scorers refusing
# data they cannot handle, each naming its cause.
CLEAR_CV_ERRORS = CLEAR_ERRORS + [
    r"sample_weight sums to zero on the (training|test) part of fold",
    r"Cannot have number of (splits|folds)",
    r"n_splits=\d+ cannot be greater than the number of members in each class",
    r"The 'groups' parameter should not be None",
    r"alphas must be finite, non-negative and not empty",
    r"The scorer (gave non-finite scores|failed) on fold",
]


@st.composite
def searches(draw):
    classifier, seed, rng, X, y, sample_weight = draw(
        datasets(5, [np.nan], outputs=[None])
    )
    n_splits = draw(st.integers(2, 4))
    kinds = ["int", "kfold", "group"]
    if classifier and y.ndim == 1:
        kinds.append("stratified")
    cv_kind = draw(st.sampled_from(kinds))
    groups = None
    if cv_kind == "int":
        cv = n_splits
    elif cv_kind == "kfold":
        shuffle = draw(st.booleans())
        cv = KFold(n_splits, shuffle=shuffle, random_state=seed if shuffle else None)
    elif cv_kind == "stratified":
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    else:
        cv = GroupKFold(n_splits)
        groups = rng.randint(draw(st.integers(1, 6)), size=X.shape[0])
    penalty = draw(st.sampled_from(["l0", "l1", "l1", "l2"]))
    solver = draw(st.sampled_from(["adam", "sgd", "lbfgs"]))
    penalty_groups = "weights"
    if penalty != "l2":
        penalty_groups = draw(st.sampled_from(["weights", "inputs", "neurons"]))
    scorings = [None, "neg_mean_squared_error"]
    if classifier and y.ndim == 1:
        scorings += [
            "balanced_accuracy", "neg_log_loss", "f1_macro", "neg_brier_score",
            "roc_auc_ovr",
        ]  # fmt: skip
    alphas = draw(
        st.one_of(
            st.integers(1, 4),
            st.lists(st.floats(1e-6, 10.0, allow_nan=False), min_size=1, max_size=3),
        )
    )
    params = dict(
        hidden_layer_sizes=draw(
            st.lists(st.integers(1, 6), min_size=0, max_size=2).map(tuple)
        ),
        penalty=penalty,
        penalty_groups=penalty_groups,
        solver=solver,
        alphas=alphas,
        max_iter=draw(st.integers(1, 10)),
        max_iter_per_alpha=draw(st.sampled_from([None, 1, 3])),
        early_stopping=draw(st.integers(0, 4)) == 4,
        selection=draw(st.sampled_from(["best", "1se"])),
        refit=draw(st.sampled_from([True, "relaxed"])),
        scoring=draw(st.sampled_from(scorings)),
        cv=cv,
        random_state=seed,
    )
    Estimator = MLPRegularizedClassifierCV if classifier else MLPRegularizedRegressorCV
    return Estimator, params, X, y, sample_weight, groups


@settings(
    max_examples=max(EXAMPLES // 2, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 100,
)
@given(searches())
def test_a_search_gives_a_usable_model_or_a_clear_error(search):
    """The CV estimators over random splitters, weights, grids and scorers.
    A failed search keeps the previous search's model."""
    Estimator, params, X, y, sample_weight, groups = search
    est = Estimator(hidden_layer_sizes=(2,), alphas=2, max_iter=2, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(np.random.RandomState(0).standard_normal((8, 2)), np.arange(8) % 2)
        est.set_params(**params)
        before = _state(est)
        try:
            est.fit(X, y, sample_weight=sample_weight, groups=groups)
        except ValueError as error:
            _assert_clear_and_harmless(error, CLEAR_CV_ERRORS, est, before)
            return
        predictions = est.predict(X)
    event("fitted")
    assert est.alpha_ in est.alphas_
    n_alphas = len(est.alphas_)
    for key, values in est.cv_results_.items():
        assert len(values) == n_alphas, key
    assert np.isfinite(est.cv_results_["mean_n_nonzero_weights"]).all()
    assert predictions.shape == np.shape(y)
    if Estimator is MLPRegularizedRegressorCV:
        assert np.all(np.isfinite(predictions))
    else:
        assert np.all(np.isfinite(est.predict_proba(X)))
    copy.deepcopy(est)
