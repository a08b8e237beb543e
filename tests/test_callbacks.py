"""scikit-learn's callbacks (sklearn.callback, scikit-learn >= 1.9): one task
per fit, a subtask per epoch (L-BFGS iteration) and one for the final phase."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from skreg import MLPRegularizedClassifier, MLPRegularizedClassifierCV

X, y = make_classification(n_samples=200, n_features=6, random_state=0)


class Recorder:
    """Records each task's name and the fitted estimator's predictions."""

    def __init__(self, stop_after=None, task="epoch"):
        self.stop_after, self.task = stop_after, task
        self.tasks, self.predictions, self.torn_down = [], [], False

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, X=None, fitted_estimator=None):
        self.tasks.append(context.task_name)
        if fitted_estimator is not None:
            self.predictions.append(fitted_estimator.predict_proba(X))
        done = self.tasks.count(self.task)
        return self.stop_after is not None and done >= self.stop_after

    def teardown(self, estimator, context):
        self.torn_down = True


def _clf(**params):
    defaults = dict(hidden_layer_sizes=(5,), penalty="l1", alpha=1e-3, max_iter=30,
                    random_state=0)  # fmt: skip
    return MLPRegularizedClassifier(**{**defaults, **params})


# Labelled input groups train on reordered inputs: the fitted estimator a
# callback sees is in the user's order all the same.
@pytest.mark.parametrize("groups", ["weights", [0, 0, 1, 2, 1, 2]])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_one_subtask_per_epoch_and_one_for_the_final_phase(solver, groups):
    recorder = Recorder()
    clf = _clf(solver=solver, penalty_groups=groups).set_callbacks(recorder).fit(X, y)
    assert recorder.tasks.count("epoch") == clf.n_iter_
    assert recorder.tasks[-2:] == ["polish", "fit"]
    assert clf.n_polish_iter_ > 0
    # Each task's fitted estimator predicts with that point's weights; the
    # last ones are the model's.
    assert_allclose(recorder.predictions[-1], clf.predict_proba(X))
    assert_allclose(recorder.predictions[-2], clf.predict_proba(X))
    assert not np.allclose(recorder.predictions[0], clf.predict_proba(X))
    assert recorder.torn_down
    assert not hasattr(clf, "_callback_fit_ctx")


# lbfgs's three solvers: L-BFGS-B on the L1 split, proximal L-BFGS for the
# group lasso ('neurons'), proximal gradient for 'l0'.
LBFGS_CASES = [("l1", "weights"), ("l1", "neurons"), ("l0", "weights")]


@pytest.mark.parametrize("penalty, groups", LBFGS_CASES)
def test_lbfgs_reports_each_iteration(penalty, groups):
    recorder = Recorder()
    clf = _clf(solver="lbfgs", penalty=penalty, penalty_groups=groups)
    clf.set_callbacks(recorder)
    clf.fit(X, y)
    # The last iteration's subtask begins but never runs: it ends empty.
    assert recorder.tasks.count("iteration") == clf.n_iter_ + 1
    assert len(recorder.predictions) == clf.n_iter_ + 1  # iterations and fit


@pytest.mark.parametrize("penalty, groups", LBFGS_CASES)
def test_a_callback_can_stop_lbfgs(penalty, groups):
    recorder = Recorder(stop_after=3, task="iteration")
    clf = _clf(solver="lbfgs", penalty=penalty, penalty_groups=groups)
    clf.set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is asked
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert_allclose(recorder.predictions[-1], clf.predict_proba(X))


def test_a_callback_can_stop_training():
    recorder = Recorder(stop_after=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is asked
        clf = _clf(solver="adam", max_iter=50).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3 + clf.n_polish_iter_


def test_partial_fit_is_one_epoch():
    recorder = Recorder()
    clf = _clf(solver="adam").set_callbacks(recorder)
    clf.partial_fit(X, y, classes=[0, 1])
    assert recorder.tasks == ["epoch", "fit"]


def test_scoring_monitor_records_a_validation_metric():
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)

    def validation_accuracy(estimator, X, y):
        return {"val_accuracy": accuracy_score(y_val, estimator.predict(X_val))}

    monitor = ScoringMonitor(scoring=validation_accuracy)
    clf = _clf(solver="adam").set_callbacks(monitor).fit(X_train, y_train)
    log = monitor.get_logs().data  # the most recent run
    epochs = [row["val_accuracy"] for row in log if row["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_
    final = [row["val_accuracy"] for row in log if row["task_name"] == "fit"]
    assert final == [clf.score(X_val, y_val)]
    assert max(epochs) > epochs[0]


def test_progress_bar_runs():
    clf = _clf(solver="adam").set_callbacks(ProgressBar()).fit(X, y)
    assert clf.n_iter_ > 0


class Failing(Recorder):
    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            raise RuntimeError("callback failed")


def test_a_failed_fit_tears_the_callbacks_down_and_keeps_the_model():
    clf = _clf(solver="adam").fit(X, y)
    coefs = [W.copy() for W in clf.coefs_]
    failing = Failing()
    with pytest.raises(RuntimeError, match="callback failed"):
        clf.set_params(warm_start=True).set_callbacks(failing).fit(X, y)
    assert failing.torn_down
    assert not hasattr(clf, "_callback_fit_ctx")
    for W, before in zip(clf.coefs_, coefs, strict=True):
        assert_allclose(W, before)


def test_cv_estimators_refuse_callbacks():
    with pytest.raises(NotImplementedError, match="alpha=cv.alpha_"):
        MLPRegularizedClassifierCV().set_callbacks(Recorder())


def _fit_in_fresh_process(block_callbacks):
    lines = [
        "import sys",
        "from sklearn.datasets import make_classification",
        "from sklearn.model_selection import GridSearchCV",
        # scikit-learn < 1.9 has no sklearn.callback: once scikit-learn's own
        # modules are loaded, make its import fail for skreg.
        "sys.modules['sklearn.callback'] = None" if block_callbacks else "",
        "from skreg import MLPRegularizedClassifier",
        "X, y = make_classification(n_samples=80, random_state=0)",
        "clf = MLPRegularizedClassifier(hidden_layer_sizes=(4,), max_iter=20,",
        "                               random_state=0).fit(X, y)",
        "print(hasattr(clf, 'set_callbacks'), clf.n_iter_, clf.score(X, y))",
    ]
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", "\n".join(lines)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_without_sklearn_callback_nothing_changes():
    without = _fit_in_fresh_process(block_callbacks=True)
    with_ = _fit_in_fresh_process(block_callbacks=False)
    assert without[0] == "False" and with_[0] == "True"
    assert without[1:] == with_[1:]  # the same fit
