"""NumPy numerics with no graph: the bottom layer, shared by the gates and the row vocabulary."""
