"""Shared test setup. Being here, this file puts tests/ on ``sys.path``, so that tests in
sub-folders (tests/robustness) import the gate table, tests/gate_table.py: one entry per
registered gate (sample cases, random-graph op, extreme inputs). How to add a gate: one
class, plus one entry in tests/gate_table.py; see its docstring."""
