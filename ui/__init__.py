"""The Gradio explainer for credit officers, mounted by the scoring service at ``/ui``.

``explainer`` holds what each part of the page shows, from the service's own ``Scorer``;
``app`` lays the page out; ``plots`` draws the figures; ``mount`` mounts the page in the service.
"""
