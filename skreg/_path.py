"""The regularization path: one network fitted along increasing alphas.

Each alpha starts from the previous alpha's weights (a warm start), so the
path costs one full fit plus a short budget per alpha, instead of one full fit
per alpha. It runs from dense to sparse: the all-zero network is a saddle
point of every network objective (with the next layer's weights at zero, no
first-layer weight has a gradient), so a glmnet-style path downwards from the
alpha that zeroes everything never leaves zero.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch

from skreg._losses import LOSSES
from skreg._network import loss_and_gradient, pack
from skreg._sklearn_compat import (
    HasMethods,
    Interval,
    _check_sample_weight,
    validate_params,
)
from skreg._structure import n_active_units, n_used_inputs
from skreg.penalties._registry import make_penalty

# Penalties that count (weights or groups): one non-zero costs alpha whatever
# its size, so an alpha above the whole gain of the dense fit over the
# constant model leaves nothing worth keeping.
_COUNTING = ("l0",)


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
    would cost all they gain:

    - the grid starts at ``eps * G / R``, where that penalty is a fraction
      ``eps`` of the gain, and the dense solution is nearly untouched;
    - for 'l0' it ends at ``G``: a single non-zero weight (or group) then
      costs more than any network can gain, so the all-zero network is the
      optimum;
    - for 'l1' and 'l2' it ends at ``10 * G / R``, a bound rather than an
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
    gain = _null_loss(dense, Y, sw) - _data_loss(dense, Xv, Y, sw)
    size = _penalty(dense, 1.0).value(pack(dense.coefs_, [], np.float64))
    if not (gain > 0 and size > 0):
        raise ValueError(
            "The dense fit (alpha=0) did not improve on a constant prediction "
            f"(gain in data loss {gain:.3g}), so no alpha can trade fit for "
            "sparsity. Check the data and the estimator's other parameters, "
            "or pass alphas explicitly."
        )
    start = eps * gain / size
    stop = gain if estimator.penalty in _COUNTING else 100 * gain / size
    return np.geomspace(start, max(stop, start), n_alphas), dense


@validate_params(
    {
        "estimator": [HasMethods(["fit", "set_params"])],
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
    alpha continues from the previous weights for at most
    ``max_iter_per_alpha`` epochs (iterations for 'lbfgs'). It stops early
    once no input is used: the network is then a constant, and a larger alpha
    keeps it so. Read more in the :ref:`User Guide <choosing_alpha>`.

    Parameters
    ----------
    estimator : MLPRegularizedClassifier or MLPRegularizedRegressor
        Defines the network, penalty and solver; its ``alpha`` and
        ``warm_start`` are ignored. It is cloned, not changed.
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
        Epoch budget of every alpha after the first. None means a tenth of
        the estimator's ``max_iter``, at least 10. Reaching it is expected
        and raises no ConvergenceWarning.
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
    and to ``10 * G / R`` for 'l1' and 'l2', a bound rather than an exact end
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
    [10, 8, 1]
    """
    params = estimator.get_params(deep=False)
    estimator = clone(estimator).set_params(warm_start=False)
    budget = estimator.max_iter if max_iter_per_alpha is None else max_iter_per_alpha
    if isinstance(alphas, Integral):
        alphas, estimator = _alpha_grid(
            estimator, X, y, n_alphas=alphas, eps=eps, sample_weight=sample_weight
        )
        # The dense fit was the full one: the first alpha barely moves it.
        estimator.set_params(warm_start=True, max_iter=budget)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())
        if alphas.size == 0 or not (np.all(np.isfinite(alphas)) and alphas[0] >= 0):
            raise ValueError(
                f"alphas must be finite, non-negative and not empty; got {alphas}."
            )
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
        with warnings.catch_warnings():
            if estimator.warm_start:
                # A budget, not a convergence criterion.
                warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.set_params(alpha=alpha).fit(X, y, sample_weight=sample_weight)
        estimator.set_params(warm_start=True, max_iter=budget)
        if data is None:
            data = _training_data(estimator, X, y, sample_weight)
        # The fit replaces the weight arrays and curves, so a shallow copy
        # keeps this alpha's; its parameters are the caller's.
        snapshot = copy.copy(estimator).set_params(**{**params, "alpha": alpha})
        vars(snapshot).pop("_optimizer", None)
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
