"""Records tests use the shared fixtures of tests/conftest.py: Olivia, registered by a
school, with a grade 7 in Meridian Awards' GCSE in Mathematics."""
