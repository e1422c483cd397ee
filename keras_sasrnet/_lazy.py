"""Sub-packages that list symbols in ``__all__`` without importing them all.

``data``, ``train``, ``evaluation`` and ``export`` name what a user calls
(functions and classes, as ``models`` and ``slimming`` do), but importing
each module up front would pull TensorFlow into the data workers and slow
every binary's start: ``exports`` makes a package's ``__getattr__`` import a
symbol's module on first use (PEP 562).
"""

import importlib


def exports(package, table):
    """(``__all__``, ``__getattr__``) of ``package`` for ``table``:
    {symbol: the module (relative to ``package``) that defines it}."""

    def getattr_(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{table[name]}"), name)

    return sorted(table), getattr_
