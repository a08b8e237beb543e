"""Plotting the regularization path, in scikit-learn's Display style."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils.validation import check_is_fitted

from skreg._path import regularization_path
from skreg._sklearn_compat import check_matplotlib_support

_PANELS = {
    "n_features_selected": "inputs used",
    "n_nonzero_weights": "non-zero weights",
}


def _metric_name(estimator, scoring):
    """What scores of ``scoring`` measure: its name, the estimator's own
    metric for None, None for a callable (whose name says nothing)."""
    if scoring is None:
        return "accuracy" if is_classifier(estimator) else "R²"
    return scoring if isinstance(scoring, str) else None


class RegularizationPathDisplay:
    """Sparsity and validation score along a regularization path.

    Plots, against alpha on a log scale, one panel per quantity: the inputs
    used, the non-zero connection weights and, when given, a validation
    score. Create it with :meth:`from_estimator` (which fits the path),
    :meth:`from_path` (from :func:`~skreg.regularization_path`'s result) or
    :meth:`from_cv_estimator` (the cross-validated curve of a fitted CV
    estimator, with its standard-error band and chosen alpha); the
    constructor only stores what to plot. Read more in the
    :ref:`User Guide <choosing_alpha>`.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The alphas of the path, increasing.
    n_nonzero_weights : ndarray of shape (n_alphas,)
        Non-zero connection weights at each alpha.
    n_features_selected : ndarray of shape (n_alphas,)
        Inputs used at each alpha.
    scores : ndarray of shape (n_alphas,), default=None
        A validation score at each alpha; no score panel if None.
    score_name : str, default=None
        Label of the score panel; "score" if None.
    estimator_name : str, default=None
        Title of the figure; none if None.
    scores_sem : ndarray of shape (n_alphas,), default=None
        A standard error of each score, drawn as a band of one on either
        side; none if None.
    chosen_alpha : float, default=None
        An alpha to mark on every panel (a CV estimator's ``alpha_``); none
        if None.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One per panel, top to bottom: inputs used, non-zero weights, score.
    figure_ : matplotlib Figure
        The figure holding the panels.
    lines_ : dict of str to matplotlib Line2D
        The plotted line of each panel, keyed "n_features_selected",
        "n_nonzero_weights" and "scores", and the marks of ``chosen_alpha``,
        keyed "chosen_alpha" (a list, one per panel).
    band_ : matplotlib PolyCollection or None
        The band of ``scores_sem`` around the scores, if drawn.
    path_ : :class:`~sklearn.utils.Bunch`
        The path plotted, when the display was made by :meth:`from_path` or
        :meth:`from_estimator`.

    See Also
    --------
    regularization_path : Computes the path this display plots.
    MLPRegularizedClassifierCV : Chooses alpha by cross-validation.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from skreg import MLPRegularizedClassifier, RegularizationPathDisplay
    >>> X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    >>> X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
    >>> display = RegularizationPathDisplay.from_estimator(
    ...     MLPRegularizedClassifier(
    ...         hidden_layer_sizes=(8,), penalty="l1", random_state=0
    ...     ),
    ...     X_train, y_train, alphas=[1e-3, 1e-2, 1e-1],
    ...     X_val=X_val, y_val=y_val,
    ... )
    >>> display.n_features_selected.tolist()
    [10, 10, 1]
    >>> len(display.axes_)
    3
    >>> plt.close("all")
    """

    def __init__(
        self, alphas, n_nonzero_weights, n_features_selected, *,
        scores=None, score_name=None, estimator_name=None, scores_sem=None,
        chosen_alpha=None,
    ):  # fmt: skip
        self.alphas = alphas
        self.n_nonzero_weights = n_nonzero_weights
        self.n_features_selected = n_features_selected
        self.scores = scores
        self.score_name = score_name
        self.estimator_name = estimator_name
        self.scores_sem = scores_sem
        self.chosen_alpha = chosen_alpha

    def plot(self, ax=None):
        """Plot the path.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One Axes per panel (two, or three with scores). If None, a new
            figure with the panels stacked and sharing the alpha axis.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, with ``axes_``, ``figure_`` and ``lines_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import NullFormatter

        panels = {key: getattr(self, key) for key in _PANELS}
        labels = dict(_PANELS)
        if self.scores is not None:
            panels["scores"] = self.scores
            labels["scores"] = self.score_name or "score"
        if ax is None:
            _, ax = plt.subplots(
                len(panels), 1, sharex=True, figsize=(6, 2 * len(panels)),
                layout="constrained",
            )  # fmt: skip
        axes = np.ravel(ax)
        if axes.size != len(panels):
            raise ValueError(
                f"ax must hold {len(panels)} Axes, one per panel ("
                f"{', '.join(labels.values())}); got {axes.size}."
            )
        self.lines_, self.band_ = {}, None
        for axis, (key, values) in zip(axes, panels.items(), strict=True):
            (self.lines_[key],) = axis.plot(self.alphas, values, marker=".")
            if key == "scores" and self.scores_sem is not None:
                self.band_ = axis.fill_between(
                    self.alphas, values - self.scores_sem, values + self.scores_sem,
                    color=self.lines_[key].get_color(), alpha=0.2,
                )  # fmt: skip
            axis.set_xscale("log")
            # Over less than a decade matplotlib labels the minor ticks too,
            # and the labels overlap.
            axis.xaxis.set_minor_formatter(NullFormatter())
            axis.set_ylabel(labels[key])
        if self.chosen_alpha is not None:
            self.lines_["chosen_alpha"] = [
                axis.axvline(self.chosen_alpha, color="0.4", linestyle="--")
                for axis in axes
            ]
        axes[-1].set_xlabel("alpha")
        self.axes_ = axes
        self.figure_ = axes[0].figure
        if self.estimator_name is not None:
            self.figure_.suptitle(self.estimator_name)
        return self

    @classmethod
    def from_path(
        cls, path, *, X_val=None, y_val=None, scoring=None, name=None, ax=None
    ):
        """Plot a path computed by :func:`~skreg.regularization_path`.

        Parameters
        ----------
        path : :class:`~sklearn.utils.Bunch`
            What :func:`~skreg.regularization_path` returned.
        X_val : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Validation data; with ``y_val``, adds the score panel.
        y_val : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            Validation targets.
        scoring : str or callable, default=None
            A scikit-learn scorer name or callable; None uses the
            estimator's ``score`` (accuracy or R²).
        name : str, default=None
            Title of the figure; the estimator's class name if None.
        ax : array-like of matplotlib Axes, default=None
            One Axes per panel; see :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
            The plotted display.
        """
        check_matplotlib_support(f"{cls.__name__}.from_path")
        if (X_val is None) != (y_val is None):
            raise ValueError(
                "Pass both X_val and y_val to plot a validation score, or neither."
            )
        scores = score_name = None
        if X_val is not None:
            scorer = check_scoring(path.estimators[0], scoring=scoring)
            scores = np.array(
                [scorer(fitted, X_val, y_val) for fitted in path.estimators]
            )
            metric = _metric_name(path.estimators[0], scoring)
            score_name = f"validation {metric}" if scoring is None else metric
        display = cls(
            path.alphas, path.n_nonzero_weights, path.n_features_selected,
            scores=scores, score_name=score_name,
            estimator_name=name or type(path.estimators[0]).__name__,
        )  # fmt: skip
        display.path_ = path
        return display.plot(ax=ax)

    @classmethod
    def from_cv_estimator(cls, estimator, *, name=None, ax=None):
        """Plot the cross-validated curve of a fitted CV estimator.

        The panels show, against the estimator's ``alphas_``, the inputs
        used and the non-zero weights (means over the folds' paths) and the
        mean CV score with a band of one standard error on either side (the
        band the '1se' rule reads), with the chosen ``alpha_`` marked. No
        fit: everything comes from ``cv_results_``.

        Parameters
        ----------
        estimator : MLPRegularizedClassifierCV or MLPRegularizedRegressorCV
            A fitted CV estimator.
        name : str, default=None
            Title of the figure; the estimator's class name if None.
        ax : array-like of matplotlib Axes, default=None
            Three Axes, one per panel; see :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
            The plotted display.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import make_classification
        >>> from skreg import MLPRegularizedClassifierCV, RegularizationPathDisplay
        >>> X, y = make_classification(n_samples=200, n_features=8, random_state=0)
        >>> cv = MLPRegularizedClassifierCV(
        ...     hidden_layer_sizes=(6,), penalty="l1", solver="lbfgs",
        ...     alphas=[1e-3, 1e-2, 1e-1], cv=3, random_state=0,
        ... ).fit(X, y)
        >>> display = RegularizationPathDisplay.from_cv_estimator(cv)
        >>> display.chosen_alpha == cv.alpha_
        True
        >>> plt.close("all")
        """
        check_matplotlib_support(f"{cls.__name__}.from_cv_estimator")
        check_is_fitted(estimator, "cv_results_")
        results = estimator.cv_results_
        score = _metric_name(estimator, estimator.scoring) or "score"
        display = cls(
            estimator.alphas_, results["mean_n_nonzero_weights"],
            results["mean_n_features_selected"],
            scores=results["mean_test_score"],
            score_name=f"mean CV {score} (± 1 s.e.)",
            estimator_name=name or type(estimator).__name__,
            scores_sem=results["sem_test_score"], chosen_alpha=estimator.alpha_,
        )  # fmt: skip
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, alphas=20, eps=1e-3, max_iter_per_alpha=None,
        sample_weight=None, X_val=None, y_val=None, scoring=None, name=None,
        ax=None,
    ):  # fmt: skip
        """Fit ``estimator`` along a regularization path and plot it.

        Parameters
        ----------
        estimator : MLPRegularizedClassifier, MLPRegularizedRegressor or a CV one
            The estimator; it is cloned, not changed. A CV estimator gives
            the path of the network it fits (see
            :func:`~skreg.regularization_path`).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        alphas : int or array-like, default=20
            As in :func:`~skreg.regularization_path`.
        eps : float, default=1e-3
            As in :func:`~skreg.regularization_path`.
        max_iter_per_alpha : int, default=None
            As in :func:`~skreg.regularization_path`.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the fits.
        X_val : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Validation data; with ``y_val``, adds the score panel.
        y_val : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            Validation targets.
        scoring : str or callable, default=None
            A scikit-learn scorer name or callable; None uses the
            estimator's ``score`` (accuracy or R²).
        name : str, default=None
            Title of the figure; the estimator's class name if None.
        ax : array-like of matplotlib Axes, default=None
            One Axes per panel; see :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
            The plotted display; the path is in ``display.path_``.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        path = regularization_path(
            estimator, X, y, alphas=alphas, eps=eps,
            max_iter_per_alpha=max_iter_per_alpha, sample_weight=sample_weight,
        )  # fmt: skip
        return cls.from_path(
            path, X_val=X_val, y_val=y_val, scoring=scoring, name=name, ax=ax
        )
