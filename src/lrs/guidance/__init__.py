"""Guidance: the user guides, the reference pages generated from the code, and context
help from every portal page. Public, except what would help misuse."""
