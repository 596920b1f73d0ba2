"""``REGISTRY``: every gate class by its class name (``"Exp"``, ``"MatMul"``).

It sits below both of its users: ``gate.py`` fills it (each concrete gate class registers
when it is defined) and ``vocabulary.py`` reads it (a row's tensor implementation runs a
gate by name), so neither has to import the other.
"""
REGISTRY = {}
