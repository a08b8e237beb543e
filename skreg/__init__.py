"""scikit-learn compatible multilayer perceptrons with L0, L1 and L2 penalties."""

from skreg._multilayer_perceptron import (
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
)
from skreg._path import (
    MLPRegularizedClassifierCV,
    MLPRegularizedRegressorCV,
    regularization_path,
)
from skreg._plot import RegularizationPathDisplay

__version__ = "0.1.0.dev0"

__all__ = [
    "MLPRegularizedClassifier",
    "MLPRegularizedClassifierCV",
    "MLPRegularizedRegressor",
    "MLPRegularizedRegressorCV",
    "RegularizationPathDisplay",
    "__version__",
    "regularization_path",
]
