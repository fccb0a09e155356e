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
    label: str = Field(
        description="What the figure counts.",
        examples=["IGF national, regional and youth initiatives (NRIs)"],
    )
    value: int | None = Field(description="Null where the sources give no exact figure.")
    unit: str = Field(description="What `value` is a number of.", examples=["initiatives"])
    qualifier: str | None = Field(description="How the source hedges it, e.g. 'close to'.")
    as_of: int | None = Field(description="Year the figure refers to.")
    edition: str | None = Field(description="For ITU figures, the edition that published it.")
    context: str | None = Field(description="How the fact sheet or the source uses the figure.")
    source: str | None = Field(description="Citation, where there is no web address.")
    source_url: str | None = Field(
        description="The page the figure was taken from; null where `source` cites it."
    )
    other_sources: list[str] = Field(description="Further pages that support or add to it.")
    notes: str | None = Field(description="Curator's remarks on the record and its sources.")
    conflicts: list[Conflict] = Field(description="Fields on which the sources disagree.")
