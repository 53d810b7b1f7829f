"""pytest glue for warpgraph: fakes."""
