"""Typed resources: where the Kaggle data comes from and where outputs go."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from credit_assets import settings


class HomeCreditSource(dg.ConfigurableResource):
    """The Kaggle data to ingest: ``home-credit-default-risk.zip`` or a folder of its CSVs."""

    location: str

    @property
    def path(self) -> Path:
        return Path(self.location)


class DataLake(dg.ConfigurableResource):
    """The local folder (or mounted bucket) holding every pipeline output."""

    root: str

    def path(self, *parts: str) -> Path:
        """A path under the lake root; parent folders are created."""
        target = Path(self.root).joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def raw_table(self, table: str) -> Path:
        """The Parquet copy of one ingested Kaggle table."""
        return self.path("raw", f"{table}.parquet")


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "source": HomeCreditSource(location=str(settings.home_credit_source())),
            "lake": DataLake(root=str(settings.data_dir())),
        }
    )
