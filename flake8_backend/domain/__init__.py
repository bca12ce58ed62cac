"""Domain knowledge: SQL sinks and values, database calls, web routes, HTTP clients.

Built on the generic analysis in `flake8_backend.analysis`; used by the rules.
"""
