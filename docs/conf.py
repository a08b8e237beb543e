"""Sphinx configuration: numpydoc API pages, a sphinx-gallery, pydata theme."""

from pathlib import Path

import skreg

project = "skreg"
author = "The skreg developers"
copyright = "2026, The skreg developers"
release = version = skreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# Each class page documents every public method, inherited ones included
# (fit, score, get_params, set_fit_request, ...), and lists the examples
# using the class: see _templates/class.rst.
numpydoc_show_class_members = True
numpydoc_show_inherited_class_members = True
numpydoc_class_members_toctree = False
# numpydoc validates every documented object during the build (a warning,
# hence an error under -W); tests/test_docstrings.py applies the same rules.
# Excluded: See Also / Examples / extended summary on every method (as
# scikit-learn does), GL01 (summary on the opening line) and RT02, which
# forbids the named returns ("self : object") scikit-learn's docstrings use.
NUMPYDOC_EXCLUDED = {"GL01", "SA01", "EX01", "ES01", "RT02"}
numpydoc_validation_checks = {"all", *NUMPYDOC_EXCLUDED}

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

html_theme = "pydata_sphinx_theme"
html_title = "skreg"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = ["_static"]
html_css_files = ["skreg.css"]

# Links point at each project's site, but the inventories are the curated
# copies in _inventories/ (see make_inventories.py there): our CI machine
# cannot reach those sites, and a -W build must not depend on the network.
_INV = Path(__file__).parent / "_inventories"
intersphinx_mapping = {
    name: (url, str(_INV / f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "sklearn": "https://scikit-learn.org/stable/",
    }.items()
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skreg",),
    "remove_config_comments": True,
    "download_all_examples": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    # Always execute: the test suite's promise is that every example runs,
    # not that it ran once before in this tree.
    "run_stale_examples": True,
    "show_memory": False,
    "min_reported_time": 1,
}
