"""pytest glue for warpgraph: bench."""
