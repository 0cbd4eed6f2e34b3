"""Framework-free validation and allocation of the identifiers LRS deals in.

Nothing here imports Django, so the rules can be used from the batch validator that
runs offline, from tests and from any other tool.
"""
