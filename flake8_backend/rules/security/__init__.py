"""BE03x: security. One module per rule, named by code and name."""
