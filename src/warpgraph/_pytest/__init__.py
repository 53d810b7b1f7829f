"""Glue modules of the pytest plugin; see ``warpgraph.pytest_plugin``."""
