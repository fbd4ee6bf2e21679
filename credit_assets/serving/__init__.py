"""The scoring service's logic, with no BentoML or Dagster in it.

``bundle`` writes and reads what travels with a served champion (the ``ScoringModel``, the
known-client features, descriptions, the model card); ``scorer.Scorer`` answers predictions and
explanations from it; ``schemas`` holds the request and response models. The BentoML service
(``bento/service.py``), the Gradio explainer and the tests all call these same functions.
"""
