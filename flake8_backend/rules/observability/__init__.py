"""BE04x: logging and observability. One module per rule, named by code and name."""
