"""Fixtures of the board's web tests (defined in web_support, a uniquely named module)."""

from web_support import board

__all__ = ["board"]
