"""Property-based fuzzing: any configuration either fits a usable model or fails
with one of our own clear errors, leaving the previous model bit-identical.

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

from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor

# Every error a user may meet, each naming its cause; anything else (numpy
# internals, ZeroDivisionError, IndexError, an unclear message) is a bug.
CLEAR_ERRORS = [
    r"Training diverged",
    r"Sample weights must contain at least one non-zero number",
    r"does not support penalty=",
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
def configurations(draw):
    classifier = draw(st.booleans())
    n_samples = draw(st.integers(4, 40))
    n_features = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    scale = 10.0 ** draw(st.integers(-30, 30))
    X = rng.standard_normal((n_samples, n_features)) * scale
    # Hypothesis favours small integers: the rare branches sit at the top.
    if draw(st.integers(0, 9)) == 9:
        X[rng.randint(n_samples), rng.randint(n_features)] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf])
        )
    if classifier:
        kind = draw(st.sampled_from(["binary", "multiclass", "multilabel"]))
        if kind == "multilabel":
            y = rng.randint(2, size=(n_samples, 3))
        else:
            y = rng.randint(2 if kind == "binary" else 4, size=n_samples)
    else:
        outputs = draw(st.sampled_from([None, 2]))
        y = rng.standard_normal(n_samples if outputs is None else (n_samples, 2))
        y *= 10.0 ** draw(st.integers(-5, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    X = X.astype(dtype)
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0, 2, n_samples) * (
            rng.uniform(size=n_samples) > 0.3
        )
    penalty = draw(st.sampled_from(["l0", "l1", "l2"]))
    solver = draw(st.sampled_from(["adam", "sgd", "adam", "sgd", "lbfgs"]))
    groups = draw(st.sampled_from(["weights", "inputs", "neurons", "labels"]))
    if groups == "labels":  # one group label per input column
        groups = rng.randint(max(1, X.shape[1] // 2), size=X.shape[1])
    # Invalid pairs (lbfgs with l0 or groups, l2 with groups) are drawn, but
    # rarely: they fail at once, and valid fits are the point.
    if solver == "lbfgs" and draw(st.integers(0, 4)) < 4:
        penalty, groups = draw(st.sampled_from(["l1", "l2"])), "weights"
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
            message = str(error)
            known = [p for p in CLEAR_ERRORS if re.search(p, message)]
            assert known, message
            event(f"clear error: {known[0]}")
            assert _state(est) == before, "a failed fit changed the model"
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
