"""Byte-level encoders and decoders shared by the kinds (PNG, raster images, ...)."""
