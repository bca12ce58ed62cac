"""BE05x: API design and route handlers. One module per rule, named by code and name."""
