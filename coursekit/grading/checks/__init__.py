"""The checks of each assignment, one module per assignment; importing this package registers them all."""

from . import a1, a2, a3, a4, a5  # noqa: F401
