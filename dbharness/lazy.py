"""Modules imported on first use: pglast costs a run about 50 ms to import, and a run whose
results and test files come from the caches never parses anything."""

from __future__ import annotations

import importlib
from typing import Any


class Module:
    """Stands for the module `name` until an attribute is first read; then imports it and takes
    its names, so later reads cost what a module's do."""

    def __init__(self, name: str) -> None:
        self.__dict__["_lazy_name"] = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__dict__["_lazy_name"])
        self.__dict__.update(vars(module))
        return getattr(module, attr)
