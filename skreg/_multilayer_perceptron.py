"""The estimators: parameters, validation, tags and the fitted attributes.

The estimators turn their parameters into the objects of a fit and commit
its result. The rest lives elsewhere: the training loops in ``_training``,
the network in ``_network``, the losses in ``_losses``, the penalties in
``penalties`` and the update rules in ``_optimizers``.
"""

import copy
from abc import ABC, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted

from skreg import _kernels as kernels
from skreg._callbacks import CALLBACK_STATE, CallbackSupportMixin, Hooks
from skreg._docstrings import fill_doc
from skreg._losses import LOSSES, OUTPUT_LOSSES
from skreg._network import (
    init_params,
    n_weights,
    pack,
    raw_output,
    unpack,
)
from skreg._optimizers import SGD, Adam, check_penalty_support
from skreg._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _check_partial_fit_first_call,
    _check_sample_weight,
    _fit_context,
    validate_data,
)
from skreg._structure import compact_network, n_active_units, n_used_inputs
from skreg._training import (
    CURVES,
    Data,
    FullBatchTraining,
    Network,
    StochasticTraining,
    Validation,
    batch_size,
    diverged,
)
from skreg.penalties._group import InputGroups
from skreg.penalties._registry import GROUPINGS, PENALTIES, make_penalty

_STOCHASTIC_SOLVERS = ("sgd", "adam")


@contextmanager
def _rollback_on_error(estimator):
    """Restore the estimator's attributes if the body raises.

    Training writes only to fresh arrays and commits them at the end, so a
    shallow copy of ``__dict__`` is enough to undo the attributes that input
    validation sets (``n_features_in_``, ``classes_``, ...): a failed fit,
    warm start or partial_fit leaves the previous model exactly as it was.
    """
    saved = dict(vars(estimator))
    # A RandomState passed as random_state is shared, not copied: its draws
    # in the failed call are undone too, so that continued training matches
    # a model that never saw the failure.
    rng = saved.get("random_state")
    rng_state = rng.get_state() if isinstance(rng, np.random.RandomState) else None
    try:
        yield
    except BaseException:
        # The callbacks' teardown runs after this and needs their state.
        live = {k: v for k, v in vars(estimator).items() if k in CALLBACK_STATE}
        vars(estimator).clear()
        vars(estimator).update(saved)
        vars(estimator).update(live)
        if rng_state is not None:
            rng.set_state(rng_state)
        raise


# With scikit-learn >= 1.9 the estimators take sklearn.callback callbacks.
_CALLBACK_BASES = () if CallbackSupportMixin is None else (CallbackSupportMixin,)


class _BaseMLPRegularized(*_CALLBACK_BASES, BaseEstimator, ABC):
    """Shared training logic; use the classifier or the regressor."""

    # False on the fits of a regularization path after the first, which a
    # budget is meant to end (their ConvergenceWarnings would repeat for
    # every alpha), and on a CV fold's relaxed refits, reported by the final
    # one. An attribute, not warnings.catch_warnings, which is not safe where
    # the CV folds run in threads.
    _warns_convergence = True

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "penalty": [StrOptions(set(PENALTIES))],
        "penalty_groups": [StrOptions(set(GROUPINGS)), "array-like"],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "polish": [Interval(Real, 0, None, closed="left")],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes,
        activation,
        penalty,
        penalty_groups,
        solver,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
        shuffle,
        random_state,
        tol,
        verbose,
        warm_start,
        momentum,
        nesterovs_momentum,
        early_stopping,
        validation_fraction,
        beta_1,
        beta_2,
        epsilon,
        n_iter_no_change,
        max_fun,
        polish,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.penalty = penalty
        self.penalty_groups = penalty_groups
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
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

    # Subclass hooks --------------------------------------------------------

    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Validated ``X`` and the 2-D float target ``Y`` in ``X``'s dtype."""

    @abstractmethod
    def _loss_name(self):
        """Key of the data loss in ``LOSSES`` for the fitted target."""

    def _score_output(self, output, y, sample_weight):
        """Score of network outputs (after the output activation) against y."""
        if not np.isfinite(output).all():
            return np.nan
        return self._metric(y, self._decode(output), sample_weight=sample_weight)

    @abstractmethod
    def _stratify(self, Y):
        """Labels to stratify the early-stopping split on, or None."""

    @abstractmethod
    def _decode(self, Y):
        """The target in the user's form, from its 2-D float encoding."""

    # Fitting ---------------------------------------------------------------

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _fit(self, X, y, sample_weight, incremental):
        hidden = self._hidden_layer_sizes()
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        sample_weight = self._weigh_classes(Y, sample_weight)
        if sample_weight is not None:
            peak = sample_weight.max(initial=0)
            if not peak > 0:
                raise ValueError("sample_weight must have a positive sum.")
            # The data loss is a weighted mean, so scaling the weights changes
            # nothing; near the dtype's range their sums would overflow.
            if peak > np.finfo(X.dtype).max ** 0.5 / sample_weight.shape[0]:
                sample_weight = sample_weight / peak
        layer_units = [X.shape[1], *hidden, Y.shape[1]]
        penalty = self._make_penalty(layer_units)
        described = f"penalty={self.penalty!r}"
        if isinstance(self.penalty_groups, str):
            if self.penalty_groups != "weights":
                described += f" with penalty_groups={self.penalty_groups!r}"
        else:
            described += " with input groups"
        check_penalty_support(self.solver, penalty, described)
        loss = LOSSES[self._loss_name()]()
        rng = check_random_state(self.random_state)

        if first_pass:
            theta = init_params(layer_units, self.activation, rng, X.dtype)
        else:
            previous = [self.coefs_[0].shape[0]] + [b.size for b in self.intercepts_]
            if previous != layer_units:
                raise ValueError(
                    f"Cannot continue training a network with layer sizes "
                    f"{previous} on a problem needing {layer_units}: "
                    "hidden_layer_sizes or the number of outputs changed. Fit "
                    "again with warm_start=False."
                )
            # A fresh copy: the fitted arrays stay untouched until the commit.
            theta = pack(self.coefs_, self.intercepts_, X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            initial_penalty = penalty.value(theta[: n_weights(layer_units)])
        # Beyond sqrt(max), the products of the solvers' updates (Adam's
        # squared gradients, L-BFGS's curvature pairs) overflow.
        if not initial_penalty < np.finfo(X.dtype).max ** 0.5:
            raise ValueError(
                f"alpha={self.alpha!r} is so large that the penalty of the "
                f"initial weights is {initial_penalty:.3g}, beyond what "
                f"{X.dtype} arithmetic can take steps on. Use a smaller alpha: "
                "one that zeroes every weight is far below this."
            )
        # Inputs grouped by labels train reordered, each group's rows
        # contiguous: the penalty is then a plain block group penalty, which
        # the compiled steps fuse (Adam 1.02-1.11x an l2 fit; gathering the
        # rows at every step, with the prox in numpy, cost 1.20-1.52x).
        order = restore = None
        if isinstance(penalty, InputGroups):
            order = np.r_[penalty.index, np.arange(penalty.index.size, theta.size)]
            restore = np.argsort(order)

        hooks = Hooks(
            self, X, y, sample_weight,
            # Epochs and the final phase; L-BFGS's iterations and one that
            # never runs (its callback begins each next one).
            1 if incremental else self.max_iter + 1,
            layer_units, loss.out_activation, restore,
        )  # fmt: skip
        if order is not None:
            # np.take keeps dense X in C order (X[:, rows] is in F order, and
            # the minibatches' row gathers then took 40x longer).
            rows = penalty.rows
            X = X[:, rows] if sp.issparse(X) else np.take(X, rows, axis=1)
            theta, penalty = theta[order], penalty.reordered
        # Overflow is detected below and reported as divergence, with advice;
        # numpy's own RuntimeWarnings would only add noise before it.
        saving = self._compiled_saving(X.shape[0], layer_units, incremental)
        network = Network(layer_units, self.activation, loss)
        state = self._previous_state(not first_pass, incremental)
        with np.errstate(over="ignore", invalid="ignore"), kernels.planned(saving):
            if self.solver in _STOCHASTIC_SOLVERS:
                training, optimizer, data, validation = self._stochastic_setup(
                    X, Y, sample_weight, theta, rng, first_pass, incremental
                )
                if order is not None:
                    optimizer.reorder(order)
                fitted = training.run(
                    theta, network, data, penalty, optimizer, rng, state, hooks,
                    validation, incremental,
                )  # fmt: skip
            else:
                training = FullBatchTraining(
                    max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
                    verbose=self.verbose, warn=self._warns_convergence,
                )  # fmt: skip
                fitted = training.run(
                    theta, network, Data(X, Y, sample_weight), penalty, state,
                    hooks,
                )  # fmt: skip
        if not np.isfinite(theta).all():
            raise diverged("at the end of training: some weights are not finite")
        if order is not None:
            theta = theta[restore]
            if "_optimizer" in fitted:
                fitted["_optimizer"].reorder(restore)

        self.coefs_, self.intercepts_ = unpack(theta, layer_units)
        self.n_layers_ = len(layer_units)
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = loss.out_activation
        for name, value in fitted.items():
            setattr(self, name, value)
        hooks.finish()
        return self

    def _compiled_saving(self, n_samples, layer_units, incremental):
        """Seconds the compiled kernels would save if this fit ran all its
        epochs: ``max_iter``, or under partial_fit every sample seen so far,
        so that a long stream earns them as a long fit does."""
        if incremental:
            epochs = (getattr(self, "t_", 0) + n_samples) / n_samples
        else:
            epochs = self.max_iter
        steps = 0
        if self.solver in _STOCHASTIC_SOLVERS:
            steps = epochs * -(-n_samples // batch_size(self.batch_size, n_samples))
        relu = self.activation == "relu"
        return kernels.fit_saving(
            n_weights(layer_units) + sum(layer_units[1:]),
            steps,
            epochs * n_samples * sum(layer_units[1:-1]) if relu else 0,
        )

    def _weigh_classes(self, Y, sample_weight):
        """``sample_weight`` times the class weights; the classifier's."""
        return sample_weight

    def _make_penalty(self, layer_units):
        """The penalty object of this fit; the relaxed refit restricts it."""
        return make_penalty(self.penalty, self.alpha, self.penalty_groups, layer_units)

    def _previous_state(self, continuing, incremental):
        """What training continues from: copies of the fitted curves and the
        sample count when it continues (warm start, partial_fit), else a fresh
        start. The stopping rule restarts with each fit, and goes on from call
        to call of partial_fit."""

        def previous(name):
            return list(getattr(self, name, None) or []) if continuing else []

        best_loss, no_improvement = np.inf, 0
        if incremental and continuing:
            best_loss = getattr(self, "best_loss_", None)
            best_loss = np.inf if best_loss is None else best_loss
            no_improvement = getattr(self, "_no_improvement_count", 0)
        return {
            "curves": {name: previous(name) for name in CURVES},
            "validation_scores": previous("validation_scores_"),
            "validation_losses": previous("validation_loss_curve_"),
            "t": getattr(self, "t_", 0) if continuing else 0,
            "best_loss": best_loss,
            "no_improvement": no_improvement,
        }

    def _make_optimizer(self, theta):
        if self.solver == "sgd":
            return SGD(
                theta,
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return Adam(
            theta, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon
        )

    def _stochastic_setup(
        self, X, Y, sample_weight, theta, rng, first_pass, incremental
    ):  # fmt: skip
        """The stochastic training of this fit, its optimizer, its training
        data and early stopping's validation part (None without)."""
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        optimizer = getattr(self, "_optimizer", None)
        expected = SGD if self.solver == "sgd" else Adam
        if incremental and not first_pass and isinstance(optimizer, expected):
            # partial_fit continues the optimizer's state (moments, schedule)
            # on a copy, so a failure cannot corrupt the fitted one.
            optimizer = copy.deepcopy(optimizer)
        else:
            optimizer = self._make_optimizer(theta)
        validation = None
        if self.early_stopping:
            if sp.issparse(X):
                X = X.tocsr()  # the split takes rows
            X, Y, sample_weight, X_val, Y_val, sw_val = self._split_validation(
                X, Y, sample_weight, rng
            )
            validation = Validation(
                X_val, Y_val, self._decode(Y_val), sw_val, self._score_output
            )
        training = StochasticTraining(
            max_iter=self.max_iter, batch_size=self.batch_size,
            shuffle=self.shuffle, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, polish=self.polish,
            verbose=self.verbose, warn=self._warns_convergence,
        )  # fmt: skip
        return training, optimizer, Data(X, Y, sample_weight), validation

    def _split_validation(self, X, Y, sample_weight, rng):
        arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
        try:
            parts = train_test_split(
                *arrays,
                random_state=rng,
                test_size=self.validation_fraction,
                stratify=self._stratify(Y),
            )
        except ValueError as error:
            raise ValueError(
                "early_stopping could not split off a validation set with "
                f"every class in both parts ({error}). Increase "
                "validation_fraction or the samples per class, or set "
                "early_stopping=False."
            ) from error
        X_train, X_val, Y_train, Y_val = parts[:4]
        sw_train, sw_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small for early_stopping. Increase "
                "validation_fraction or the number of samples."
            )
        for part, use, weights in (
            ("training", "trained on", sw_train),
            ("validation", "scored", sw_val),
        ):
            if weights is not None and not weights.sum() > 0:
                raise ValueError(
                    f"early_stopping's random split left the {part} part "
                    f"({len(weights)} samples) with only zero sample weights, "
                    f"so it cannot be {use}. Give more samples a positive "
                    "weight, change validation_fraction or random_state, or "
                    "set early_stopping=False."
                )
        return X_train, Y_train, sw_train, X_val, Y_val, sw_val

    # Prediction ------------------------------------------------------------

    def _raw_output(self, X):
        """Network output before the output activation, for unvalidated ``X``."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return raw_output(X, self.coefs_, self.intercepts_, self.activation)

    def _forward(self, X):
        """Network output after the output activation, for unvalidated ``X``."""
        Z = self._raw_output(X)
        return OUTPUT_LOSSES[self.out_activation_]().inverse_link(Z)

    # Sparsity --------------------------------------------------------------

    # Properties, not stored attributes: they are always those of the current
    # coefs_, even after a user edits them.

    @property
    def layer_sparsity_(self):
        """Share of exactly-zero weights in each matrix of ``coefs_``."""
        check_is_fitted(self)
        return [float(np.mean(W == 0)) for W in self.coefs_]

    @property
    def n_nonzero_weights_(self):
        """Number of connection weights that are not zero."""
        check_is_fitted(self)
        return int(sum(np.count_nonzero(W) for W in self.coefs_))

    @property
    def sparsity_(self):
        """Share of connection weights that are exactly zero, all layers."""
        check_is_fitted(self)
        total = sum(W.size for W in self.coefs_)
        return 1.0 - self.n_nonzero_weights_ / total

    @property
    def feature_importances_(self):
        """Norm of each input's outgoing weights, normalised to sum to 1."""
        check_is_fitted(self)
        norms = np.linalg.norm(self.coefs_[0].astype(np.float64), axis=1)
        total = norms.sum()
        return norms / total if total > 0 else norms

    @property
    def n_features_selected_(self):
        """Number of inputs with a non-zero outgoing weight."""
        check_is_fitted(self)
        return n_used_inputs(self.coefs_)

    @property
    def n_active_units_(self):
        """Number of units per hidden layer that connect input to output."""
        check_is_fitted(self)
        return n_active_units(self.coefs_)

    def compact(self):
        """A copy without the hidden units that cannot affect the output.

        Removes every hidden unit that no path of non-zero weights connects
        to both an input and the output. A unit cut off from the inputs
        outputs a constant, which is first folded into the next layer's
        intercepts, so the predictions do not change (up to rounding). Most
        useful after ``penalty_groups='neurons'``, which zeroes whole units.

        Returns
        -------
        compacted : estimator
            A new fitted estimator of the same class; ``self`` is unchanged.
            Its ``hidden_layer_sizes`` are the sizes left (a layer left empty
            keeps one unit with zero weights), so a fit with
            ``warm_start=True`` fine-tunes the small network. ``coefs_[0]``
            still has one row per input, zero for inputs no longer used, and
            the model takes the same ``X`` as before. The optimizer state
            (Adam's moments, SGD's velocity) is not carried over:
            ``partial_fit`` restarts it.
        """
        check_is_fitted(self)
        coefs, intercepts = compact_network(
            self.coefs_, self.intercepts_, self.activation
        )
        skipped = ("coefs_", "intercepts_", "_optimizer")
        compacted = copy.copy(self)
        vars(compacted).clear()
        vars(compacted).update(
            {k: copy.deepcopy(v) for k, v in vars(self).items() if k not in skipped}
        )
        compacted.coefs_, compacted.intercepts_ = coefs, intercepts
        compacted.hidden_layer_sizes = tuple(W.shape[1] for W in coefs[:-1])
        return compacted

    # Public API ------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; the data loss is their weighted mean.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with _rollback_on_error(self):
            return self._fit(X, y, sample_weight, incremental=False)

    def _partial_fit_available(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for the stochastic solvers "
                f"{list(_STOCHASTIC_SOLVERS)}, not solver={self.solver!r}."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


@fill_doc
class MLPRegularizedClassifier(ClassifierMixin, _BaseMLPRegularized):
    """Multi-layer perceptron classifier with an L0, L1 or L2 penalty.

    Minimizes the mean log-loss plus ``alpha * R(W)`` with L-BFGS, proximal
    SGD or proximal Adam. A drop-in replacement for
    :class:`~sklearn.neural_network.MLPClassifier`: the same parameters,
    attributes and methods, plus ``penalty``; the L1 and L0 penalties set
    weights exactly to zero.

    Parameters
    ----------
    %(parameters)s

    %(class_weight)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel targets, one column index per label.

    %(fitted)s

    See Also
    --------
    MLPRegularizedRegressor : The regressor with the same penalties.
    sklearn.neural_network.MLPClassifier : The scikit-learn MLP, with L2 only.

    Notes
    -----
    Binary and multilabel problems use logistic output units and the
    logistic loss; multiclass problems a softmax output and the
    cross-entropy. The loss is computed from the raw outputs, so it is finite
    and is the exact function whose gradient is followed.

    Differences from :class:`~sklearn.neural_network.MLPClassifier`, on
    purpose: ``alpha`` is not divided by the batch size (see ``alpha``);
    ``loss_curve_`` and ``best_loss_`` exist for 'lbfgs' too; a failed fit
    leaves the previous model intact; each call to fit with ``warm_start``
    restarts the stopping criterion.

    References
    ----------
    Glorot, X. and Bengio, Y. "Understanding the difficulty of training deep
    feedforward neural networks." AISTATS, 2010.

    Kingma, D. and Ba, J. "Adam: A method for stochastic optimization." ICLR,
    2015.

    Yun, J., Lozano, A. and Yang, E. "Adaptive proximal gradient methods for
    structured neural networks." NeurIPS, 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPRegularizedClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, stratify=y, random_state=0
    ... )
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     MLPRegularizedClassifier(
    ...         hidden_layer_sizes=(32,), penalty="l1", alpha=3e-3, random_state=0
    ...     ),
    ... ).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).round(2)
    array([[0., 1.]])
    >>> round(clf.score(X_test, y_test), 2)
    0.96
    >>> mlp = clf[-1]
    >>> round(mlp.sparsity_, 2), mlp.n_nonzero_weights_
    (0.97, 33)
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        penalty="l2",
        penalty_groups="weights",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
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
        class_weight=None,
    ):
        self.class_weight = class_weight
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            penalty=penalty,
            penalty_groups=penalty_groups,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            polish=polish,
        )

    _parameter_constraints: dict = {
        **_BaseMLPRegularized._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }
    # The early-stopping score, as in score(): accuracy.
    _metric = staticmethod(accuracy_score)

    def _weigh_classes(self, Y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        # The labels, not the binarized columns: class_weight's keys are
        # labels, and a multilabel Y decodes to its indicator matrix.
        weights = compute_sample_weight(self.class_weight, self._decode(Y))
        weights = weights.astype(Y.dtype, copy=False)
        return weights if sample_weight is None else weights * sample_weight

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # A CV fold's model knows every class of the data the fold comes
        # from, as LogisticRegressionCV's folds do: its probabilities then
        # have a column for each, whichever classes its training part holds.
        known = getattr(self, "_fold_classes", None)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y if known is None else known)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and known is None:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        f"classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {classes}."
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`: `self.classes_` "
                    f"has {self.classes_}, `y` has {classes}. Pass every class "
                    "in `classes` on the first call to partial_fit."
                )
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y

    def _loss_name(self):
        return (
            "log_loss"
            if self._label_binarizer.y_type_ == "multiclass"
            else "binary_log_loss"
        )

    def _stratify(self, Y):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return None
        return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]

    def _decode(self, Y):
        return self._label_binarizer.inverse_transform(
            Y.ravel() if Y.shape[1] == 1 else Y
        )

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        return self._decode(self._forward(X))

    @available_if(lambda est: est._partial_fit_available())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        classes : array-like of shape (n_classes,), default=None
            Every class across all calls to partial_fit, e.g.
            ``np.unique(y_all)``. Required on the first call, ignored after;
            ``y`` need not contain all of them.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' needs the class frequencies of all "
                "the data, and partial_fit sees one batch at a time. Compute "
                "them once, with sklearn.utils.class_weight.compute_class_weight"
                "('balanced', classes=classes, y=y) on all of y (or a large "
                "sample of it), and pass the resulting dict as class_weight."
            )
        with _rollback_on_error(self):
            if _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
            return self._fit(X, y, sample_weight, incremental=True)

    def decision_function(self, X):
        """Raw scores of the output units, before the logistic or softmax.

        Unlike probabilities these do not saturate, which keeps rankings (ROC
        curves, thresholds) informative for confident models.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary problems, the log-odds of ``classes_[1]``; for
            multiclass problems, the softmax inputs (logits) per class; for
            multilabel problems, the log-odds of each label.
        """
        Z = self._raw_output(X)
        return Z.ravel() if Z.shape[1] == 1 else Z

    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        output = self._forward(X)
        if len(self.classes_) == 1:
            # One class seen in fit: it is certain, and the columns must
            # match classes_ (scikit-learn's MLP returns two columns here).
            return np.ones((output.shape[0], 1), dtype=output.dtype)
        if output.shape[1] == 1:
            return np.hstack([1 - output, output])
        return output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


@fill_doc
class MLPRegularizedRegressor(RegressorMixin, _BaseMLPRegularized):
    """Multi-layer perceptron regressor with an L0, L1 or L2 penalty.

    Minimizes the mean half squared error (or half Poisson deviance) plus
    ``alpha * R(W)`` with L-BFGS, proximal SGD or proximal Adam. A drop-in
    replacement for :class:`~sklearn.neural_network.MLPRegressor`: the same
    parameters, attributes and methods, plus ``penalty``; the L1 and L0
    penalties set weights exactly to zero.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Data loss, summed over outputs and averaged over samples:
        ``0.5 * (y - f(x)) ** 2`` with an identity output, or the half Poisson
        deviance with an exponential output (``y >= 0`` required).

    %(parameters)s

    Attributes
    ----------
    %(fitted)s

    See Also
    --------
    MLPRegularizedClassifier : The classifier with the same penalties.
    sklearn.neural_network.MLPRegressor : The scikit-learn MLP, with L2 only.

    Notes
    -----
    For multi-output targets the squared error is summed over outputs, and
    its exact gradient is followed (scikit-learn's MLPRegressor reports the
    mean over outputs but follows the gradient of the sum,
    scikit-learn#8349).

    Differences from :class:`~sklearn.neural_network.MLPRegressor`, on
    purpose: ``alpha`` is not divided by the batch size (see ``alpha``);
    ``loss_curve_`` and ``best_loss_`` exist for 'lbfgs' too; a failed fit
    leaves the previous model intact; ``partial_fit`` does not exist for
    'lbfgs'.

    References
    ----------
    Glorot, X. and Bengio, Y. "Understanding the difficulty of training deep
    feedforward neural networks." AISTATS, 2010.

    Kingma, D. and Ba, J. "Adam: A method for stochastic optimization." ICLR,
    2015.

    Yun, J., Lozano, A. and Yang, E. "Adaptive proximal gradient methods for
    structured neural networks." NeurIPS, 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPRegularizedRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> reg = make_pipeline(
    ...     StandardScaler(),
    ...     MLPRegularizedRegressor(
    ...         hidden_layer_sizes=(16,), penalty="l0", alpha=1.0,
    ...         learning_rate_init=0.01, max_iter=500, random_state=0,
    ...     ),
    ... ).fit(X_train, y_train)
    >>> reg.predict(X_test[:2]).round()
    array([265., 236.])
    >>> round(reg.score(X_test, y_test), 2)
    0.33
    >>> mlp = reg[-1]
    >>> round(mlp.sparsity_, 2), mlp.n_nonzero_weights_
    (0.74, 46)
    """

    _parameter_constraints: dict = {
        **_BaseMLPRegularized._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }
    # The early-stopping score, as in score(): R^2.
    _metric = staticmethod(r2_score)

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        penalty="l2",
        penalty_groups="weights",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
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
    ):
        self.loss = loss
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            penalty=penalty,
            penalty_groups=penalty_groups,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            polish=polish,
        )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "loss='poisson' requires non-negative targets y; got a minimum "
                f"of {y.min()}."
            )
        if self.loss == "squared_error":
            largest = float(np.max(np.abs(y), initial=0))
            if largest >= np.finfo(X.dtype).max ** 0.5:
                fix = "Pass X as float64, or scale y"
                if X.dtype == np.float64:
                    fix = "Scale y"
                raise ValueError(
                    f"y has values up to {largest:.3g}, whose squares overflow "
                    f"{X.dtype}, the dtype of X, so the squared error cannot be "
                    f"computed. {fix} (e.g. with TransformedTargetRegressor and "
                    "StandardScaler)."
                )
        return X, y.reshape(y.shape[0], -1).astype(X.dtype, copy=False)

    def _loss_name(self):
        return self.loss

    def _stratify(self, Y):
        return None

    def _decode(self, Y):
        return Y.ravel() if Y.shape[1] == 1 else Y

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self._decode(self._forward(X))

    @available_if(lambda est: est._partial_fit_available())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        with _rollback_on_error(self):
            return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
