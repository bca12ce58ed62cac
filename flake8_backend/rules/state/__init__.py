"""BE06x: shared state and caching. One module per rule, named by code and name."""
