"""Deployment: the champion packaged as a BentoML model and the ``credit_scorer`` Bento."""
