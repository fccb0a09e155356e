"""The list envelope every collection shares."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")
META_DESCRIPTION = "About the whole list: its size, page size and sort."


class PageLinks(BaseModel):
    self: str = Field(description="This page (relative URL).", examples=["/v1/nris?kind=youth"])
    next: str | None = Field(description="The next page, or null on the last page.")
    prev: str | None = Field(description="The previous page, or null on the first page.")


class PageMeta(BaseModel):
    total: int = Field(description="Records matching the filters, over all pages.", examples=[42])
    limit: int = Field(description="The page size in force.", examples=[50])
    sort: str = Field(description="The sort in force.", examples=["name"])


class Page(BaseModel, Generic[T]):
    data: list[T] = Field(description="The records of this page (all fields unless `fields`).")
    links: PageLinks = Field(description="URLs of this page and its neighbours.")
    meta: PageMeta = Field(description=META_DESCRIPTION)
