"""Parameter and attribute text shared by both estimators, written once."""

_PARAMS = {
    "hidden_layer_sizes": """hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.""",
    "activation": """activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers: ``x``, ``1 / (1 + exp(-x))``,
        ``tanh(x)`` or ``max(0, x)``.""",
    "penalty": """penalty : {'l0', 'l1', 'l2'}, default='l2'
        Penalty on the connection weights (never on the intercepts), added to
        the mean data loss as ``alpha * R(W)``:

        - 'l2': ``R(W) = 0.5 * sum(w ** 2)``, weight decay; weights shrink but
          stay non-zero.
        - 'l1': ``R(W) = sum(|w|)``, solved with proximal steps (soft
          thresholding), so weights become exactly zero.
        - 'l0': ``R(W) =`` the number of non-zero weights, solved with hard
          thresholding (under ``solver='lbfgs'``, by full-batch proximal
          gradient).""",
    "penalty_groups": """penalty_groups : {'weights', 'inputs', 'neurons'} or array-like of shape (n_features,), default='weights'
        What 'l1' and 'l0' remove: single weights, or whole rows of the weight
        matrices (the outgoing weights of an input or a hidden unit).

        - 'weights': each weight on its own, as described under ``penalty``.
        - 'inputs': each row of ``coefs_[0]`` is a group, so an input feature
          is kept or dropped as a whole (feature selection); every other
          weight is penalized on its own.
        - 'neurons': each row of every matrix in ``coefs_`` is a group, so
          inputs and hidden units are dropped as a whole; :meth:`compact`
          then removes the dropped units.
        - an array of one label per input feature: the rows of ``coefs_[0]``
          of the inputs with one label form a group, so a set of columns is
          kept or dropped as a whole (the one-hot columns of a categorical
          feature, the lags of a series); every other weight is penalized on
          its own, as with 'inputs'.

        For a group :math:`g` of :math:`|g|` weights, 'l1' becomes the group
        lasso ``R = sum_g sqrt(|g|) * ||w_g||_2`` and 'l0' counts the weights
        of non-zero groups, ``R = sum_g |g| * (w_g != 0)``, so ``alpha`` stays
        the price of one weight kept. 'lbfgs' solves the group lasso by
        proximal L-BFGS and the group L0 by proximal gradient. 'l2' is
        separable, so it only accepts 'weights'. See the user guide for the
        proximal operators.""",
    "solver": """solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The solver for weight optimization.

        - 'lbfgs': L-BFGS-B, a quasi-Newton method on the full batch; it
          solves 'l1' exactly by splitting each weight into a positive and a
          negative part, the group lasso by proximal L-BFGS (the same
          quasi-Newton model with the exact prox), and 'l0' and the group
          L0, which have no exact quasi-Newton step, by proximal gradient
          with Barzilai-Borwein steps. Often best on small datasets.
        - 'sgd': proximal stochastic gradient descent with momentum.
        - 'adam': proximal Adam, each weight's prox using its own
          Adam step size (ProxGen).""",
    "alpha": """alpha : float, default=0.0001
        Strength ``lambda`` of the penalty, ``>= 0``. The objective is the
        (sample-weighted) mean data loss plus ``alpha * R(W)`` for every solver
        and batch size. scikit-learn's MLP divides its ``alpha`` by the batch
        size (by ``n_samples`` for 'lbfgs'), so its ``alpha=a`` with batches of
        ``b`` samples matches ``penalty='l2', alpha=a / b`` here.""",
    "batch_size": """batch_size : int or 'auto', default='auto'
        Size of minibatches for the stochastic solvers; 'lbfgs' uses the full
        batch. 'auto' means ``min(200, n_samples)``.""",
    "learning_rate": """learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule, for ``solver='sgd'`` only.

        - 'constant': ``learning_rate_init`` throughout.
        - 'invscaling': ``learning_rate_init / pow(t, power_t)`` at sample
          count ``t``.
        - 'adaptive': ``learning_rate_init`` as long as the training loss (or
          validation score with ``early_stopping``) improves by ``tol``; each
          time it fails to for ``n_iter_no_change`` epochs it is divided by 5.""",
    "learning_rate_init": """learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd' and 'adam'. It is also the step size of
        the proximal operator, so it sets the thresholds of 'l1' and 'l0'.""",
    "power_t": """power_t : float, default=0.5
        Exponent of the 'invscaling' learning rate schedule (``solver='sgd'``).""",
    "max_iter": """max_iter : int, default=200
        Maximum number of iterations: epochs for 'sgd' and 'adam', L-BFGS
        iterations for 'lbfgs'.""",
    "shuffle": """shuffle : bool, default=True
        Whether to shuffle samples in each epoch ('sgd' and 'adam').""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Determines the weight initialization, the validation split of
        ``early_stopping`` and the batch order. Pass an int for reproducible
        results. See :term:`Glossary <random_state>`.""",
    "tol": """tol : float, default=1e-4
        Tolerance. Stochastic solvers stop (or, with 'adaptive', lower the
        learning rate) when the objective or the validation score fails to
        improve by ``tol`` for ``n_iter_no_change`` consecutive epochs, and
        their final phase (``polish``) when a step moves no parameter by more
        than ``tol`` times the largest one; 'lbfgs' stops when the largest
        projected gradient component is below ``tol`` (under the group
        lasso and 'l0', when a step moves no parameter by more than ``tol``
        times the largest one).""",
    "verbose": """verbose : bool, default=False
        Whether to print progress messages to stdout.""",
    "warm_start": """warm_start : bool, default=False
        When True, start from the solution of the previous call to fit. See
        :term:`the Glossary <warm_start>`. If training fails, the previous
        solution is left exactly as it was.""",
    "momentum": """momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].""",
    "nesterovs_momentum": """nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum ('sgd' with ``momentum > 0``).""",
    "early_stopping": """early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the training data and
        stop when its score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights seen are kept. Only for
        'sgd' and 'adam'.""",
    "validation_fraction": """validation_fraction : float, default=0.1
        Share of the training data held out for ``early_stopping``, in [0, 1).""",
    "beta_1": """beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in [0, 1).""",
    "beta_2": """beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in [0, 1).""",
    "epsilon": """epsilon : float, default=1e-8
        Adam's numerical stability constant.""",
    "n_iter_no_change": """n_iter_no_change : int, default=10
        Number of epochs without ``tol`` improvement before stopping ('sgd'
        and 'adam').""",
    "max_fun": """max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.""",
    "polish": """polish : float, default=0.25
        Budget of the final full-batch phase of 'sgd' and 'adam', relative
        to the epochs they ran: after the last epoch, at most
        ``int(polish * n_iter_)`` evaluations of the loss and gradient on the
        whole training set (each costs less than an epoch) take the weights
        to a point of the penalized objective, with its exact zeros; the
        phase stops earlier once a step moves no parameter by more than
        ``tol`` times the largest one. A stochastic solver with a constant
        step only hovers around that point, and which weights it leaves at
        zero depends on the learning rate. The phase runs L-BFGS for 'l2',
        proximal L-BFGS for 'l1' and the group lasso, and proximal gradient
        with Barzilai-Borwein steps for 'l0' and the group L0. 0 turns it
        off. It never runs in :meth:`partial_fit`. Where the epochs stop
        short of the optimum, as scikit-learn's MLP does, that stop
        regularizes; the phase does not, so at a small ``alpha`` on small
        data choose ``alpha`` by cross-validation (see the user guide).
        With ``early_stopping`` it starts from the weights the validation
        set chose and is kept only if their validation score does not drop.
        See the user guide.""",
}

_ATTRIBUTES = {
    "fitted": """loss_ : float
        Objective at the end of training: mean data loss plus
        ``alpha * R(W)``. For the stochastic solvers without a final phase
        (``polish``) the data part is the (weighted) mean over the last
        epoch's minibatches; with one it is exact at the fitted weights.

    best_loss_ : float or None
        Smallest ``loss_curve_`` value of the last call to fit; None with
        ``early_stopping`` (see ``best_validation_score_``).

    loss_curve_ : list of float
        Objective after each epoch (stochastic solvers) or each iteration
        ('lbfgs'), then after each step of the final phase of the stochastic
        solvers (the last ``n_polish_iter_`` values). Extended, not reset, by
        ``warm_start`` and ``partial_fit``.

    data_loss_curve_ : list of float
        The data loss part of each ``loss_curve_`` value: for the stochastic
        solvers the mean over the epoch's minibatches, as scikit-learn
        reports it, else the full-batch loss.

    penalty_curve_ : list of float
        The penalty part, ``alpha * R(W)`` at the end of each epoch or step;
        ``data_loss_curve_[i] + penalty_curve_[i]`` is ``loss_curve_[i]``.

    sparsity_curve_ : list of float
        Share of connection weights exactly zero at the same points.

    validation_scores_ : list of float or None
        Score on the held-out set after each epoch with ``early_stopping``,
        else None.

    validation_loss_curve_ : list of float or None
        Mean data loss on the held-out set after each epoch with
        ``early_stopping`` (beside ``validation_scores_``), else None.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, else None.

    t_ : int
        Number of training samples seen by the stochastic solvers.

    diverged_ : bool
        Whether the last fit diverged and ``early_stopping`` kept the weights
        with the best validation score instead (with a ConvergenceWarning).
        Without early stopping, divergence raises a ValueError.

    coefs_ : list of ndarray of shape (n_layers - 1,)
        The ith element is the weight matrix of layer i, of shape
        ``(units of layer i, units of layer i + 1)``.

    intercepts_ : list of ndarray of shape (n_layers - 1,)
        The ith element is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    n_iter_ : int
        Number of iterations the solver ran in the last call to fit: epochs
        for 'sgd' and 'adam', not counting the final phase.

    n_polish_iter_ : int
        Number of steps of the final full-batch phase of 'sgd' and 'adam' in
        the last call to fit (see ``polish``); 0 if it did not run or, with
        ``early_stopping``, was not kept. Not set by 'lbfgs'.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Name of the output activation function.

    sparsity_ : float
        Share of connection weights that are exactly zero, over all layers.

    layer_sparsity_ : list of float
        Share of exactly-zero weights in each weight matrix of ``coefs_``.

    n_nonzero_weights_ : int
        Number of connection weights that are not zero.

    feature_importances_ : ndarray of shape (`n_features_in_`,)
        The L2 norm of each input's outgoing weights (each row of
        ``coefs_[0]``), normalised to sum to 1 (all zero if every row is
        zero). It is exactly 0 for an input the network no longer uses, so
        :class:`~sklearn.feature_selection.SelectFromModel` can select on it.

    n_features_selected_ : int
        Number of inputs with at least one non-zero outgoing weight.

    n_active_units_ : list of int
        Number of units of each hidden layer that connect some input to the
        output: reached by a path of non-zero weights from an input, and
        leading by one to the output. The others output a constant or
        nothing, and :meth:`compact` removes them.""",
}


_CV_PARAMS = {
    "alphas": """alphas : int or array-like, default=20
        The alphas to cross-validate, sorted increasing; or their number, for
        a geometric grid derived from a dense fit on all the data (see
        :func:`regularization_path`).""",
    "eps": """eps : float, default=1e-3
        With ``alphas`` an int, where the grid starts: the penalty of the
        dense weights then costs this share of their gain over a constant
        prediction.""",
    "max_iter_per_alpha": """max_iter_per_alpha : int, default=None
        Epoch budget of each alpha after the first on every path, the
        stopping rule ending it sooner; None means a sixth of
        ``max_iter``, at least 10.""",
    "cv": """cv : int, cross-validation generator or iterable, default=None
        The folds, as in :func:`~sklearn.model_selection.check_cv`: None
        means 5-fold, stratified for the classifier.""",
    "scoring": """scoring : str or callable, default=None
        The score the alpha is chosen on, as in
        :func:`~sklearn.metrics.check_scoring`; None means the estimator's
        ``score`` (accuracy, or R^2). As in
        :class:`~sklearn.linear_model.LogisticRegressionCV`, the
        classifier's fold models know every class of ``y``, and a scorer of
        probabilities or scores that takes ``labels`` (log loss, Brier
        score, top-k accuracy) is given them all, so a fold without a rare
        class is still scored.""",
    "selection": """selection : {'best', '1se'}, default='best'
        Which alpha to keep: 'best' has the highest mean score over the
        folds; '1se' is the largest alpha whose mean score is within one
        standard error of the best (glmnet's ``lambda.1se``): the sparsest
        model as good as the best within the noise of the folds.""",
    "refit": """refit : bool or 'relaxed', default=True
        True fits the path on all the data up to the chosen alpha (warm
        started, as on the folds). 'relaxed' then refits the weights the
        sparse model kept, holding its zero weights at zero, under
        ``penalty='l2'`` with ``alpha=1e-4`` (Meinshausen's relaxed lasso):
        it removes the shrinkage the sparse penalty put on the kept weights.
        The folds then score each alpha by its relaxed refit too, so the
        choice is made on the models it yields; that costs one more fit per
        distinct support in each fold. False is not offered: the fitted model is what predicts.""",
    "n_jobs": """n_jobs : int, default=None
        Folds fitted in parallel through joblib. None means 1 unless in a
        :func:`joblib.parallel_backend` context; -1 uses every processor.""",
}

# Every shared parameter, in the constructors' order.
_PARAMS["parameters"] = "\n\n    ".join(_PARAMS.values())
# The CV estimators choose alpha themselves and always fit from scratch.
_PARAMS["cv_parameters"] = "\n\n    ".join(
    [v for k, v in _PARAMS.items() if k not in ("alpha", "warm_start", "parameters")]
    + list(_CV_PARAMS.values())
)

# The classifiers' own, after the shared ones.
_PARAMS[
    "class_weight"
] = """class_weight : dict, list of dict or 'balanced', default=None
        Weights of the classes in the data loss, as ``{class_label: weight}``;
        None gives every class weight one. 'balanced' weighs each class by
        ``n_samples / (n_classes * np.bincount(y))``, so that every class
        counts as much in total. The weights multiply ``sample_weight``
        (early stopping's validation score included), in ``fit`` and in
        ``partial_fit``; ``partial_fit`` refuses 'balanced', since it sees
        the class frequencies one batch at a time: compute them once with
        :func:`~sklearn.utils.class_weight.compute_class_weight` and pass the
        dict. For multilabel targets, as in
        :class:`~sklearn.ensemble.RandomForestClassifier`: one dict per label
        (keys 0 and 1), or 'balanced' per label; a sample's weight is the
        product over its labels. scikit-learn's MLPClassifier has no
        ``class_weight``."""

_ATTRIBUTES["cv_fitted"] = """alpha_ : float
        The chosen alpha.

    alphas_ : ndarray of shape (n_alphas,)
        The alphas cross-validated, increasing.

    cv_results_ : dict of ndarray
        One entry per alpha, in the layout of GridSearchCV's ``cv_results_``
        (``pandas.DataFrame(cv_results_)`` makes a table): ``alphas``, then
        for each of ``test_score``, ``n_nonzero_weights``,
        ``n_features_selected`` and ``fit_time`` (seconds per alpha) the
        value on every fold (``split0_test_score``, ...) and its ``mean_``
        and ``std_``; and ``sem_test_score``, the standard error of the mean
        score that ``selection='1se'`` uses. Alphas past a fold's early stop
        (no input left) get that constant network's score and sparsity."""


def fill_doc(obj):
    """Substitute ``%(name)s`` placeholders in ``obj.__doc__``."""
    obj.__doc__ = obj.__doc__ % {**_PARAMS, **_ATTRIBUTES}
    return obj
