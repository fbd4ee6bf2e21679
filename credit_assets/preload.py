"""Imported once by the step processes' fork server (see ``definitions.EXECUTOR``).

Builds the definitions (``defs`` is cached, so a forked step reuses them rather than loading the
defs folder again) and imports every module the steps use, the instance's storage (SQLAlchemy,
Alembic) included: the forked steps inherit them instead of importing them each.
"""

import os

import dagster as dg

from credit_assets.definitions import defs

defs().get_repository_def()
if os.environ.get("DAGSTER_HOME"):
    # Opened and disposed here only for its imports; each step opens its own connections.
    with dg.DagsterInstance.get():
        pass
