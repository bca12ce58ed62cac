"""Generic semantic analysis: scopes and bindings, import resolution, origins, enclosing
nodes, and the context a check sees. Knows nothing of SQL, HTTP or web frameworks."""
