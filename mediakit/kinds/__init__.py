"""Media kinds, one module each."""
