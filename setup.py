"""The one part of the build pyproject.toml cannot declare: mediakit's optional C accelerator.

``mediakit._speedups`` (column checks for the compiled schema predicates, the
Ramer-Douglas-Peucker reduction of PR/ROC curves) is built when a C
compiler and Python's headers are there; when they are not, the build goes on without it and
mediakit uses the same checks in pure Python (``optional=True``).

``-ffp-contract=off``: the curve reduction must compute exactly what numpy computes (the kept
points, hence the stored bytes, must not depend on whether the module was built), so no
multiply-add may be fused.
"""
from __future__ import annotations

import sys

from setuptools import Extension, setup

setup(ext_modules=[Extension("mediakit._speedups", ["mediakit/_speedups.c"], optional=True, extra_compile_args=[] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"])])
