"""The explainer page mounted at ``/ui`` on a FastAPI app, built on a client of the scoring API.

BentoML 1.4.40's ``bentoml.gradio.mount_gradio_app`` answers ``/ui/`` with a 500 under Gradio 6,
so the page is mounted with Gradio's own ``gr.mount_gradio_app`` into the service's FastAPI app,
which BentoML serves at ``/``. The explainer service (``bento/explainer.py``) calls
:func:`mount_explainer` in its ``__init__``, once the API answers: BentoML creates the service
instance before it enters the mounted apps' lifespans, so Gradio's startup (its queue) runs as
usual. Building the page there also keeps Gradio out of the ``bentoml serve`` parent process.

Sign-in: when ``CREDIT_API_KEY`` is set as the service starts, the page asks for that key on
Gradio's sign-in form (any name, the key as password) and the API guard leaves ``/ui`` to it (a
browser cannot send the key as a header); the page then calls the API with that key. Without a
key the page is open, like the API.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from credit_assets import settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from gradio.themes import Base

    from ui.client import ScorerApi

UI_PATH = "/ui"
SIGN_IN_MESSAGE = (
    "This service asks for its API key (CREDIT_API_KEY): enter your name and the key as password."
)


def import_explainer() -> None:
    """Import Gradio, matplotlib and the page's modules, with matplotlib's file-only backend."""
    # The backend must be chosen before Gradio first imports matplotlib. Gradio's analytics are
    # already off: importing ``credit_assets`` sets ``USAGE_STATISTICS_OFF``.
    import matplotlib

    matplotlib.use("Agg")
    import gradio  # noqa: F401

    import ui.app  # noqa: F401


def mount_explainer(app: FastAPI, api: ScorerApi, path: str = UI_PATH) -> None:
    """Build the explainer on the API behind ``api`` and mount it on ``app`` at ``path``.

    Mounting again (a new service instance in the same process) replaces the earlier page.
    """
    import_explainer()
    import gradio as gr

    from ui.app import build
    from ui.explainer import Explainer
    from ui.text import CSS

    page = build(Explainer(api))
    _unmount(app, path)
    gr.mount_gradio_app(
        app,
        page,
        path=path,
        auth=signed_in if settings.api_key() else None,
        auth_message=SIGN_IN_MESSAGE,
        footer_links=["api"],
        run_history=False,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        max_file_size="1mb",
        theme=_theme(),
        css=CSS,
    )


def signed_in(name: str, password: str) -> bool:
    """Gradio's sign-in check: the password is the service's API key."""
    key = settings.api_key()
    return key is not None and hmac.compare_digest(password.encode(), key.encode())


def _unmount(app: FastAPI, path: str) -> None:
    """Remove a page mounted earlier at ``path`` and its wrapping of the app's lifespan."""
    original = getattr(app.state, "lifespan_without_explainer", None)
    if original is None:
        app.state.lifespan_without_explainer = app.router.lifespan_context
    else:
        app.router.lifespan_context = original
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != path]


def _theme() -> Base:
    """Gradio's default theme (fonts served locally) with text and buttons at AA contrast."""
    from gradio.themes import Default

    return Default(primary_hue="blue", neutral_hue="gray").set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        body_text_color_subdued="*neutral_600",
        block_info_text_color="*neutral_600",
        block_label_text_color="*neutral_700",
        input_placeholder_color="*neutral_500",
    )
