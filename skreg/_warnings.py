"""Warnings attributed to the user's line, not to ours.

A fixed ``stacklevel`` points at whichever of our functions is that many
frames up: a different one for each solver, and never at the user's code,
which sits below a varying number of our frames and scikit-learn's (its
``fit`` wrapper, a Pipeline, a search). pandas' ``find_stack_level`` solves
the same problem the same way.
"""

import os
import sys
import warnings

import joblib
import sklearn

import skreg

_LIBRARIES = tuple(
    os.path.dirname(module.__file__) + os.sep for module in (skreg, sklearn, joblib)
)


def warn(message, category=UserWarning):
    """``warnings.warn`` at the first frame outside skreg, scikit-learn and
    joblib: the line that called ``fit`` (or the outermost frame, in a
    worker process that has no such line)."""
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
