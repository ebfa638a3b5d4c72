"""The engine: topology facts, route atoms, the Z3 encoding and solver, the simulator, explanations and
repairs, and the `Engine` that decides assertions."""
