"""pytest glue for warpgraph: virtual_time."""
