"""Controlled vocabularies. seed_schema.json repeats them; a test keeps the two in step."""

from typing import Literal, get_args

MilestoneKind = Literal[
    "announcement",
    "appointment",
    "consultation",
    "forum",
    "meeting",
    "outcome document",
    "report",
    "resolution",
    "summit",
]
DatePrecision = Literal["day", "month", "year"]
MilestoneStatus = Literal["past", "ongoing", "upcoming"]
NriKind = Literal["national", "regional", "sub-regional", "youth"]
NriEvidence = Literal["igf_secretariat_page", "recognition_stated_elsewhere", "existence_reported"]
NriRegion = Literal[
    "Africa",
    "Arab region",
    "Asia-Pacific",
    "Caribbean",
    "Central Africa",
    "Central Asia",
    "East Africa",
    "Eastern Europe",
    "Europe",
    "Latin America and Caribbean",
    "North Africa",
    "Pacific",
    "Portuguese-speaking countries",
    "South Eastern Europe",
    "Southern Africa",
    "West Africa",
    "Western Europe and Others",
]
FactCategory = Literal["fact_sheet", "itu_headline"]


def values(literal: object) -> tuple[str, ...]:
    return tuple(str(v) for v in get_args(literal))
