"""Client features from the seven Kaggle tables: plain Polars functions, no Dagster.

``build.GROUPS`` lists the feature groups (one per asset), ``build.build_client_features`` joins
them into the client table, and ``serving.new_client_features`` computes a new applicant's row
with the same application code, aligned to the table's ``serving.FeatureSpec``.
"""
