"""pytest glue for warpgraph: trace."""
