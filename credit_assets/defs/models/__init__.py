"""Candidate models, the champion, the test-client scores and the evaluation report."""
