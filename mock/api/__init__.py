"""Thin operationId handlers, one module per resource (Connexion resolves `mock.api.<r>.<verb>`)."""
