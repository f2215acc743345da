"""The management API, one package per resource."""
