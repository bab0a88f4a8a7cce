"""The one part of the build pyproject.toml cannot declare: mediakit's optional C accelerator.

``mediakit._speedups`` (loops numpy cannot vectorise: the column checks of the compiled schema
predicates, the PR/ROC curve reduction, point-cloud records, GIF frame deltas) is built when a C
compiler and Python's headers are there; when they are not, the build goes on without it and
mediakit does the same work in Python, with the same results (``optional=True``; see
``mediakit/_native.py``).

``-ffp-contract=off``: the curve reduction must compute exactly what numpy computes (the kept
points, hence the stored bytes, must not depend on whether the module was built), so no
multiply-add may be fused.
"""
from __future__ import annotations

import sys

from setuptools import Extension, setup

setup(ext_modules=[Extension("mediakit._speedups", ["mediakit/_speedups.c"], optional=True, extra_compile_args=[] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"])])
