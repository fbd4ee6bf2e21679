"""Imported once by the step processes' fork server (see ``definitions.EXECUTOR``).

Loading the definitions imports every module the steps use; the forked steps inherit them.
"""

from credit_assets.definitions import defs

defs().get_repository_def()
