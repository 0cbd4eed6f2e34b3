"""Duplicate learners: merging and unmerging ULNs of one person, remembering pairs that
are different people, and the background scan that fills the service desk's review
queue."""
