"""Structured sparsity: group penalties in the estimators, reading the
selection, and compaction."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skreg._multilayer_perceptron
import skreg._training
from skreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from skreg._losses import LOSSES
from skreg._network import loss_and_gradient, pack, raw_output
from skreg._structure import active_units, compact_network
from skreg.penalties import GroupL0, GroupL1, row_groups

X_clf, y_clf = make_classification(
    n_samples=200, n_features=15, n_informative=3, n_redundant=0, shuffle=False,
    random_state=0,
)  # fmt: skip
X_clf = StandardScaler().fit_transform(X_clf)
rng = np.random.RandomState(0)
X_reg = rng.standard_normal((200, 15))
y_reg = np.sin(X_reg[:, 0]) + X_reg[:, 1] * X_reg[:, 2]
ESTIMATORS = [
    (MLPRegularizedClassifier, X_clf, y_clf),
    (MLPRegularizedRegressor, X_reg, y_reg),
]


def _fit(Estimator, X, y, **params):
    params = {"hidden_layer_sizes": (32, 16), "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return Estimator(**params).fit(X, y)


# Errors -------------------------------------------------------------------


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("groups", ["inputs", "neurons"])
def test_lbfgs_takes_the_group_l0_zeroing_rows_whole(Estimator, X, y, groups):
    """By proximal gradient, as the L0. A row is priced whole, alpha times
    its size, even where relu leaves some of its weights at zero."""
    alpha = 3e-3
    est = _fit(Estimator, X, y, solver="lbfgs", penalty="l0",
               penalty_groups=groups, alpha=alpha)  # fmt: skip
    grouped = est.coefs_[:1] if groups == "inputs" else est.coefs_
    price = sum(np.any(W, axis=1).sum() * W.shape[1] for W in grouped)
    price += sum(np.count_nonzero(W) for W in est.coefs_[len(grouped) :])
    assert est.penalty_curve_[-1] == pytest.approx(alpha * price)
    if groups == "inputs":
        assert 0 < est.n_features_selected_ < X.shape[1]
    else:
        assert 0 < sum(est.n_active_units_) < sum(est.hidden_layer_sizes)
    assert est.loss_ == est.loss_curve_[-1] <= est.loss_curve_[0]


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("groups, alpha", [("inputs", 1e-2), ("neurons", 5e-3)])
def test_lbfgs_fits_the_group_lasso_descending_every_iteration(
    Estimator, X, y, groups, alpha, capsys
):
    """'lbfgs' takes the group lasso by proximal L-BFGS: every iteration
    lowers the objective, rows are zeroed whole, and the budget, the
    verbose output and the warning are lbfgs's."""
    est = _fit(Estimator, X, y, solver="lbfgs", penalty="l1", penalty_groups=groups,
               alpha=alpha)  # fmt: skip
    assert np.all(np.diff(est.loss_curve_) < 0)
    assert est.loss_ == est.loss_curve_[-1]
    if groups == "inputs":
        assert 0 < est.n_features_selected_ < X.shape[1]
    else:
        assert 0 < sum(est.n_active_units_) < sum(est.hidden_layer_sizes)
    verbose = Estimator(
        hidden_layer_sizes=(32, 16), solver="lbfgs", penalty="l1",
        penalty_groups=groups, alpha=alpha, max_iter=3, verbose=True, random_state=0,
    )  # fmt: skip
    with pytest.warns(
        ConvergenceWarning, match=r"lbfgs .* after 3 iteration.*Increase max_iter"
    ):
        verbose.fit(X, y)
    assert verbose.n_iter_ == 3 and len(verbose.loss_curve_) == 3
    assert capsys.readouterr().out.count("Iteration ") == 3


@pytest.mark.parametrize("groups", ["inputs", "neurons"])
def test_l2_rejects_groups_saying_they_change_nothing(groups):
    est = MLPRegularizedRegressor(penalty="l2", penalty_groups=groups)
    with pytest.raises(ValueError, match="separable: grouping its weights changes"):
        est.fit(X_reg, y_reg)


def test_failed_group_fit_leaves_the_model_intact():
    est = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty="l0", max_iter=5)
    coefs = [W.copy() for W in est.coefs_]
    est.set_params(warm_start=True, penalty="l2", penalty_groups="inputs")
    with pytest.raises(ValueError, match="separable: grouping its weights"):
        est.fit(X_clf, y_clf)
    for before, after in zip(coefs, est.coefs_, strict=True):
        assert_array_equal(before, after)


# The penalty in the estimator ----------------------------------------------


def test_weights_grouping_is_the_default_fit():
    a = _fit(MLPRegularizedClassifier, X_clf, y_clf, penalty="l1", alpha=3e-3)
    b = _fit(
        MLPRegularizedClassifier, X_clf, y_clf, penalty="l1", alpha=3e-3,
        penalty_groups="weights",
    )  # fmt: skip
    for Wa, Wb in zip(a.coefs_, b.coefs_, strict=True):
        assert_array_equal(Wa, Wb)


@pytest.mark.parametrize("Penalty, name", [(GroupL1, "l1"), (GroupL0, "l0")])
@pytest.mark.parametrize("groups", ["inputs", "neurons"])
def test_reported_loss_is_data_loss_plus_group_penalty(Penalty, name, groups):
    """One full batch, one epoch: loss_ is the data loss before the step plus
    the group penalty of the weights after it, computed here independently."""
    alpha, layers = 0.01, [15, 32, 16, 1]
    common = dict(max_iter=1, batch_size=200, shuffle=False)
    est = _fit(
        MLPRegularizedRegressor, X_reg, y_reg, penalty=name, alpha=alpha,
        penalty_groups=groups, **common,
    )  # fmt: skip
    init = _fit(
        MLPRegularizedRegressor, X_reg, y_reg, learning_rate_init=1e-300, **common
    )
    theta = pack(init.coefs_, init.intercepts_, np.float64)
    data, _ = loss_and_gradient(
        theta, layers, X_reg, y_reg[:, None], None, "relu", LOSSES["squared_error"]()
    )
    rows = est.coefs_ if groups == "neurons" else est.coefs_[:1]
    if name == "l1":
        R = sum(np.sqrt(W.shape[1]) * np.linalg.norm(W, axis=1).sum() for W in rows)
    else:
        R = sum(W.shape[1] * np.any(W != 0, axis=1).sum() for W in rows)
    if groups == "inputs":
        rest = np.concatenate([W.ravel() for W in est.coefs_[1:]])
        R += np.abs(rest).sum() if name == "l1" else np.count_nonzero(rest)
    assert est.loss_ == pytest.approx(data + alpha * R, rel=1e-10)
    penalty = Penalty(alpha, row_groups(layers, groups))
    W = np.concatenate([W.ravel() for W in est.coefs_])
    assert penalty.value(W) == pytest.approx(alpha * R, rel=1e-12)


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("penalty", ["l0", "l1"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_group_penalties_zero_whole_rows(Estimator, X, y, penalty, solver):
    """With 'neurons' every row is all-zero or has (nearly) no zero; with
    'inputs' the rows of coefs_[0] are; and some alpha drops some inputs.

    The stochastic solvers' own group prox, without the final phase: its
    steps regrow rows from zero, which keeps exact zeros wherever relu
    blocked the gradient (checked on the kernel in test_optimizers).
    """
    for groups in ("inputs", "neurons"):
        selected = []
        for alpha in np.geomspace(3e-3, 3e-1, 9):
            est = _fit(
                Estimator, X, y, penalty=penalty, penalty_groups=groups,
                solver=solver, alpha=alpha, max_iter=60, polish=0,
                learning_rate_init=0.01 if solver == "adam" else 0.1,
            )  # fmt: skip
            grouped = est.coefs_ if groups == "neurons" else est.coefs_[:1]
            for W in grouped:
                nonzero = (W != 0).sum(axis=1)
                # relu can leave a weight at exactly 0 without the prox; a
                # whole row of exact zeros only comes from the group prox.
                assert np.all((nonzero == 0) | (nonzero >= W.shape[1] - 1))
            selected.append(est.n_features_selected_)
            if 0 < selected[-1] < X.shape[1]:
                break
        assert any(0 < k < X.shape[1] for k in selected), (groups, selected)


# Feature selection ----------------------------------------------------------


def _support_problem(random_state):
    X, y = make_classification(
        n_samples=2000, n_features=60, n_informative=6, n_redundant=0,
        n_repeated=0, shuffle=False, random_state=random_state,
    )  # fmt: skip
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.parametrize("random_state", [0, 2])
def test_input_groups_recover_the_informative_inputs(random_state):
    """On a grid of alphas (x1.35 apart), one keeps all 6 informative inputs,
    drops at least 85% of the 54 noise inputs, and scores at least as well
    held-out as the dense model."""
    X_train, X_test, y_train, y_test = _support_problem(random_state)
    informative = np.arange(60) < 6
    dense = _fit(
        MLPRegularizedClassifier, X_train, y_train, hidden_layer_sizes=(32,),
        max_iter=300,
    )  # fmt: skip
    dense_score = dense.score(X_test, y_test)
    found = []
    for alpha in np.geomspace(3.7e-3, 1.22e-2, 5):
        est = _fit(
            MLPRegularizedClassifier, X_train, y_train, hidden_layer_sizes=(32,),
            penalty="l1", penalty_groups="inputs", alpha=alpha, max_iter=300,
        )  # fmt: skip
        kept = np.any(est.coefs_[0] != 0, axis=1)
        recall = kept[informative].mean()
        noise_dropped = 1 - kept[~informative].mean()
        score = est.score(X_test, y_test)
        found.append((alpha, recall, noise_dropped, score))
        if recall == 1 and noise_dropped >= 0.85 and score >= dense_score:
            break
    else:
        pytest.fail(f"no alpha recovered the support: {found}, dense {dense_score}")
    assert est.n_features_selected_ == kept.sum()


def _categorical_problem(seed, n_samples=1500, n_categorical=8, levels=5):
    """One-hot encoded categorical inputs, the first two informative: a
    column per level, ``levels`` columns per feature."""
    rng = np.random.RandomState(seed)
    C = rng.randint(levels, size=(n_samples, n_categorical))
    effect = 1.5 * rng.standard_normal((2, levels))
    logit = effect[0][C[:, 0]] + effect[1][C[:, 1]]
    y = (logit + 0.5 * rng.standard_normal(n_samples) > np.median(logit)).astype(int)
    X = (C[:, :, None] == np.arange(levels)).reshape(n_samples, -1).astype(float)
    return X, y, np.repeat(np.arange(n_categorical), levels)


@pytest.mark.parametrize("seed", [0, 1])
def test_labelled_input_groups_select_whole_categorical_features(seed):
    """Labels group a categorical feature's one-hot columns: it is kept or
    dropped whole, and here exactly the two informative ones are kept.
    (Measured on seeds 0 to 2 at this alpha: 'inputs' kept 1 to 4 of the 5
    columns of each informative feature, and on seed 2 one column of a noise
    feature.)"""
    X, y, labels = _categorical_problem(seed)
    est = _fit(
        MLPRegularizedClassifier, X, y, hidden_layer_sizes=(16,), penalty="l1",
        penalty_groups=labels, alpha=1e-2,
    )  # fmt: skip
    kept = np.any(est.coefs_[0] != 0, axis=1)
    assert_array_equal(kept, labels < 2)
    assert est.n_features_selected_ == 10


def test_an_encoder_making_other_columns_is_told_to_fix_its_categories():
    """Labels are fixed when the estimator is made; an encoder refitted on
    data without a rare category (a fold of a search) makes fewer columns."""
    C = np.array([["a", "p"], ["b", "q"]] * 10 + [["rare", "p"]], dtype=object)
    y = np.r_[[0, 1] * 10, 0]
    labels = np.repeat([0, 1], [3, 2])  # ('a', 'b', 'rare') and ('p', 'q')
    mlp = MLPRegularizedClassifier(
        hidden_layer_sizes=(3,), penalty="l1", penalty_groups=labels, max_iter=5
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make_pipeline(OneHotEncoder(), mlp).fit(C, y)
        with pytest.raises(ValueError, match="fix the transformer's categories"):
            make_pipeline(OneHotEncoder(), mlp).fit(C[:-1], y[:-1])
        fixed = OneHotEncoder(categories=[["a", "b", "rare"], ["p", "q"]])
        make_pipeline(fixed, mlp).fit(C[:-1], y[:-1])


# Group L0's price of a feature, alpha x 40 weights, is its whole gain at 1e-2.
@pytest.mark.parametrize(
    "solver, penalty, alpha", [("adam", "l0", 3e-3), ("sgd", "l1", 1e-2),
                               ("lbfgs", "l1", 1e-2), ("lbfgs", "l0", 3e-3)],
)  # fmt: skip
def test_labelled_input_groups_are_kept_or_dropped_whole(solver, penalty, alpha):
    X, y, labels = _categorical_problem(0, n_samples=600)
    est = _fit(
        MLPRegularizedClassifier, X, y, hidden_layer_sizes=(8,), solver=solver,
        penalty=penalty, penalty_groups=labels, alpha=alpha, max_iter=60,
    )  # fmt: skip
    kept = np.any(est.coefs_[0] != 0, axis=1)
    for label in np.unique(labels):
        rows = est.coefs_[0][labels == label]
        assert np.all(rows == 0) or np.all(np.any(rows != 0, axis=1))
    assert 0 < kept.sum() < kept.size


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_labelled_groups_train_reordered_as_the_gathering_penalty(solver, monkeypatch):
    """The fit trains on the inputs reordered group by group, with a plain
    block penalty; it is the fit with the penalty that gathers the rows at
    every step, in the user's column order, up to rounding. partial_fit's
    optimizer state carries over in the user's order too."""
    X, y, labels = _categorical_problem(1, n_samples=400)
    labels = labels[::-1].copy()  # groups of non-adjacent, reordered columns
    labels[[0, 7, 13]] = 9
    params = dict(
        hidden_layer_sizes=(8,), solver=solver, penalty="l1",
        penalty_groups=labels, alpha=2e-2, max_iter=30, random_state=0,
    )  # fmt: skip

    def fits():
        est = _fit(MLPRegularizedClassifier, X, y, **params)
        if solver == "lbfgs":
            return est, None
        stream = MLPRegularizedClassifier(**params)
        for part in (slice(0, 200), slice(200, 400), slice(0, 400)):
            stream.partial_fit(X[part], y[part], classes=[0, 1])
        return est, stream

    reordered = fits()
    monkeypatch.setattr(skreg._multilayer_perceptron, "InputGroups", type(None))
    gathered = fits()
    for ours, theirs in zip(reordered, gathered, strict=True):
        if ours is None:
            continue
        for W, V in zip(ours.coefs_, theirs.coefs_, strict=True):
            assert_allclose(W, V, rtol=1e-6, atol=1e-9)
            assert_array_equal(W == 0, V == 0)
    assert np.any(np.all(reordered[0].coefs_[0] == 0, axis=1))  # groups went


def test_labelled_groups_train_on_rows_in_c_order(monkeypatch):
    """The reordered copy of dense X keeps C order, which the minibatches'
    row gathers need (an F-ordered copy made them 40x slower)."""
    seen = []
    run = skreg._training.StochasticTraining.run

    def spy(self, theta, network, data, *args, **kwargs):
        seen.append(data.X.flags.c_contiguous)
        return run(self, theta, network, data, *args, **kwargs)

    monkeypatch.setattr(skreg._training.StochasticTraining, "run", spy)
    X, y, labels = _categorical_problem(0, n_samples=100)
    _fit(MLPRegularizedClassifier, X, y, penalty="l1", penalty_groups=labels,
         max_iter=2)  # fmt: skip
    assert seen == [True]


def test_one_label_per_input_is_the_inputs_grouping():
    params = dict(
        hidden_layer_sizes=(16,), penalty="l1", alpha=1e-2, max_iter=40,
    )  # fmt: skip
    inputs = _fit(
        MLPRegularizedClassifier, X_clf, y_clf, penalty_groups="inputs", **params
    )
    labelled = _fit(
        MLPRegularizedClassifier, X_clf, y_clf,
        penalty_groups=np.arange(X_clf.shape[1]), **params,
    )  # fmt: skip
    for W, V in zip(inputs.coefs_, labelled.coefs_, strict=True):
        assert_allclose(W, V, rtol=1e-6, atol=1e-12)
        assert_array_equal(W == 0, V == 0)


def test_labels_must_name_a_group_for_each_input():
    est = MLPRegularizedClassifier(penalty="l1", penalty_groups=[0, 0, 1])
    with pytest.raises(ValueError, match="3 labels .* for 15 input features"):
        est.fit(X_clf, y_clf)


@pytest.mark.parametrize("penalty", ["l1", "l0"])
def test_select_from_model_selects_the_non_zero_rows(penalty):
    est = MLPRegularizedClassifier(
        hidden_layer_sizes=(16,), penalty=penalty, penalty_groups="inputs",
        # At 2e-2 the group L0 optimum drops every input.
        alpha=2e-2 if penalty == "l1" else 1e-2,
        random_state=0, max_iter=100, learning_rate_init=0.01,
    )  # fmt: skip
    # l1 gets SelectFromModel's own 1e-5 threshold; l0 the documented one.
    threshold = None if penalty == "l1" else 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(SelectFromModel(est, threshold=threshold)).fit(
            X_clf, y_clf
        )
    selector = pipe[0]
    kept = np.any(selector.estimator_.coefs_[0] != 0, axis=1)
    assert 0 < kept.sum() < X_clf.shape[1]
    assert_array_equal(selector.get_support(), kept)
    importances = selector.estimator_.feature_importances_
    assert importances.sum() == pytest.approx(1.0)
    assert_array_equal(importances == 0, ~kept)
    norms = np.linalg.norm(selector.estimator_.coefs_[0], axis=1)
    assert_allclose(importances, norms / norms.sum())


# Active units and compaction -----------------------------------------------


def _handmade():
    """Inputs 3 -> hidden 4 -> hidden 3 -> 2 outputs, with every case:

    hidden-1 unit 0 reads inputs and feeds on; unit 1 has no incoming weight
    (a constant) but feeds on; unit 2 reads inputs but leads nowhere; unit 3
    reads inputs and feeds on. hidden-2 unit 0 reads only the constant unit
    1 (a constant too); unit 1 reads unit 0; unit 2 reads unit 3 and feeds
    the outputs only through a zero row (nowhere).
    """
    W0 = np.array([[1.0, 0, 0.5, 0], [0, 0, 2.0, -1.0], [0.3, 0, 0, 0.7]])
    W1 = np.array([[0, 1.5, 0], [0.8, 0, 0], [0, 0, 0], [0, 0, 1.1]])
    W2 = np.array([[0.4, -0.2], [1.0, 0.5], [0, 0]])
    b = [np.array([0.1, 0.7, -0.3, 0.2]), np.array([0.5, -0.1, 0.3]),
         np.array([0.05, -0.05])]  # fmt: skip
    return [W0, W1, W2], b


def test_active_units_follow_paths_of_non_zero_weights():
    coefs, _ = _handmade()
    active = active_units(coefs)
    assert_array_equal(active[0], [True, False, False, False])
    assert_array_equal(active[1], [False, True, False])


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_compact_network_folds_constants_and_keeps_the_function(activation):
    coefs, intercepts = _handmade()
    X = np.random.RandomState(0).standard_normal((50, 3))
    small_coefs, small_intercepts = compact_network(coefs, intercepts, activation)
    assert [W.shape for W in small_coefs] == [(3, 1), (1, 1), (1, 2)]
    assert_allclose(
        raw_output(X, small_coefs, small_intercepts, activation),
        raw_output(X, coefs, intercepts, activation),
        rtol=1e-14,
        atol=1e-15,
    )


def test_compact_network_keeps_one_zero_unit_in_an_emptied_layer():
    coefs, intercepts = _handmade()
    coefs[0][:] = 0
    X = np.random.RandomState(0).standard_normal((20, 3))
    small_coefs, small_intercepts = compact_network(coefs, intercepts, "tanh")
    assert [W.shape for W in small_coefs] == [(3, 1), (1, 1), (1, 2)]
    assert all(np.all(W == 0) for W in small_coefs)
    expected = raw_output(X, coefs, intercepts, "tanh")
    assert_allclose(raw_output(X, small_coefs, small_intercepts, "tanh"), expected)
    assert_allclose(expected, expected[:1].repeat(20, axis=0))


@pytest.mark.parametrize("Estimator, X, y", ESTIMATORS)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_compact_keeps_predictions_and_shrinks_the_network(
    Estimator, X, y, dtype, rtol
):
    X = X.astype(dtype)
    est = _fit(
        Estimator, X, y, penalty="l1", penalty_groups="neurons", alpha=3e-3,
        learning_rate_init=0.01, max_iter=100,
    )  # fmt: skip
    before = pickle.dumps(est)
    small = est.compact()
    assert pickle.dumps(est) == before, "compact() changed the original"
    assert type(small) is Estimator
    assert list(small.hidden_layer_sizes) == est.n_active_units_
    assert small.n_active_units_ == est.n_active_units_
    assert 2 < sum(est.n_active_units_) < 48
    assert small.coefs_[0].shape[0] == X.shape[1]
    assert all(W.dtype == dtype for W in small.coefs_ + small.intercepts_)
    out, small_out = est._raw_output(X), small._raw_output(X)
    assert_allclose(small_out, out, rtol=rtol, atol=rtol * np.abs(out).max())
    if Estimator is MLPRegularizedClassifier:
        assert_array_equal(small.predict(X), est.predict(X))
    assert len(pickle.dumps(small)) < len(before)
    restored = pickle.loads(pickle.dumps(small))
    assert_array_equal(restored.predict(X), small.predict(X))


def test_compact_then_warm_start_fine_tunes_the_small_network():
    est = _fit(
        MLPRegularizedClassifier, X_clf, y_clf, penalty="l1",
        penalty_groups="neurons", alpha=1e-2, learning_rate_init=0.01,
        max_iter=100,
    )  # fmt: skip
    small = est.compact()
    sizes = [W.shape for W in small.coefs_]
    small.set_params(warm_start=True, penalty="l2", penalty_groups="weights",
                     alpha=1e-4, max_iter=20)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small.fit(X_clf, y_clf)
        small.partial_fit(X_clf, y_clf)
    assert [W.shape for W in small.coefs_] == sizes
    assert small.score(X_clf, y_clf) >= est.score(X_clf, y_clf) - 0.02


def test_verbose_reports_inputs_and_active_units(capsys):
    _fit(
        MLPRegularizedClassifier, X_clf, y_clf, penalty="l1",
        penalty_groups="neurons", alpha=1e-2, max_iter=2, verbose=True,
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ")
    assert "inputs used = " in lines[0] and "/15, active units = [" in lines[0]
