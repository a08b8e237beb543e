"""The one place where skreg imports scikit-learn's private helpers.

If scikit-learn moves or renames one of them, this is the only file to edit.
"""

from sklearn.base import _fit_context
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.validation import _check_sample_weight, validate_data

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn: no callbacks
    CallbackSupportMixin = None

__all__ = [
    "CallbackSupportMixin",
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_safe_indexing",
    "check_matplotlib_support",
    "_fit_context",
    "validate_data",
    "validate_params",
]
