"""The regularization path: one network fitted along increasing alphas.

Each alpha starts from the previous alpha's weights (a warm start), so the
path costs one full fit plus a short budget per alpha, instead of one full fit
per alpha. It runs from dense to sparse: the all-zero network is a saddle
point of every network objective (with the next layer's weights at zero, no
first-layer weight has a gradient), so a glmnet-style path downwards from the
alpha that zeroes everything never leaves zero.
"""

import copy
import inspect
import os
import time
import warnings
from contextlib import contextmanager, nullcontext
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.parallel import Parallel, delayed

from skreg._docstrings import fill_doc
from skreg._losses import LOSSES
from skreg._multilayer_perceptron import (
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
)
from skreg._network import loss_and_gradient, pack
from skreg._sklearn_compat import (
    Interval,
    StrOptions,
    _check_method_params,
    _check_sample_weight,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    _safe_indexing,
    accepts_sample_weight,
    scorer_parts,
    scorer_with_defaults,
    validate_params,
)
from skreg._structure import n_active_units, n_used_inputs
from skreg._warnings import warn
from skreg.penalties import L2
from skreg.penalties._registry import make_penalty
from skreg.penalties._restricted import Restricted

# Penalties that count (weights or groups): one non-zero costs alpha whatever
# its size, so an alpha above the whole gain of the dense fit over the
# constant model leaves nothing worth keeping.
_COUNTING = ("l0",)


# Each warm alpha starts from the previous weights times this factor, as
# Ash & Adams ("On warm-starting neural network training", NeurIPS 2020)
# shrink before training on: a warm start inherits the previous fit's
# overfitting, which a short budget cannot undo. Intercepts keep their values
# and zeros stay zero. On 20,000 x 100 with 20 alphas and a sixth of max_iter
# per alpha, the CV classifier's best mean CV score was 0.9613 unshrunk,
# 0.9630 at 0.7 and 0.9636 at 0.8 (binary, float32); on 3 classes (float64),
# 0.94193 at 0.6, 0.94253 at 0.7 and 0.94353 at 0.8, against GridSearchCV's
# one-standard-error bound of 0.94254.
_SHRINK = 0.8


def _layer_units(estimator):
    return [estimator.coefs_[0].shape[0], *(b.size for b in estimator.intercepts_)]


def _training_data(estimator, X, y, sample_weight):
    """``X``, the encoded target and the weights as a fitted estimator sees them."""
    X, Y = estimator._validate_input(X, y, incremental=False, reset=False)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return X, Y, sample_weight


def _data_loss(estimator, X, Y, sample_weight):
    loss = LOSSES[estimator._loss_name()]()
    theta = pack(estimator.coefs_, estimator.intercepts_, X.dtype)
    return float(
        loss_and_gradient(
            theta, _layer_units(estimator), X, Y, sample_weight,
            estimator.activation, loss,
        )[0]
    )  # fmt: skip


def _penalty(estimator, alpha):
    return make_penalty(
        estimator.penalty, alpha, estimator.penalty_groups, _layer_units(estimator)
    )


def _null_loss(estimator, Y, sample_weight):
    """Data loss of the best constant prediction: every weight at zero."""
    loss = LOSSES[estimator._loss_name()]()
    weights = None if sample_weight is None else sample_weight / sample_weight.sum()
    Z = np.repeat(loss.best_constant(Y, weights), Y.shape[0], axis=0)
    return loss.value_and_delta(Y, Z, weights)[0]


def _alpha_grid(estimator, X, y, *, n_alphas=20, eps=1e-3, sample_weight=None):
    """The geometric grid of alphas a path takes, derived from a dense fit.

    ``estimator`` is fitted with ``alpha=0``. With ``G`` its gain in data loss
    over the best constant prediction and ``R`` the (unscaled) penalty of its
    weights, ``alpha * R = G`` is where the penalty of the dense weights
    would cost all they gain. The grid is geometric, rounded to three
    significant digits:

    - it starts at ``eps * G / R``, where that penalty is a fraction
      ``eps`` of the gain, and the dense solution is nearly untouched;
    - for 'l0' it ends at ``G``: a single non-zero weight (or group) then
      costs more than any network can gain, so the all-zero network is the
      optimum;
    - for 'l1' and 'l2' it ends at ``100 * G / R``, a bound rather than an
      exact end: a path under 'l1' usually zeroes every input before it, and
      stops there.

    Parameters
    ----------
    estimator : MLPRegularizedClassifier or MLPRegularizedRegressor
        Unfitted; its parameters other than ``alpha`` are used.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    n_alphas : int, default=20
        Number of alphas.
    eps : float, default=1e-3
        Share of the dense fit's gain that the penalty costs at the first alpha.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        Increasing.
    dense : estimator
        The fitted dense estimator, from which a path can start.
    """
    dense = clone(estimator).set_params(alpha=0.0, warm_start=False)
    dense.fit(X, y, sample_weight=sample_weight)
    Xv, Y, sw = _training_data(dense, X, y, sample_weight)
    null = _null_loss(dense, Y, sw)
    gain = null - _data_loss(dense, Xv, Y, sw)
    size = _penalty(dense, 1.0).value(pack(dense.coefs_, [], np.float64))
    if not (gain > 0 and size > 0):
        warn(
            "The dense fit (alpha=0) did not improve on a constant prediction "
            f"(gain in data loss {gain:.3g}), so the alpha grid is scaled by "
            "the constant's loss instead, and every alpha may give a constant "
            "model. Check the data and the estimator's other parameters, or "
            "pass alphas explicitly.",
            UserWarning,
        )
        # The largest gain any network could make; 1 where even the
        # constant fits exactly (one class, or a constant target).
        gain = null if null > 0 else 1.0
        size = size if size > 0 else 1.0
    start = eps * gain / size
    stop = gain if estimator.penalty in _COUNTING else 100 * gain / size
    # Three significant digits: readable, and the same grid whether a
    # sample is weighted 2 or repeated (the gain differs in its last bits).
    grid = np.geomspace(start, max(stop, start), n_alphas)
    return np.array([float(f"{alpha:.3g}") for alpha in grid]), dense


@validate_params(
    {
        # Checked in the function, whose message says what to pass instead.
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "max_iter_per_alpha": [Interval(Integral, 1, None, closed="left"), None],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=False,
)
def regularization_path(
    estimator, X, y, *, alphas=20, eps=1e-3, max_iter_per_alpha=None,
    sample_weight=None,
):  # fmt: skip
    """Fit ``estimator`` along increasing alphas, each warm-started.

    The path runs from dense to sparse. Its first alpha gets a full fit
    (``max_iter`` epochs and the estimator's own stopping rule); every next
    alpha continues from the previous weights, shrunk by a factor 0.8, for at
    most ``max_iter_per_alpha`` epochs (iterations for 'lbfgs'). It stops early
    once no input is used: the network is then a constant, and a larger alpha
    keeps it so. Read more in the :ref:`User Guide <choosing_alpha>`.

    Parameters
    ----------
    estimator : MLPRegularizedClassifier, MLPRegularizedRegressor or their CV versions
        Defines the network, penalty and solver; its ``alpha`` and
        ``warm_start`` are ignored, and a CV estimator's search parameters
        (``alphas``, ``cv``, ...) too. It is cloned, not changed.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target values.
    alphas : int or array-like, default=20
        The alphas, sorted increasing before use; or their number, for a
        geometric grid derived from a dense fit (see Notes), which costs one
        more full fit whose weights the path then starts from.
    eps : float, default=1e-3
        With ``alphas`` an int, where the grid starts: the penalty of the
        dense weights then costs this share of their gain over a constant
        prediction.
    max_iter_per_alpha : int, default=None
        Epoch budget (L-BFGS iterations) of every alpha after the first; the
        estimator's stopping rule can end it sooner. None means a sixth of
        the estimator's ``max_iter``, at least 10 (see the User Guide for
        what that trades). Reaching it is expected and raises no
        ConvergenceWarning.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    path : :class:`~sklearn.utils.Bunch`
        With one entry per alpha fitted, in increasing order of alpha:

        alphas : ndarray of shape (n_fitted,)
            The alphas fitted; fewer than asked if the path stopped early.
        estimators : list of estimators
            The fitted estimator at each alpha. Each holds its own weights,
            so the path takes ``n_fitted`` times the memory of one network;
            the optimizer state (Adam's moments) is dropped.
        n_iter : ndarray of shape (n_fitted,)
            Epochs (or L-BFGS iterations) spent at each alpha.
        data_loss : ndarray of shape (n_fitted,)
            Mean data loss on ``X``, computed exactly over the full batch.
        penalty : ndarray of shape (n_fitted,)
            ``alpha * R(W)``; ``data_loss + penalty`` is the objective.
        n_nonzero_weights : ndarray of shape (n_fitted,)
            Connection weights that are not zero.
        n_features_selected : ndarray of shape (n_fitted,)
            Inputs with a non-zero outgoing weight.
        n_active_units : list of list of int
            Units per hidden layer connecting input to output.
        stopped_early : bool
            Whether the path stopped because no input was used.

    See Also
    --------
    MLPRegularizedClassifierCV : Chooses alpha by cross-validation on paths.

    Notes
    -----
    The grid for an int ``alphas``: the estimator is first fitted with
    ``alpha=0``. With ``G`` that fit's gain in data loss over the best
    constant prediction, and ``R`` the unscaled penalty of its weights,
    ``alpha = G / R`` is where the penalty of the dense weights would cost
    all they gain. The grid is geometric from ``eps * G / R`` (the dense
    solution nearly untouched) to ``G`` for 'l0', where one non-zero weight
    or group costs more than any network can gain, so zero is the optimum;
    and to ``100 * G / R`` for 'l1' and 'l2', a bound rather than an exact end
    (under 'l1' the path usually stops before it, with no input left).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skreg import MLPRegularizedClassifier, regularization_path
    >>> X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    >>> path = regularization_path(
    ...     MLPRegularizedClassifier(
    ...         hidden_layer_sizes=(8,), penalty="l1", random_state=0
    ...     ),
    ...     X, y, alphas=[1e-3, 1e-2, 1e-1],
    ... )
    >>> path.n_features_selected.tolist()
    [10, 10, 1]
    """
    estimator = _path_estimator(estimator)
    budget = _budget(estimator.max_iter, max_iter_per_alpha)
    if isinstance(alphas, Integral):
        alphas, dense = _alpha_grid(
            estimator, X, y, n_alphas=alphas, eps=eps, sample_weight=sample_weight
        )
        path = _run_path(dense, X, y, alphas, budget, sample_weight, started=True)
    else:
        path = _run_path(
            estimator, X, y, _checked_alphas(alphas), budget, sample_weight
        )
    # The snapshots carry the caller's parameters, not the path's budget.
    params = estimator.get_params(deep=False)
    for fitted in path.estimators:
        fitted.set_params(**{**params, "alpha": fitted.alpha})
    return path


def _path_estimator(estimator):
    """The plain estimator whose path is asked for: a CV estimator's base
    (the network it would fit); anything else is refused, saying what to
    pass."""
    if isinstance(estimator, _CVMixin):
        return estimator._base_estimator()
    if isinstance(estimator, (MLPRegularizedClassifier, MLPRegularizedRegressor)):
        return estimator
    hint = ""
    if hasattr(estimator, "steps"):
        hint = (
            " For a Pipeline, fit the path of its last step on the data its "
            "other steps make: regularization_path(pipe[-1], "
            "pipe[:-1].fit_transform(X, y), y)."
        )
    raise TypeError(
        "A regularization path is fitted for an MLPRegularizedClassifier or "
        f"an MLPRegularizedRegressor (or their CV versions); got "
        f"{type(estimator).__name__}.{hint}"
    )


def _budget(max_iter, max_iter_per_alpha):
    """Epochs of each warm-started alpha: by default a sixth of a fresh fit's.

    Measured on 3,000 x 100 with a (128,) layer and 10 alphas under adam,
    where fresh fits ran to max_iter: a sixth took 3.8x fewer epochs than
    fresh fits. With the weights shrunk at each warm alpha (``_SHRINK``), it
    made the CV classifier over 3x faster than GridSearchCV on 20,000 rows
    with a best mean CV score within GridSearchCV's standard error; without
    shrinking, a sixth fell outside it and a quarter was needed.
    """
    if max_iter_per_alpha is not None:
        return max_iter_per_alpha
    return min(max_iter, max(10, max_iter // 6))


def _checked_alphas(alphas):
    alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())
    if alphas.size == 0 or not (np.all(np.isfinite(alphas)) and alphas[0] >= 0):
        raise ValueError(
            f"alphas must be finite, non-negative and not empty; got {alphas}."
        )
    return alphas


def _run_path(
    estimator, X, y, alphas, budget, sample_weight, started=False, classes=None
):
    """The path over sorted ``alphas``: a full fit at the first unless
    ``started`` (``estimator`` already fitted), ``budget`` epochs after.

    A classifier given ``classes`` knows them all, whichever ``y`` holds.
    """
    estimator = (
        estimator.set_params(warm_start=True, max_iter=budget)
        if started
        else clone(estimator).set_params(warm_start=False)
    )
    if classes is not None:
        estimator._fold_classes = classes
    path = {
        key: []
        for key in (
            "alphas", "estimators", "n_iter", "data_loss", "penalty",
            "n_nonzero_weights", "n_features_selected", "n_active_units",
        )
    }  # fmt: skip
    stopped_early = False
    data = None
    for alpha in alphas:
        alpha = float(alpha)
        if estimator.warm_start:
            # A budget, not a convergence criterion.
            estimator._warns_convergence = False
            estimator.coefs_ = [W * _SHRINK for W in estimator.coefs_]
        estimator.set_params(alpha=alpha).fit(X, y, sample_weight=sample_weight)
        estimator.set_params(warm_start=True, max_iter=budget)
        if data is None:
            data = _training_data(estimator, X, y, sample_weight)
        # The next fit replaces the weight arrays and curves, so a shallow
        # copy keeps this alpha's.
        snapshot = copy.copy(estimator)
        # A snapshot fitted further is a fit of its own, warnings and all.
        for internal in ("_optimizer", "_warns_convergence"):
            vars(snapshot).pop(internal, None)
        coefs = estimator.coefs_
        path["alphas"].append(alpha)
        path["estimators"].append(snapshot)
        path["n_iter"].append(estimator.n_iter_)
        path["data_loss"].append(_data_loss(estimator, *data))
        path["penalty"].append(
            _penalty(estimator, alpha).value(pack(coefs, [], np.float64))
        )
        path["n_nonzero_weights"].append(estimator.n_nonzero_weights_)
        path["n_features_selected"].append(n_used_inputs(coefs))
        path["n_active_units"].append(n_active_units(coefs))
        if n_used_inputs(coefs) == 0 and alpha < alphas[-1]:
            stopped_early = True
            break
    result = {
        key: (value if key in ("estimators", "n_active_units") else np.asarray(value))
        for key, value in path.items()
    }
    return Bunch(**result, stopped_early=stopped_early)


# Cross-validated estimators ---------------------------------------------------


def _describe_fold(k, y, train, test, classes):
    """Fold ``k`` and what its parts hold (their classes if ``classes`` is
    given, else their size), for the errors that blame it."""
    if classes is not None:
        parts = [f"classes {np.unique(y[part]).tolist()}" for part in (train, test)]
    else:
        parts = [f"{len(part)} row{'s' * (len(part) != 1)}" for part in (train, test)]
    return (
        f"fold {k} of cv (its training part holds {parts[0]}, its test part {parts[1]})"
    )


@contextmanager
def _collected_convergence_warnings(messages):
    """Append the ConvergenceWarnings raised inside to ``messages`` instead
    of showing them; other warnings pass. The caller's filters still decide
    first: an ignored warning is not collected, an error still raises."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            yield
    finally:  # a failed fit's other warnings still show
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                messages.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _fold_path(
    estimator, X, y, sample_weight, fold, train, test, alphas, budget, scorer,
    score_params, relaxed, classes, caller,
):  # fmt: skip
    """One fold's path, scored on its test part at every alpha, with the
    test part of ``score_params`` (the metadata routed to the scorer).

    A classifier's models know all ``classes`` (see :func:`_all_classes`).

    With ``relaxed``, each alpha is scored by its relaxed refit (up to
    ``max_iter`` epochs from the path's weights), as the final model is: the
    penalized weights carry a shrinkage bias that makes sparse supports score
    worse than they are, so both rules would keep too many inputs. Alphas
    that keep the same support share one refit.

    Alphas past an early stop (no input used) get the constant network's
    score and sparsity: a larger alpha keeps the network constant.

    In a worker process (not the ``caller``'s, a process id), the path's
    ConvergenceWarnings are returned (``"convergence"``), for the CV
    estimator to report once for all folds: shown there, they would never
    reach the caller. In the caller's process (folds run in turn or in
    threads) the caller collects them itself: ``warnings.catch_warnings`` in
    threads is not safe, and one of them could leave its handler installed.
    """
    sw = None if sample_weight is None else _safe_indexing(sample_weight, train)
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    start = time.perf_counter()
    convergence = []
    in_worker = os.getpid() != caller
    with _collected_convergence_warnings(convergence) if in_worker else nullcontext():
        path = _run_path(
            estimator, X_train, y_train, alphas, budget, sw, classes=classes
        )
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    score_params = _check_method_params(X, score_params, indices=test)

    def score(fitted):
        try:
            return scorer(fitted, X_test, y_test, **score_params)
        except ValueError as error:
            # A metric can refuse a fold, or a scoring its target (binary F1
            # on three classes).
            where = _describe_fold(fold, y, train, test, classes)
            raise ValueError(
                f"The scorer failed on {where}: {error} Use fewer folds, or a "
                "scoring defined on every fold."
            ) from error

    scores, refits = [], {}
    for fitted in path.estimators:
        if relaxed:
            support = _support(fitted).tobytes()
            if support not in refits:
                # A scoring device: the final refit reports convergence.
                refit = _relaxed_fit(
                    fitted, X_train, y_train, sw, estimator.max_iter, warns=False
                )
                refits[support] = score(refit)
            scores.append(refits[support])
        else:
            scores.append(score(fitted))
    fit_time = (time.perf_counter() - start) / len(path.alphas)
    pad = len(alphas) - len(scores)
    return {
        "test_score": np.r_[scores, [scores[-1]] * pad],
        "n_nonzero_weights": np.r_[path.n_nonzero_weights, [0] * pad],
        "n_features_selected": np.r_[path.n_features_selected, [0] * pad],
        "fit_time": np.full(len(alphas), fit_time),
        "convergence": convergence,
    }


def _all_classes(estimator, y):
    """The classes every fold's model knows: all of ``y``'s, as in
    LogisticRegressionCV. A model fitted on a training part without a rare
    class would otherwise have no probability column for it, and log loss
    could not score it on a test part that holds it. None for regressors and
    multilabel targets, whose folds all have every output."""
    if is_classifier(estimator) and type_of_target(y) in ("binary", "multiclass"):
        return unique_labels(y)
    return None


def _told_classes(scorer, classes):
    """``scorer``, told all ``classes`` if its metric reads predicted
    probabilities or scores and takes ``labels``, as LogisticRegressionCV
    tells it: a test part without a rare class then still matches the
    model's columns (log loss, Brier score, top-k accuracy, ...).

    A metric of predicted labels (F1, precision, ...) is left alone, unlike
    in LogisticRegressionCV: there ``labels`` would add a class that a test
    part neither holds nor is predicted, at an F1 of 0, to the macro
    average. The scorer's own ``labels`` and ``pos_label`` win.
    """
    parts = scorer_parts(scorer)
    if classes is None or parts is None:
        return scorer
    metric, response = parts
    if response == "predict":
        return scorer
    params = inspect.signature(metric).parameters
    if "labels" not in params:
        return scorer
    told = {"labels": classes}
    if len(classes) == 2 and "pos_label" in params:
        # The column of predict_proba a binary score reads.
        told["pos_label"] = classes[-1]
    return scorer_with_defaults(scorer, told)


def _check_fold_weights(X, splits, sample_weight, score_params):
    """Refuse, before any fit, a fold whose training part weighs nothing
    (it cannot be fitted) or whose test part weighs nothing in its scores
    (a weighted mean over no weight): the metric's own error would not say
    which fold, nor that the folds are to blame."""
    for part, used in [(0, sample_weight), (1, score_params.get("sample_weight"))]:
        if used is None:
            continue
        weights = _check_sample_weight(used, X, ensure_non_negative=True)
        for k, fold in enumerate(splits):
            if not weights[fold[part]].sum() > 0:
                raise ValueError(
                    f"sample_weight sums to zero on the "
                    f"{('training', 'test')[part]} part of fold {k} of cv, so "
                    f"that fold cannot be {('fitted', 'scored')[part]}. Use a "
                    "cv whose every fold holds rows of positive weight "
                    "(KFold(shuffle=True), for instance), or drop the rows of "
                    "zero weight."
                )


def _warn_convergence(on_all_data, in_process, per_fold):
    """One ConvergenceWarning for the dense fit on all the data and the
    folds' paths, where each fit's own would repeat the same message once
    per fold. The messages come as lists: the dense fit's, those the caller
    collected from folds in its process, and each worker-process fold's.
    A path warns at most once, from its first fit (the next alphas' budgets
    are silent)."""
    n_folds = len(in_process) + sum(len(messages) for messages in per_fold)
    if not (on_all_data or n_folds):
        return
    where = []
    if on_all_data:
        where.append("the dense fit on all the data that sets the alphas")
    if n_folds:
        where.append(f"the first fit of {n_folds} of the {len(per_fold)} folds' paths")
    first = (on_all_data + in_process + [m for f in per_fold for m in f])[0]
    warn(
        f"{first} This happened in {' and in '.join(where)}, so the "
        "cross-validated scores are of models still training. Raise max_iter "
        "(or learning_rate_init), or check that the inputs are scaled.",
        ConvergenceWarning,
    )


def _check_scores(folds, y, splits, classes):
    """Refuse a fold the scorer could not score: a mean over folds with a
    NaN would hide the alpha, or every alpha, from the selection."""
    for k, fold in enumerate(folds):
        if not np.isfinite(fold["test_score"]).all():
            where = _describe_fold(k, y, *splits[k], classes)
            raise ValueError(
                f"The scorer gave non-finite scores on {where}. Some scores "
                "are undefined on small test parts (r2 on fewer than two "
                "rows, ROC AUC on a test part without some class): use fewer "
                "folds, or a scoring defined on every test part."
            )


def _selected_index(mean, sem, selection):
    """'best': the highest mean score; '1se': the largest alpha whose mean
    score is within one standard error of the best (glmnet's lambda.1se)."""
    best = int(np.nanargmax(mean))
    if selection == "best":
        return best
    within = np.flatnonzero(mean >= mean[best] - sem[best])
    return int(within.max())


class _CVMixin:
    """Fit: a warm-started path per fold, an alpha chosen on their scores,
    and the path on all the data up to that alpha."""

    _cv_constraints = {
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "max_iter_per_alpha": [Interval(Integral, 1, None, closed="left"), None],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "selection": [StrOptions({"best", "1se"})],
        "refit": [StrOptions({"relaxed"}), "boolean"],
        "n_jobs": [Integral, None],
    }
    _base_only = ("alpha", "warm_start")

    @staticmethod
    def _constraints_of(base_class):
        """The base's parameter constraints without ``_base_only``, plus CV's."""
        return {
            **{
                name: constraint
                for name, constraint in base_class._parameter_constraints.items()
                if name not in _CVMixin._base_only
            },
            **_CVMixin._cv_constraints,
        }

    def _base_estimator(self):
        names = self._base_class._get_param_names()
        return self._base_class(
            **{
                name: getattr(self, name)
                for name in names
                if name not in self._base_only
            }
        )

    def _partial_fit_available(self):
        raise AttributeError(
            f"{type(self).__name__} chooses alpha on whole paths, so it has no "
            "partial_fit. Fit it once, then stream into a "
            f"{self._base_class.__name__}(alpha=est.alpha_, ...) with "
            "warm_start, or call partial_fit on a clone of that estimator."
        )

    def set_callbacks(self, *callbacks):
        """Not supported: the CV estimators run no callbacks yet.

        Parameters
        ----------
        *callbacks : callback instances
            Refused.

        Returns
        -------
        self : object
            Never returned: always raises.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not run sklearn.callback callbacks: its "
            "fits are whole paths over folds. Set them on the estimator refitted "
            f"with the chosen alpha, {self._base_class.__name__}(alpha=cv.alpha_, "
            "...)."
        )

    def _scorer(self, base):
        """The folds' scorer. Under metadata routing, one named by ``scoring``
        (or the default, the estimator's own metric) requests
        ``sample_weight`` if its metric takes it, so that routing changes no
        score; a scorer object keeps its own requests."""
        if self.scoring is not None and not isinstance(self.scoring, str):
            return check_scoring(base, scoring=self.scoring)
        name = self.scoring or ("accuracy" if is_classifier(base) else "r2")
        scorer = get_scorer(name)
        if _routing_enabled():
            scorer.set_score_request(sample_weight=accepts_sample_weight(scorer))
        return scorer

    def _routed_params(self, scorer, sample_weight, params):
        """The metadata for ``cv``'s ``split`` and for ``scorer``."""
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            return routed.splitter.split, routed.scorer.score
        # As GridSearchCV: groups reach the splitter, and sample_weight a
        # scorer that takes it (scikit-learn >= 1.7), without routing.
        params = dict(params)
        groups = params.pop("groups", None)
        _raise_for_params(params, self, "fit")
        if sample_weight is None or not accepts_sample_weight(scorer):
            return {"groups": groups}, {}
        return {"groups": groups}, {"sample_weight": sample_weight}

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Please check :ref:`User Guide <sklearn:metadata_routing>` on how the
        routing mechanism works. ``fit`` consumes ``sample_weight`` and routes
        metadata to ``cv``'s ``split`` and to the scorer's ``score``.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating routing information.
        """
        return (
            MetadataRouter(owner=type(self).__name__)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._scorer(self._base_estimator()),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation, then fit the model with it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, used in every fit and, on each fold's test part,
            in its scores if the scorer takes them, as in
            :class:`~sklearn.model_selection.GridSearchCV`.

        **params : dict
            Metadata for the folds and the scores. ``groups`` goes to the
            ``split`` of a group-aware ``cv``
            (:class:`~sklearn.model_selection.GroupKFold`, ...), as
            GridSearchCV takes it. With
            ``sklearn.set_config(enable_metadata_routing=True)``, any
            metadata goes where it is requested: to ``cv``'s ``split``, and
            to the scorer's ``score`` on each fold's test part (a scorer
            object's own requests decide, ``sample_weight``'s included).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        base = self._base_estimator()
        scorer = self._scorer(base)
        split_params, score_params = self._routed_params(scorer, sample_weight, params)
        # The estimator's own checks and messages, before any split; the
        # folds then index the validated X.
        X = base._validate_input(X, y, incremental=False, reset=True)[0]
        y = np.asarray(y)
        classes = _all_classes(base, y)
        scorer = _told_classes(scorer, classes)
        X, y, sample_weight = indexable(X, y, sample_weight)
        budget = _budget(base.max_iter, self.max_iter_per_alpha)
        cv = check_cv(self.cv, y, classifier=is_classifier(base))
        # Split first: a data set too small for the folds says so before
        # any fit.
        splits = list(cv.split(X, y, **split_params))
        _check_fold_weights(X, splits, sample_weight, score_params)
        start = None
        on_all_data = []
        if isinstance(self.alphas, Integral):
            with _collected_convergence_warnings(on_all_data):
                alphas, start = _alpha_grid(
                    base, X, y, n_alphas=self.alphas, eps=self.eps,
                    sample_weight=sample_weight,
                )  # fmt: skip
        else:
            alphas = _checked_alphas(self.alphas)
        in_process = []
        with _collected_convergence_warnings(in_process):
            folds = Parallel(n_jobs=self.n_jobs)(
                delayed(_fold_path)(
                    base,
                    X,
                    y,
                    sample_weight,
                    k,
                    train,
                    test,
                    alphas,
                    budget,
                    scorer,
                    score_params,
                    self.refit == "relaxed",
                    classes,
                    os.getpid(),
                )
                for k, (train, test) in enumerate(splits)
            )
        _warn_convergence(
            on_all_data, in_process, [fold.pop("convergence") for fold in folds]
        )
        _check_scores(folds, y, splits, classes)
        results = {"alphas": alphas}
        for key in folds[0]:
            table = np.array([fold[key] for fold in folds])
            for k, row in enumerate(table):
                results[f"split{k}_{key}"] = row
            results[f"mean_{key}"] = table.mean(axis=0)
            results[f"std_{key}"] = table.std(axis=0)
        n_folds = len(folds)
        sem = results["std_test_score"] / np.sqrt(max(n_folds - 1, 1))
        results["sem_test_score"] = sem
        index = _selected_index(results["mean_test_score"], sem, self.selection)

        final = _run_path(
            base if start is None else start,
            X, y, alphas[: index + 1], budget, sample_weight,
            started=start is not None,
        ).estimators[-1]  # fmt: skip
        if self.refit == "relaxed":
            final = _relaxed_fit(final, X, y, sample_weight, base.max_iter)
        fitted = {k: v for k, v in vars(final).items() if k.endswith("_") or (
            k.startswith("_") and not k.startswith("__")
        )}  # fmt: skip
        for name in [k for k in vars(self) if k.endswith("_")]:
            delattr(self, name)
        vars(self).update(fitted)
        self.alpha_ = float(alphas[index])
        self.alphas_ = alphas
        self.cv_results_ = results
        return self


# The relaxed refit's penalty on the kept weights: the estimators' default
# alpha. With none, a network's kept weights could grow without bound on
# separable data.
RELAXED_ALPHA = 1e-4


class _RelaxedMixin:
    """Fits under 'l2' on the support in ``_support``, zeros held at zero."""

    def _make_penalty(self, layer_units):
        return Restricted(L2(self.alpha), self._support)


class _RelaxedClassifier(_RelaxedMixin, MLPRegularizedClassifier):
    pass


class _RelaxedRegressor(_RelaxedMixin, MLPRegularizedRegressor):
    pass


def _support(fitted):
    """Mask of the non-zero connection weights, packed."""
    return pack(fitted.coefs_, [], np.float64) != 0


def _relaxed_fit(sparse, X, y, sample_weight, max_iter, warns=True):
    """Refit the non-zero weights of ``sparse`` under a mild L2, from them,
    for the estimator's full ``max_iter`` (a path's snapshot has its budget);
    with ``warns``, a ConvergenceWarning if that does not converge."""
    cls = (
        _RelaxedClassifier
        if isinstance(sparse, MLPRegularizedClassifier)
        else _RelaxedRegressor
    )
    relaxed = cls(**sparse.get_params())
    vars(relaxed).update(
        {k: v for k, v in vars(sparse).items() if k not in vars(relaxed)}
    )
    relaxed.set_params(
        penalty="l2",
        penalty_groups="weights",
        alpha=RELAXED_ALPHA,
        warm_start=True,
        max_iter=max_iter,
    )
    relaxed._support = _support(sparse)
    relaxed._warns_convergence = warns
    relaxed.fit(X, y, sample_weight=sample_weight)
    del relaxed._support, relaxed._warns_convergence
    return relaxed


@fill_doc
class MLPRegularizedClassifierCV(_CVMixin, MLPRegularizedClassifier):
    """Multi-layer perceptron classifier with alpha chosen by cross-validation.

    Each fold fits one path of increasing alphas, warm-started (see
    :func:`regularization_path`); the folds run in parallel with
    ``n_jobs``. The alpha is chosen on the folds' mean score ('best' or
    '1se'), and the model is fitted on all the data along the path up to
    it, then optionally relaxed. Read more in the
    :ref:`User Guide <choosing_alpha>`.

    Parameters
    ----------
    %(cv_parameters)s

    %(class_weight)s

    Attributes
    ----------
    %(cv_fitted)s

    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel targets, one column index per label.

    %(fitted)s

    See Also
    --------
    MLPRegularizedClassifier : The estimator at one alpha.
    regularization_path : The warm-started path each fold fits.
    MLPRegularizedRegressorCV : The regressor's counterpart.

    Notes
    -----
    Its cost is one path per fold plus one on all the data (and, with
    ``alphas`` an int, one dense fit for the grid), against one fit per
    alpha per fold for :class:`~sklearn.model_selection.GridSearchCV`.
    ``warm_start`` and ``partial_fit`` are not offered: each fit chooses
    alpha afresh. The fitted attributes are those of the final model:
    ``n_iter_`` counts the epochs of its last fit (the chosen alpha, or the
    relaxed refit), while ``loss_curve_`` runs over the whole final path.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skreg import MLPRegularizedClassifierCV
    >>> X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    >>> clf = MLPRegularizedClassifierCV(
    ...     hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs",
    ...     alphas=[1e-3, 1e-2, 1e-1], cv=3, random_state=0,
    ... ).fit(X, y)
    >>> clf.alpha_
    0.01
    >>> clf.n_features_selected_
    6
    """

    _base_class = MLPRegularizedClassifier
    _parameter_constraints = _CVMixin._constraints_of(MLPRegularizedClassifier)

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        penalty="l2",
        penalty_groups="weights",
        solver="adam",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        polish=0.25,
        alphas=20,
        eps=1e-3,
        max_iter_per_alpha=None,
        cv=None,
        scoring=None,
        selection="best",
        refit=True,
        n_jobs=None,
        class_weight=None,
    ):
        self.class_weight = class_weight
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.penalty = penalty
        self.penalty_groups = penalty_groups
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.polish = polish
        self.alphas = alphas
        self.eps = eps
        self.max_iter_per_alpha = max_iter_per_alpha
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.refit = refit
        self.n_jobs = n_jobs


@fill_doc
class MLPRegularizedRegressorCV(_CVMixin, MLPRegularizedRegressor):
    """Multi-layer perceptron regressor with alpha chosen by cross-validation.

    Each fold fits one path of increasing alphas, warm-started (see
    :func:`regularization_path`); the folds run in parallel with
    ``n_jobs``. The alpha is chosen on the folds' mean score ('best' or
    '1se'), and the model is fitted on all the data along the path up to
    it, then optionally relaxed. Read more in the
    :ref:`User Guide <choosing_alpha>`.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The data loss, as in :class:`MLPRegularizedRegressor`.

    %(cv_parameters)s

    Attributes
    ----------
    %(cv_fitted)s

    %(fitted)s

    See Also
    --------
    MLPRegularizedRegressor : The estimator at one alpha.
    regularization_path : The warm-started path each fold fits.
    MLPRegularizedClassifierCV : The classifier's counterpart.

    Notes
    -----
    Its cost is one path per fold plus one on all the data (and, with
    ``alphas`` an int, one dense fit for the grid), against one fit per
    alpha per fold for :class:`~sklearn.model_selection.GridSearchCV`.
    ``warm_start`` and ``partial_fit`` are not offered: each fit chooses
    alpha afresh. The fitted attributes are those of the final model:
    ``n_iter_`` counts the epochs of its last fit (the chosen alpha, or the
    relaxed refit), while ``loss_curve_`` runs over the whole final path.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import MLPRegularizedRegressorCV
    >>> X, y = make_regression(n_samples=300, n_features=8, n_informative=3,
    ...                        noise=1.0, random_state=0)
    >>> reg = MLPRegularizedRegressorCV(
    ...     hidden_layer_sizes=(8,), penalty="l1", solver="lbfgs",
    ...     alphas=[1e-2, 1e-1, 1.0], selection="1se", cv=3, random_state=0,
    ... ).fit(X, y / y.std())
    >>> reg.alpha_
    0.01
    >>> reg.n_features_selected_
    3
    """

    _base_class = MLPRegularizedRegressor
    _parameter_constraints = _CVMixin._constraints_of(MLPRegularizedRegressor)

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        penalty="l2",
        penalty_groups="weights",
        solver="adam",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        polish=0.25,
        alphas=20,
        eps=1e-3,
        max_iter_per_alpha=None,
        cv=None,
        scoring=None,
        selection="best",
        refit=True,
        n_jobs=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.penalty = penalty
        self.penalty_groups = penalty_groups
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.polish = polish
        self.alphas = alphas
        self.eps = eps
        self.max_iter_per_alpha = max_iter_per_alpha
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.refit = refit
        self.n_jobs = n_jobs
