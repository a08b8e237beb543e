"""Scale-out: the searches run on a dask.distributed cluster through joblib
and give exactly the local results."""

import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from joblib import parallel_backend
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, KFold

from skreg import MLPRegularizedClassifier, MLPRegularizedClassifierCV

X, y = make_classification(n_samples=240, n_features=8, random_state=0)
ALPHAS = [1e-3, 1e-2, 5e-2]
NETWORK = dict(hidden_layer_sizes=(6,), penalty="l1", max_iter=60, random_state=0)


@pytest.fixture(scope="module")
def client():
    # Processes, as on a real cluster: every task's estimator, data and
    # result cross a pickle boundary.
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield client


def _same_fit(local, remote):
    assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    for ours, theirs in zip(local.coefs_, remote.coefs_, strict=True):
        assert_allclose(theirs, ours)


def test_grid_search_on_dask_equals_the_local_run(client):
    grid = GridSearchCV(
        MLPRegularizedClassifier(**NETWORK), {"alpha": ALPHAS}, cv=KFold(3)
    )
    local = clone(grid).fit(X, y)
    with parallel_backend("dask"), get_task_stream(client) as tasks:
        remote = clone(grid).fit(X, y)
    # Every (alpha, fold) fit ran on a worker.
    assert len(tasks.data) >= len(ALPHAS) * 3
    assert remote.best_params_ == local.best_params_
    local.coefs_ = local.best_estimator_.coefs_
    remote.coefs_ = remote.best_estimator_.coefs_
    _same_fit(local, remote)


def test_cv_estimator_on_dask_equals_the_local_run(client):
    cv = MLPRegularizedClassifierCV(
        **NETWORK, alphas=ALPHAS, cv=KFold(3), selection="1se", refit="relaxed"
    )
    local = clone(cv).fit(X, y)
    with parallel_backend("dask"), get_task_stream(client) as tasks:
        remote = clone(cv).fit(X, y)
    assert len(tasks.data) >= 3  # one path per fold, on the workers
    assert remote.alpha_ == local.alpha_
    _same_fit(local, remote)
    assert_allclose(remote.predict_proba(X), local.predict_proba(X))
    assert np.array_equal(remote.predict(X), local.predict(X))
