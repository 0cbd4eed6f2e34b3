"""Support requests to the service desk, including reports of problems with a ULN."""
