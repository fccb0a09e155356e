"""Response schemas for facts."""

from pydantic import Field

from app.models.vocabulary import FactCategory
from app.schemas.common import Conflict, Stamped


class FactPublic(Stamped):
    id: str = Field(
        description="Stable id; never changes once published.", examples=["fs-nri-count"]
    )
    category: FactCategory = Field(
        description="fact_sheet: a figure the fact sheet states; itu_headline: ITU's estimates."
    )
    label: str = Field(examples=["IGF national, regional and youth initiatives (NRIs)"])
    value: int | None = Field(description="Null where the sources give no exact figure.")
    unit: str = Field(examples=["initiatives"])
    qualifier: str | None = Field(description="How the source hedges it, e.g. 'close to'.")
    as_of: int | None = Field(description="Year the figure refers to.")
    edition: str | None = Field(description="For ITU figures, the edition that published it.")
    context: str | None
    source: str | None = Field(description="Citation, where there is no web address.")
    source_url: str | None
    other_sources: list[str]
    notes: str | None
    conflicts: list[Conflict]
