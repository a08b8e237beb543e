"""Write the curated intersphinx inventories in this folder.

Our CI machine cannot reach the projects' documentation sites, only package
registries, so the docs resolve cross-references from these small inventories:
the objects and glossary terms the docs and docstrings refer to, with their
real locations. Add an entry here when the docs start referring to a new
object, then run ``python make_inventories.py``.
"""

import zlib
from pathlib import Path

# name -> (domain:role, relative URI, display name); "-" means same as name.
INVENTORIES = {
    "sklearn": {
        "sklearn.neural_network.MLPClassifier": (
            "py:class",
            "modules/generated/sklearn.neural_network.MLPClassifier.html#$",
        ),
        "sklearn.neural_network.MLPRegressor": (
            "py:class",
            "modules/generated/sklearn.neural_network.MLPRegressor.html#$",
        ),
        "sklearn.model_selection.GridSearchCV": (
            "py:class",
            "modules/generated/sklearn.model_selection.GridSearchCV.html#$",
        ),
        "sklearn.pipeline.Pipeline": (
            "py:class",
            "modules/generated/sklearn.pipeline.Pipeline.html#$",
        ),
        "sklearn.compose.TransformedTargetRegressor": (
            "py:class",
            "modules/generated/sklearn.compose.TransformedTargetRegressor.html#$",
        ),
        "sklearn.preprocessing.StandardScaler": (
            "py:class",
            "modules/generated/sklearn.preprocessing.StandardScaler.html#$",
        ),
        "sklearn.feature_selection.SelectFromModel": (
            "py:class",
            "modules/generated/sklearn.feature_selection.SelectFromModel.html#$",
        ),
        # Labels that the inherited score() docstrings refer to.
        "accuracy_score": ("std:label", "modules/model_evaluation.html#accuracy-score"),
        "r2_score": ("std:label", "modules/model_evaluation.html#r2-score"),
        "random_state": ("std:term", "glossary.html#term-random_state"),
        "warm_start": ("std:term", "glossary.html#term-warm_start"),
        "fit": ("std:term", "glossary.html#term-fit"),
        # ... and those of the inherited metadata-routing methods.
        "metadata_routing": ("std:label", "metadata_routing.html#metadata-routing"),
        "meta-estimator": ("std:term", "glossary.html#term-meta-estimator"),
    },
    "numpy": {
        "numpy.ndarray": ("py:class", "reference/generated/numpy.ndarray.html#$"),
    },
    "scipy": {
        "scipy.sparse.csr_matrix": (
            "py:class",
            "reference/generated/scipy.sparse.csr_matrix.html#$",
        ),
        "scipy.optimize.minimize": (
            "py:function",
            "reference/generated/scipy.optimize.minimize.html#$",
        ),
    },
    "python": {
        "float": ("py:class", "library/functions.html#float"),
        "int": ("py:class", "library/functions.html#int"),
    },
}


def write(project, entries, folder):
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    lines = "".join(
        f"{name} {role} 1 {uri} -\n" for name, (role, uri) in sorted(entries.items())
    )
    (folder / f"{project}.inv").write_bytes(
        header.encode() + zlib.compress(lines.encode(), 9)
    )


if __name__ == "__main__":
    here = Path(__file__).parent
    for project, entries in INVENTORIES.items():
        write(project, entries, here)
