"""Thumbnail renderers, one module per kind; each is ``render(desc, store, *, size, limits) -> PIL.Image``.

Renderers read descriptors and files only: a server never needs the user-facing objects.
"""
