"""The service desk's dashboard: what needs attention across the service."""
