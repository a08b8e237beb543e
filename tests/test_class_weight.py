"""class_weight: scikit-learn's meaning, multiplied into sample_weight."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import KFold
from sklearn.utils.class_weight import compute_sample_weight

from skreg import MLPRegularizedClassifier, MLPRegularizedClassifierCV

X, y = make_classification(
    n_samples=300, n_features=6, n_informative=4, n_classes=3,
    weights=[0.7, 0.2, 0.1], random_state=0,
)  # fmt: skip
WEIGHTS = {0: 1.0, 1: 3.0, 2: 7.0}


def _clf(**params):
    defaults = dict(
        hidden_layer_sizes=(5,), penalty="l1", alpha=1e-3, solver="lbfgs",
        max_iter=80, random_state=0,
    )  # fmt: skip
    return MLPRegularizedClassifier(**{**defaults, **params})


def _assert_same_weights(a, b):
    for ours, theirs in zip(
        a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True
    ):
        assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("class_weight", [WEIGHTS, "balanced"])
def test_class_weight_is_the_sample_weight_scikit_learn_computes(class_weight):
    weighted = _clf(class_weight=class_weight).fit(X, y)
    by_hand = _clf().fit(X, y, sample_weight=compute_sample_weight(class_weight, y))
    _assert_same_weights(weighted, by_hand)


def test_class_weight_multiplies_sample_weight():
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    weighted = _clf(class_weight=WEIGHTS).fit(X, y, sample_weight=sample_weight)
    by_hand = _clf().fit(
        X, y, sample_weight=sample_weight * compute_sample_weight(WEIGHTS, y)
    )
    _assert_same_weights(weighted, by_hand)


def test_partial_fit_weighs_each_batch_even_without_some_classes():
    params = dict(solver="adam", random_state=0)
    weighted, by_hand = _clf(class_weight=WEIGHTS, **params), _clf(**params)
    classes = np.unique(y)
    for batch in (slice(0, 100), slice(100, 300)):
        Xb, yb = X[batch], y[batch]
        keep = yb != 2 if batch.start == 0 else slice(None)  # a batch without 2
        Xb, yb = Xb[keep], yb[keep]
        weighted.partial_fit(Xb, yb, classes=classes)
        by_hand.partial_fit(
            Xb, yb, classes=classes,
            sample_weight=np.array([WEIGHTS[label] for label in yb]),
        )  # fmt: skip
    _assert_same_weights(weighted, by_hand)


def test_partial_fit_refuses_balanced_and_says_what_to_do():
    clf = _clf(class_weight="balanced", solver="adam")
    with pytest.raises(ValueError, match="compute_class_weight"):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(clf, "coefs_")


def test_balanced_weights_lift_the_rare_classes():
    plain = _clf(max_iter=200).fit(X, y)
    balanced = _clf(max_iter=200, class_weight="balanced").fit(X, y)
    # (measured: balanced accuracy 0.861 -> 0.936 on the training data, the
    # rarest class recalled 0.65 -> 0.97)
    assert balanced_accuracy_score(y, balanced.predict(X)) > balanced_accuracy_score(
        y, plain.predict(X)
    )
    rare = y == 2
    assert (balanced.predict(X)[rare] == 2).mean() > (
        plain.predict(X)[rare] == 2
    ).mean()


@pytest.mark.parametrize(
    "class_weight", ["balanced", [{0: 1.0, 1: 2.0}, {0: 1.0, 1: 5.0}, {0: 2.0, 1: 1.0}]]
)
def test_multilabel_weights_multiply_over_labels_as_in_forests(class_weight):
    Xm, Ym = make_multilabel_classification(
        n_samples=120, n_features=5, n_classes=3, random_state=0
    )
    weighted = _clf(class_weight=class_weight).fit(Xm, Ym)
    by_hand = _clf().fit(Xm, Ym, sample_weight=compute_sample_weight(class_weight, Ym))
    _assert_same_weights(weighted, by_hand)


def test_multilabel_refuses_a_single_dict():
    Xm, Ym = make_multilabel_classification(n_samples=40, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="list of dicts"):
        _clf(class_weight={0: 1.0, 1: 2.0}).fit(Xm, Ym)


def test_unknown_class_in_class_weight_is_refused():
    with pytest.raises(ValueError, match="not in class_weight"):
        _clf(class_weight={0: 1.0, 7: 2.0}).fit(X, y)


def test_cv_estimator_passes_class_weight_to_every_fit():
    params = dict(
        hidden_layer_sizes=(5,), penalty="l1", solver="lbfgs", max_iter=60,
        alphas=[1e-3, 1e-2], cv=KFold(3), random_state=0,
    )  # fmt: skip
    weighted = MLPRegularizedClassifierCV(**params, class_weight=WEIGHTS).fit(X, y)

    def unweighted_accuracy(estimator, X, y):
        return estimator.score(X, y)

    # sample_weight would weigh the scores too, as in GridSearchCV; the class
    # weights, like GridSearchCV's, weigh only the fits.
    by_hand = MLPRegularizedClassifierCV(**params, scoring=unweighted_accuracy).fit(
        X, y, sample_weight=compute_sample_weight(WEIGHTS, y)
    )
    assert_allclose(
        weighted.cv_results_["mean_test_score"], by_hand.cv_results_["mean_test_score"]
    )
    _assert_same_weights(weighted, by_hand)
