"""Monitoring: feature drift of test clients and served requests against training clients."""
