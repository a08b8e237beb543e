"""The one place where skreg imports scikit-learn's private helpers.

If scikit-learn moves or renames one of them, this is the only file to edit.
"""

import copy
from inspect import signature

from sklearn.base import _fit_context
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    validate_data,
)

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn: no callbacks
    CallbackSupportMixin = None


def accepts_sample_weight(scorer):
    """Whether a scorer takes ``sample_weight``, as GridSearchCV decides it."""
    accept = getattr(scorer, "_accept_sample_weight", None)
    if accept is not None:  # scikit-learn's scorers, >= 1.7
        return accept()
    metric = getattr(scorer, "_score_func", scorer)
    return "sample_weight" in signature(metric).parameters


def scorer_parts(scorer):
    """A scikit-learn scorer's metric and response method; None for any
    other callable (it has no keyword arguments to add to)."""
    metric = getattr(scorer, "_score_func", None)
    if metric is None or getattr(scorer, "_kwargs", None) is None:
        return None
    return metric, getattr(scorer, "_response_method", "predict")


def scorer_with_defaults(scorer, defaults):
    """A copy of scikit-learn's ``scorer`` that passes ``defaults`` to its
    metric where its own keyword arguments do not set them; its metadata
    requests are kept."""
    scorer = copy.copy(scorer)
    scorer._kwargs = {**defaults, **scorer._kwargs}
    return scorer


__all__ = [
    "CallbackSupportMixin",
    "accepts_sample_weight",
    "Interval",
    "Options",
    "StrOptions",
    "_check_method_params",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_raise_for_params",
    "_routing_enabled",
    "_safe_indexing",
    "check_matplotlib_support",
    "scorer_parts",
    "scorer_with_defaults",
    "_fit_context",
    "validate_data",
    "validate_params",
]
