"""Fixtures of the gallery tests (defined in gallery_helpers.py, shared with the tests)."""

from __future__ import annotations

from gallery_helpers import browser, page, site

__all__ = ["browser", "page", "site"]
