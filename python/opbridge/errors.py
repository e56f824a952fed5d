"""Exceptions raised by opbridge."""

from __future__ import annotations


class OpbridgeError(Exception):
    """Base class of opbridge's errors."""


class UnsupportedOpsError(OpbridgeError):
    """A converted model holds custom ops that no installed kernel library implements.

    `missing` maps each op name to how many times the model uses it.
    """

    def __init__(self, missing: dict[str, int], message: str | None = None) -> None:
        self.missing = dict(missing)
        listing = ", ".join(f"{name} (x{count})" for name, count in sorted(self.missing.items()))
        super().__init__(
            message
            or f"the model uses custom ops that no kernel implements: {listing}. "
            "Install a package that provides them, or write one (see `opbridge new`)."
        )


class AbiMismatchError(OpbridgeError):
    """The running TFLite interpreter lays out its C structs differently from opbridge's kernels."""


class LibraryLoadError(OpbridgeError):
    """A kernel or TF op library could not be loaded."""
