"""The one part of the build pyproject.toml cannot declare: mediakit's optional C accelerator.

``mediakit._speedups`` (column checks for the compiled schema predicates) is built when a C
compiler and Python's headers are there; when they are not, the build goes on without it and
mediakit uses the same checks in pure Python (``optional=True``).
"""
from __future__ import annotations

from setuptools import Extension, setup

setup(ext_modules=[Extension("mediakit._speedups", ["mediakit/_speedups.c"], optional=True, extra_compile_args=["-O2"])])
