"""The estimators' side of scikit-learn's callbacks (``sklearn.callback``).

scikit-learn 1.9 added them; on older versions ``CallbackSupportMixin`` is
None and :class:`Hooks` does nothing, so fitting is unchanged.
"""

from skreg._network import unpack
from skreg._sklearn_compat import CallbackSupportMixin

__all__ = ["CALLBACK_STATE", "CallbackSupportMixin", "Hooks"]

# What scikit-learn's callback machinery keeps on the estimator during a fit.
CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


class Hooks:
    """One fit's calls into scikit-learn's callbacks (``sklearn.callback``,
    scikit-learn >= 1.9): the fit is the root task, each epoch (L-BFGS
    iteration) and the final phase a subtask. Inert on older scikit-learn.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks, layer_units,
                 out_activation, restore=None):  # fmt: skip
        self._estimator = estimator
        self._data = {
            "X": X,
            "y": y,
            "metadata": None if sample_weight is None else {
                "sample_weight": sample_weight
            },
        }  # fmt: skip
        self._layer_units, self._out_activation = layer_units, out_activation
        # The parameters in the estimator's order: theta[restore].
        self._restore = restore
        self._root = self._task = None
        if CallbackSupportMixin is not None:
            self._root = estimator._init_callback_context(max_subtasks=max_subtasks)
            self._root.call_on_fit_task_begin(estimator=estimator, **self._data)

    def begin(self, name):
        if self._root is not None:
            self._task = self._root.subcontext(task_name=name)
            self._task.call_on_fit_task_begin(estimator=self._estimator, **self._data)

    def end(self, theta=None):
        """End the current subtask at ``theta`` (None: a task that did not
        run); whether a callback asks training to stop."""
        task, self._task = self._task, None
        if task is None:
            return False
        if theta is None:
            return bool(task.call_on_fit_task_end(estimator=self._estimator))
        return bool(
            task.call_on_fit_task_end(
                estimator=self._estimator,
                **self._data,
                # Evaluated only if a callback asks for the fitted estimator.
                reconstruction_attributes=lambda: self._fitted(theta.copy()),
            )
        )

    def finish(self):
        if self._root is not None:
            self._root.call_on_fit_task_end(
                estimator=self._estimator, **self._data, reconstruction_attributes={}
            )

    def _fitted(self, theta):
        if self._restore is not None:
            theta = theta[self._restore]
        coefs, intercepts = unpack(theta, self._layer_units)
        return {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "n_layers_": len(self._layer_units),
            "n_outputs_": self._layer_units[-1],
            "out_activation_": self._out_activation,
        }
