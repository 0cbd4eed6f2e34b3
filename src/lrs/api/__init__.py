"""The REST API, under /api/v1/. Each domain app contributes a router from its api.py."""
