"""The warm-started regularization path."""

import re
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    get_scorer,
    log_loss,
    make_scorer,
)
from sklearn.model_selection import GroupKFold, KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skreg._path as _path_module
from skreg import (
    MLPRegularizedClassifier,
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressor,
    MLPRegularizedRegressorCV,
    regularization_path,
)
from skreg._path import (
    _collected_convergence_warnings,
    _data_loss,
    _null_loss,
    _relaxed_fit,
    _told_classes,
    _training_data,
)

X, y = make_classification(
    n_samples=300, n_features=10, n_informative=3, n_redundant=0, random_state=0
)
X = StandardScaler().fit_transform(X)
ALPHAS = np.geomspace(1e-3, 3e-2, 5)


def _l1(**params):
    defaults = dict(
        hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs", random_state=0
    )
    return MLPRegularizedClassifier(**{**defaults, **params})


def test_sparsity_grows_along_the_path():
    """Inputs drop out monotonically. The weight count may rise a little from
    one alpha to the next: L-BFGS on a non-convex objective can land on a
    nearby optimum with a few more weights (on one machine 52 -> 55 of 96,
    where another's BLAS gave a monotone path), but never by a tenth."""
    path = regularization_path(_l1(), X, y, alphas=ALPHAS[::-1])
    assert_allclose(path.alphas, ALPHAS)  # sorted increasing
    nnz = path.n_nonzero_weights
    assert np.all(nnz[1:] <= 1.1 * nnz[:-1])
    assert np.all(nnz[2:] < nnz[0])
    assert np.all(np.diff(path.n_features_selected) <= 0)
    assert path.n_nonzero_weights[0] > 2 * path.n_nonzero_weights[-1]


def test_path_records_each_alphas_fitted_estimator():
    estimator = _l1(max_iter=150)
    path = regularization_path(estimator, X, y, alphas=ALPHAS[:3])
    data = _training_data(path.estimators[0], X, y, None)
    for i, fitted in enumerate(path.estimators):
        assert fitted.get_params() == {**estimator.get_params(), "alpha": ALPHAS[i]}
        assert fitted.n_nonzero_weights_ == path.n_nonzero_weights[i]
        assert fitted.n_features_selected_ == path.n_features_selected[i]
        assert fitted.n_active_units_ == path.n_active_units[i]
        assert not hasattr(fitted, "_optimizer")
        # lbfgs's loss_ is the exact objective.
        assert path.data_loss[i] + path.penalty[i] == pytest.approx(fitted.loss_)
        assert _data_loss(fitted, *data) == pytest.approx(path.data_loss[i])
    assert not hasattr(estimator, "coefs_")  # cloned, not fitted in place
    # Each snapshot has its own weights.
    assert path.estimators[0].coefs_[0] is not path.estimators[1].coefs_[0]


def test_path_stops_once_no_input_is_used():
    path = regularization_path(_l1(), X, y, alphas=[1e-3, 10.0, 20.0, 40.0])
    assert path.stopped_early
    assert_allclose(path.alphas, [1e-3, 10.0])
    assert path.n_features_selected[-1] == 0
    proba = path.estimators[-1].predict_proba(X)
    assert_allclose(proba, proba[:1].repeat(len(X), axis=0))
    # The all-zero network is the best constant prediction, for the penalty
    # leaves the output intercept free.
    fitted = path.estimators[-1]
    _, Y, sw = _training_data(fitted, X, y, None)
    assert path.data_loss[-1] == pytest.approx(_null_loss(fitted, Y, sw), rel=1e-4)


@pytest.mark.parametrize("learning_rate_init", [1e-3, 1e-2])
def test_warm_starts_take_fewer_epochs_than_fresh_fits(learning_rate_init):
    """Each alpha after the first starts near its solution, so the stopping
    rule ends it sooner (measured at the default budget: 309 epochs against
    832, and 208 against 491; 312 against 832 with the full max_iter per
    alpha). Only where the fresh fits stop by the rule, not at max_iter."""
    estimator = _l1(solver="adam", tol=1e-3, learning_rate_init=learning_rate_init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = regularization_path(estimator, X, y, alphas=ALPHAS)
        fresh = [clone(estimator).set_params(alpha=a).fit(X, y) for a in ALPHAS]
    assert path.n_iter[0] == fresh[0].n_iter_  # the same first fit
    assert path.n_iter.sum() < 0.7 * sum(f.n_iter_ for f in fresh)


def test_max_iter_per_alpha_caps_every_alpha_after_the_first():
    path = regularization_path(
        _l1(solver="adam"), X, y, alphas=ALPHAS, max_iter_per_alpha=3
    )
    assert path.n_iter[0] > 3
    assert np.all(path.n_iter[1:] <= 3)


def test_a_cv_estimators_path_is_its_base_estimators():
    cv = MLPRegularizedClassifierCV(
        hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs", random_state=0,
        alphas=[1.0], cv=7, selection="1se",
    )  # fmt: skip
    path = regularization_path(cv, X, y, alphas=ALPHAS[:3])
    expected = regularization_path(_l1(), X, y, alphas=ALPHAS[:3])
    assert all(type(e) is MLPRegularizedClassifier for e in path.estimators)
    assert_allclose(path.data_loss, expected.data_loss)
    assert_array_equal(path.n_nonzero_weights, expected.n_nonzero_weights)
    assert not hasattr(cv, "alpha_")


@pytest.mark.parametrize(
    "estimator, says",
    [
        (make_pipeline(StandardScaler(), _l1()), r"pipe\[:-1\]\.fit_transform"),
        (LogisticRegression(), "got LogisticRegression"),
    ],
)
def test_the_path_refuses_other_estimators_saying_what_to_pass(estimator, says):
    with pytest.raises(TypeError, match=says):
        regularization_path(estimator, X, y, alphas=ALPHAS[:2])


@pytest.mark.parametrize("penalty", ["l1", "l0", "l2"])
def test_default_grid_spans_dense_to_the_documented_end(penalty):
    Xr, yr = make_regression(200, 6, n_informative=3, noise=5, random_state=0)
    yr = (yr - yr.mean()) / yr.std()
    estimator = MLPRegularizedRegressor(
        hidden_layer_sizes=(6,), penalty=penalty, max_iter=100,
        solver="adam" if penalty == "l0" else "lbfgs", random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = regularization_path(estimator, Xr, yr, alphas=6, eps=1e-3)
        dense = estimator.set_params(alpha=0.0).fit(Xr, yr)
    ratios = path.alphas[1:] / path.alphas[:-1]
    assert_allclose(ratios, ratios[0], rtol=1e-2)  # geometric, 3 digits
    # The first alpha's penalty is about eps of the dense fit's gain: the
    # dense solution nearly untouched.
    _, Y, sw = _training_data(dense, Xr, yr, None)
    gain = _null_loss(dense, Y, sw) - _data_loss(
        dense, *_training_data(dense, Xr, yr, None)
    )
    assert path.penalty[0] < 2e-3 * gain
    assert path.n_features_selected[0] == 6
    if penalty == "l0":
        # It ends where one weight costs the whole gain: zero is optimal.
        # It ends where one weight costs the whole gain, so that the all-zero
        # network beats whatever the path found there.
        if not path.stopped_early:
            assert path.alphas[-1] == pytest.approx(gain, rel=1e-2)  # 3 digits
        assert _null_loss(dense, Y, sw) <= path.data_loss[-1] + path.penalty[-1]
    if penalty == "l2":
        assert len(path.alphas) == 6 and not path.stopped_early


@pytest.mark.parametrize("alphas", [[], [-1.0, 1.0], [np.nan]])
def test_bad_alphas_are_refused(alphas):
    with pytest.raises(ValueError, match="alphas must be"):
        regularization_path(_l1(), X, y, alphas=alphas)


def test_a_dense_fit_that_learns_nothing_scales_the_grid_by_the_constant():
    with pytest.warns(UserWarning, match="did not improve on a constant"):
        path = regularization_path(_l1(), np.zeros_like(X), y, alphas=4)
    # No input carries information: the grid is still geometric and usable.
    assert np.all(np.diff(path.alphas) > 0)
    assert np.all(np.isfinite(path.data_loss))


# Cross-validated estimators ----------------------------------------------------

CV_ALPHAS = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]


def _cv(**params):
    defaults = dict(
        hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs", alphas=CV_ALPHAS,
        cv=KFold(3), random_state=0,
    )  # fmt: skip
    return MLPRegularizedClassifierCV(**{**defaults, **params})


def test_cv_scores_are_the_fold_paths_scores():
    cv = _cv().fit(X, y)
    assert_allclose(cv.alphas_, CV_ALPHAS)
    for k, (train, test) in enumerate(KFold(3).split(X, y)):
        path = regularization_path(_l1(), X[train], y[train], alphas=CV_ALPHAS)
        scores = [fitted.score(X[test], y[test]) for fitted in path.estimators]
        assert_allclose(cv.cv_results_[f"split{k}_test_score"], scores)
        assert_allclose(
            cv.cv_results_[f"split{k}_n_features_selected"], path.n_features_selected
        )
    table = np.array([cv.cv_results_[f"split{k}_test_score"] for k in range(3)])
    assert_allclose(cv.cv_results_["mean_test_score"], table.mean(axis=0))
    assert_allclose(
        cv.cv_results_["sem_test_score"], table.std(axis=0, ddof=1) / np.sqrt(3)
    )


def test_best_takes_the_top_mean_and_1se_the_largest_alpha_within_one_se():
    best = _cv(selection="best").fit(X, y)
    one_se = _cv(selection="1se").fit(X, y)
    mean = best.cv_results_["mean_test_score"]
    sem = best.cv_results_["sem_test_score"]
    top = np.argmax(mean)
    assert best.alpha_ == CV_ALPHAS[top]
    within = [
        a for a, m in zip(CV_ALPHAS, mean, strict=True) if m >= mean[top] - sem[top]
    ]
    assert one_se.alpha_ == max(within)
    assert one_se.alpha_ >= best.alpha_
    assert one_se.n_nonzero_weights_ <= best.n_nonzero_weights_


def test_cv_refit_is_the_path_on_all_data_up_to_alpha():
    cv = _cv().fit(X, y)
    chosen = [a for a in CV_ALPHAS if a <= cv.alpha_]
    path = regularization_path(_l1(), X, y, alphas=chosen)
    for ours, theirs in zip(cv.coefs_, path.estimators[-1].coefs_, strict=True):
        assert_allclose(ours, theirs)
    assert_allclose(cv.predict_proba(X), path.estimators[-1].predict_proba(X))
    assert cv.n_features_in_ == X.shape[1] and list(cv.classes_) == [0, 1]


def test_relaxed_refit_keeps_the_zeros_and_undoes_the_shrinkage():
    # At 1e-2 the 23 weights kept can still touch all 10 inputs, depending
    # on the machine's rounding; at 1.5e-2 two inputs drop out.
    sparse = _cv(alphas=[1.5e-2]).fit(X, y)
    relaxed = _cv(alphas=[1.5e-2], refit="relaxed").fit(X, y)
    for S, R in zip(sparse.coefs_, relaxed.coefs_, strict=True):
        assert not np.any(R[S == 0])  # zeros held at zero
    assert relaxed.n_features_selected_ == sparse.n_features_selected_ < 10
    # Free of the l1 penalty the kept weights fit the data better.
    data = _training_data(_l1().fit(X, y), X, y, None)
    assert _data_loss(relaxed, *data) < 0.5 * _data_loss(sparse, *data)
    assert relaxed.penalty == "l1"  # the parameters stay the user's


def test_relaxed_cv_scores_each_alpha_by_its_relaxed_refit():
    relaxed = _cv(refit="relaxed").fit(X, y)
    for k, (train, test) in enumerate(KFold(3).split(X, y)):
        path = regularization_path(_l1(), X[train], y[train], alphas=CV_ALPHAS)
        scores = [
            _relaxed_fit(fitted, X[train], y[train], None, 200).score(X[test], y[test])
            for fitted in path.estimators
        ]
        assert_allclose(relaxed.cv_results_[f"split{k}_test_score"], scores)


def _selection_problem(seed):
    """5 informative inputs of 50 among 3 clusters per class, columns permuted."""
    X, y = make_classification(
        n_samples=1500, n_features=50, n_informative=5, n_redundant=0,
        n_clusters_per_class=3, shuffle=False, random_state=seed,
    )  # fmt: skip
    permutation = np.random.RandomState(seed).permutation(50)
    return X[:, permutation], y, np.flatnonzero(permutation < 5)


def test_1se_relaxed_cv_recovers_the_informative_inputs():
    # LassoNetClassifierCV scores 0.76 held out here and keeps 7 to 44
    # inputs. With lr=3e-3 the 1,050 training rows give the path enough steps
    # per alpha (at 1e-3 the sparse end is reached on 3 of 5 seeds).
    f1s = []
    for seed in range(3):
        X, y, informative = _selection_problem(seed)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(X_train)
        cv = MLPRegularizedClassifierCV(
            hidden_layer_sizes=(32,), penalty="l1", penalty_groups="inputs",
            learning_rate_init=3e-3, selection="1se", refit="relaxed",
            random_state=seed,
        ).fit(scaler.transform(X_train), y_train)  # fmt: skip
        kept = np.flatnonzero(np.any(cv.coefs_[0], axis=1))
        f1s.append(
            f1_score(np.isin(np.arange(50), informative), np.isin(np.arange(50), kept))
        )
        assert cv.score(scaler.transform(X_test), y_test) > 0.76
    # (measured: F1 1.0 on seeds 0-4; held-out 0.856-0.909)
    assert np.mean(f1s) >= 0.8


def test_alphas_past_a_folds_early_stop_score_as_the_constant_model():
    cv = _cv(alphas=[1e-3, 20.0, 40.0]).fit(X, y)
    for k in range(3):
        scores = cv.cv_results_[f"split{k}_test_score"]
        assert scores[2] == scores[1]
        assert cv.cv_results_[f"split{k}_n_features_selected"][2] == 0
    assert cv.alpha_ == 1e-3


def test_cv_folds_in_parallel_give_the_same_fit():
    serial = _cv(alphas=CV_ALPHAS[:3]).fit(X, y)
    parallel = _cv(alphas=CV_ALPHAS[:3], n_jobs=2).fit(X, y)
    assert_allclose(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert_allclose(serial.coefs_[0], parallel.coefs_[0])


@pytest.mark.parametrize("backend", ["sequential", "loky", "threading"])
def test_the_folds_convergence_warnings_come_once(backend):
    """One warning for the grid's dense fit and every fold's path, not one
    per fit; from worker processes too, whose own warnings never reach
    the caller, and from threads."""
    cv = _cv(alphas=3, solver="adam", max_iter=3, n_jobs=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with parallel_config(backend=backend):
            cv.fit(X, y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1, [str(w.message) for w in convergence]
    message = str(convergence[0].message)
    assert "Maximum iterations (3) reached" in message
    assert "the dense fit on all the data" in message
    assert "the first fit of 3 of the 3 folds' paths" in message
    assert convergence[0].filename == __file__


def test_only_a_paths_first_fit_warns_and_its_snapshots_warn_again():
    """The alphas after the first are budgets: silent. A snapshot fitted
    further is a fit of its own."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = regularization_path(
            _l1(solver="adam", max_iter=3), X, y, alphas=ALPHAS[:3]
        )
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        path.estimators[-1].fit(X, y)


def test_the_relaxed_refits_of_the_folds_are_silent_the_final_one_warns():
    cv = _cv(alphas=CV_ALPHAS[:2], solver="adam", max_iter=3, refit="relaxed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv.fit(X, y)
    messages = [str(w.message) for w in caught]
    # The folds' summary, the final path's first fit, the final relaxed refit.
    assert len(messages) == 3, messages
    assert sum("the first fit of 3 of the 3 folds' paths" in m for m in messages) == 1


def test_the_callers_warning_filters_still_rule_the_folds():
    cv = _cv(alphas=CV_ALPHAS[:2], solver="adam", max_iter=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv.fit(X, y)
    assert not caught
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="Maximum iterations"):
            clone(cv).fit(X, y)


def test_other_warnings_of_a_fold_pass_through():
    messages = []
    with pytest.warns(UserWarning, match="not a convergence"):
        with _collected_convergence_warnings(messages):
            warnings.warn("not a convergence warning", UserWarning, stacklevel=1)
            warnings.warn("budget reached", ConvergenceWarning, stacklevel=1)
    assert messages == ["budget reached"]


def test_group_cv_splits_on_the_groups_passed_to_fit():
    """``groups`` reach a group-aware cv's split, as GridSearchCV sends them,
    with metadata routing or without."""
    groups = np.arange(len(y)) % 10
    splits = list(GroupKFold(3).split(X, y, groups))
    expected = _cv(alphas=CV_ALPHAS[:3], cv=splits).fit(X, y)
    for routing in (False, True):
        with config_context(enable_metadata_routing=routing):
            grouped = _cv(alphas=CV_ALPHAS[:3], cv=GroupKFold(3))
            grouped.fit(X, y, groups=groups)
        for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
            assert_array_equal(grouped.cv_results_[key], expected.cv_results_[key])
        assert_array_equal(grouped.coefs_[0], expected.coefs_[0])
    with pytest.raises(ValueError, match="groups"):
        _cv(cv=GroupKFold(3)).fit(X, y)


def test_other_fit_metadata_needs_metadata_routing():
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        _cv().fit(X, y, weights=np.ones(len(y)))
    with config_context(enable_metadata_routing=True):
        with pytest.raises(TypeError, match="unexpected argument"):
            _cv().fit(X, y, weights=np.ones(len(y)))


SW = np.random.RandomState(0).uniform(0.1, 2.0, size=len(y))


def test_routing_sends_each_test_folds_weights_to_a_scorer_that_requests_them():
    received = []

    def weighted_accuracy(y_true, y_pred, sample_weight=None):
        received.append(sample_weight)
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    with config_context(enable_metadata_routing=True):
        scorer = make_scorer(weighted_accuracy).set_score_request(sample_weight=True)
        cv = _cv(alphas=CV_ALPHAS[:2], scoring=scorer).fit(X, y, sample_weight=SW)
    tests = [test for _, test in KFold(3).split(X, y)]
    assert len(received) == 2 * len(tests)
    for k, test in enumerate(tests):
        for weights in received[2 * k : 2 * k + 2]:
            assert_array_equal(weights, SW[test])
        path = regularization_path(
            _l1(), np.delete(X, test, axis=0), np.delete(y, test),
            alphas=CV_ALPHAS[:2], sample_weight=np.delete(SW, test),
        )  # fmt: skip
        scores = [
            fitted.score(X[test], y[test], sample_weight=SW[test])
            for fitted in path.estimators
        ]
        assert_allclose(cv.cv_results_[f"split{k}_test_score"], scores)


@pytest.mark.parametrize("scoring", [None, "accuracy"])
def test_sample_weight_weighs_the_fits_and_the_scores(scoring):
    """As GridSearchCV (scikit-learn >= 1.7) and LogisticRegressionCV do, with
    metadata routing or without."""
    plain = _cv(alphas=CV_ALPHAS[:2], scoring=scoring).fit(X, y, sample_weight=SW)
    with config_context(enable_metadata_routing=True):
        routed = _cv(alphas=CV_ALPHAS[:2], scoring=scoring)
        routed.fit(X, y, sample_weight=SW)
    for k, (train, test) in enumerate(KFold(3).split(X, y)):
        path = regularization_path(
            _l1(), X[train], y[train], alphas=CV_ALPHAS[:2], sample_weight=SW[train]
        )
        weighted = [
            fitted.score(X[test], y[test], sample_weight=SW[test])
            for fitted in path.estimators
        ]
        unweighted = [fitted.score(X[test], y[test]) for fitted in path.estimators]
        assert not np.allclose(weighted, unweighted)
        assert_allclose(plain.cv_results_[f"split{k}_test_score"], weighted)
        assert_array_equal(
            routed.cv_results_[f"split{k}_test_score"],
            plain.cv_results_[f"split{k}_test_score"],
        )


def test_a_scorer_without_sample_weight_scores_unweighted():
    def accuracy(estimator, X, y):
        return accuracy_score(y, estimator.predict(X))

    cv = _cv(alphas=CV_ALPHAS[:2], scoring=accuracy).fit(X, y, sample_weight=SW)
    default = _cv(alphas=CV_ALPHAS[:2]).fit(X, y, sample_weight=SW)
    train, test = next(KFold(3).split(X, y))
    path = regularization_path(
        _l1(), X[train], y[train], alphas=CV_ALPHAS[:2], sample_weight=SW[train]
    )
    scores = [fitted.score(X[test], y[test]) for fitted in path.estimators]
    assert_allclose(cv.cv_results_["split0_test_score"], scores)
    assert not np.allclose(
        cv.cv_results_["split0_test_score"], default.cv_results_["split0_test_score"]
    )


def _unscorable():
    """Weights that vanish on the first fold's test part of KFold(3)."""
    weights = SW.copy()
    weights[next(KFold(3).split(X, y))[1]] = 0.0
    return weights


@pytest.mark.parametrize("scoring", [None, "balanced_accuracy"])
def test_a_fold_whose_test_part_weighs_nothing_is_refused_before_any_fit(
    scoring, monkeypatch
):
    def no_fit(*args, **kwargs):
        raise AssertionError("fitted before the folds were checked")

    monkeypatch.setattr(_path_module, "_fold_path", no_fit)
    monkeypatch.setattr(_path_module, "_alpha_grid", no_fit)
    with pytest.raises(ValueError, match="test part of fold 0 of cv"):
        _cv(scoring=scoring).fit(X, y, sample_weight=_unscorable())
    with config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match="test part of fold 0 of cv"):
            _cv(scoring=scoring).fit(X, y, sample_weight=_unscorable())


def test_a_fold_whose_training_part_weighs_nothing_is_refused():
    weights = np.zeros_like(SW)
    weights[next(KFold(3).split(X, y))[1]] = 1.0
    with pytest.raises(ValueError, match="training part of fold 0 of cv"):
        _cv(alphas=CV_ALPHAS[:2]).fit(X, y, sample_weight=weights)


def test_unweighted_scores_ignore_a_test_part_of_zero_weight():
    def accuracy(estimator, X, y):
        return accuracy_score(y, estimator.predict(X))

    cv = _cv(alphas=CV_ALPHAS[:2], scoring=accuracy)
    cv.fit(X, y, sample_weight=_unscorable())
    assert np.isfinite(cv.cv_results_["split0_test_score"]).all()


def _rare_class_y():
    """y with a third class of two rows, both in KFold(3)'s first test part:
    that fold's training part lacks the class, the other test parts too."""
    y3 = y.copy()
    y3[:2] = 2
    return y3


@pytest.mark.parametrize("refit", [True, "relaxed"])
def test_every_fold_model_knows_every_class(refit):
    """As in LogisticRegressionCV: each fold's models have a probability
    column for every class of y, whichever classes their training part
    holds, so log loss scores every fold."""
    seen = []

    def log_loss_recording(estimator, X, y):
        seen.append((estimator.classes_, estimator.predict_proba(X).shape[1]))
        return -log_loss(y, estimator.predict_proba(X), labels=estimator.classes_)

    y3 = _rare_class_y()
    for scoring in ("neg_log_loss", log_loss_recording):
        cv = _cv(alphas=CV_ALPHAS[:2], scoring=scoring, refit=refit).fit(X, y3)
        for k in range(3):
            assert np.isfinite(cv.cv_results_[f"split{k}_test_score"]).all()
    assert len(seen) >= 6
    for classes, n_columns in seen:
        assert_array_equal(classes, [0, 1, 2])
        assert n_columns == 3
    assert_array_equal(cv.classes_, [0, 1, 2])
    assert not hasattr(cv, "_fold_classes")


@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score"])
def test_a_binary_fold_trained_on_one_class_is_scored(scoring):
    ys = np.where(y == 0, "no", "yes")
    only_no = np.flatnonzero(ys == "no")
    folds = [(only_no[:50], only_no[50:]), (np.arange(300)[::2], np.arange(300)[1::2])]
    cv = _cv(alphas=CV_ALPHAS[:2], cv=folds, scoring=scoring).fit(X, ys)
    scores = cv.cv_results_["split0_test_score"]
    assert np.isfinite(scores).all()
    # The test part holds only 'no', which the fold's model learnt to predict.
    assert scores.max() > -0.1


def test_probability_scorers_are_told_every_class_and_label_scorers_are_not():
    classes = np.array([0, 1, 2])
    log = get_scorer("neg_log_loss")
    told = _told_classes(log, classes)
    assert_array_equal(told._kwargs["labels"], classes)
    assert "labels" not in log._kwargs
    # With labels=[0, 1, 2], macro F1 would average in a class that a test
    # part neither holds nor is predicted, at 0.
    f1 = get_scorer("f1_macro")
    assert _told_classes(f1, classes) is f1
    own = make_scorer(
        log_loss, response_method="predict_proba", labels=[0, 1, 2, 3],
        greater_is_better=False,
    )  # fmt: skip
    assert _told_classes(own, classes)._kwargs["labels"] == [0, 1, 2, 3]
    brier = _told_classes(get_scorer("neg_brier_score"), np.array(["no", "yes"]))
    assert brier._kwargs["pos_label"] == "yes"
    assert _told_classes(log, None) is log
    with config_context(enable_metadata_routing=True):
        requesting = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
        routing = _told_classes(requesting, classes).get_metadata_routing()
        assert routing.score.requests["sample_weight"] is True


def test_a_scorer_failing_on_a_fold_names_the_fold_and_its_classes():
    # 'f1' is binary F1: on three classes it fails on the first fold it meets.
    with pytest.raises(ValueError) as excinfo:
        _cv(alphas=CV_ALPHAS[:2], scoring="f1").fit(X, _rare_class_y())
    message = str(excinfo.value)
    assert re.search(
        r"The scorer failed on fold 0 of cv \(its training part holds classes "
        r"\[0, 1\], its test part classes \[0, 1, 2\]\): Target is multiclass",
        message,
    ), message


def test_a_test_part_without_a_class_is_refused_for_roc_auc():
    with pytest.raises(ValueError, match=r"non-finite scores on fold 1 .*ROC AUC"):
        _cv(alphas=CV_ALPHAS[:2], scoring="roc_auc_ovr").fit(X, _rare_class_y())


def test_non_finite_fold_scores_are_refused():
    """r2 is undefined on one row: a NaN mean would hide every alpha."""
    X_reg, y_reg = make_regression(n_samples=5, n_features=2, random_state=0)
    with pytest.raises(ValueError, match=r"non-finite scores on fold \d of cv"):
        MLPRegularizedRegressorCV(
            hidden_layer_sizes=(), alphas=[1e-3], cv=5, max_iter=5
        ).fit(X_reg, y_reg)


def test_regressor_cv_takes_groups_and_routes_like_the_classifier():
    X_reg, y_reg = make_regression(
        n_samples=120, n_features=5, noise=5.0, random_state=0
    )
    y_reg = y_reg / y_reg.std()
    groups = np.arange(len(y_reg)) % 6
    params = dict(
        hidden_layer_sizes=(4,), solver="lbfgs", alphas=[1e-3, 1e-2],
        random_state=0,
    )  # fmt: skip
    expected = MLPRegularizedRegressorCV(
        cv=list(GroupKFold(3).split(X_reg, y_reg, groups)), **params
    ).fit(X_reg, y_reg)
    with config_context(enable_metadata_routing=True):
        routed = MLPRegularizedRegressorCV(cv=GroupKFold(3), **params).fit(
            X_reg, y_reg, groups=groups, sample_weight=np.ones(len(y_reg))
        )
    assert_allclose(
        routed.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"]
    )


def test_cv_estimators_have_no_partial_fit():
    cv = MLPRegularizedRegressorCV()
    assert not hasattr(cv, "partial_fit")
    with pytest.raises(AttributeError) as excinfo:
        cv.partial_fit  # noqa: B018
    assert "chooses alpha on whole paths" in str(excinfo.value.__cause__)
    assert "alpha" not in cv.get_params() and "warm_start" not in cv.get_params()
