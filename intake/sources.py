"""The source record (intake/knowledge/sources.yaml): one citation type for the whole knowledge base.

Its own module so that the knowledge base and the outcome measures can both cite sources without
importing each other (intake.knowledge reads intake.models, whose outcomes are checked by
intake.measures).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Source"]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cite: str
    authors: str
    year: int
    title: str
    published: str
    verified: bool = True
    note: str | None = None

    @property
    def citation(self) -> str:
        return self.cite if self.verified else f"{self.cite} (figure unverified)"
