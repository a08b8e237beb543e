import os

# scikit-learn's check_array_api_input (run for every estimator) needs SciPy's
# array API mode, which SciPy reads once, at import: set it before anything
# imports scipy so that check runs instead of skipping.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
