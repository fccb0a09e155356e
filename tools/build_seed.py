#!/usr/bin/env python3
"""Build ``seed.json`` from the curated reference data and the fact sheet text.

Usage::

    python tools/build_seed.py --reference DIR --fact-sheet FILE --out seed.json

The output is deterministic: the same inputs always give byte-identical output.
Values are copied from the inputs; the only text written here is the dataset-level
notes and the ``conflicts`` entries, which restate conflicts documented in the
reference README ("Conflicts between sources") or flagged in a record's own notes.
Mapping decisions (milestone organisation names to organisation ids) are printed
to standard error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
DEFAULT_FACT_SHEET = REPO_ROOT.parent / "shared" / "seeds" / "000_8dd7d0fc31151220.txt"
DEFAULT_OUT = REPO_ROOT / "seed.json"

Record = dict[str, object]

DATASET_TITLE = "WSIS+20 fact sheet data"
DATASET_DESCRIPTION = (
    "Text of the RIPE NCC fact sheet on WSIS+20 and its calls to action, with sourced records "
    "of the organisations, process milestones, IGF national, regional and youth initiatives "
    "(NRIs), WSIS Action Lines and numeric facts behind it."
)
FACT_SHEET_ID = "wsis-plus-20"
FACT_SHEET_PUBLISHER = "RIPE NCC"
FACT_SHEET_NOTES = (
    "Headings and wording follow the seed text verbatim; markdown emphasis and escape characters "
    "were removed, link placeholders were reduced to their link text, and the footnote is kept "
    "in its section's footnotes list. The seven numbered items of the Call to Action section are "
    "also given as calls_to_action."
)
DATASET_NOTES = (
    "The original web address of the fact sheet was not found in the stored pages; its text is "
    "the seed text supplied with the brief.",
    "Descriptions, roles, notes, summaries and the short titles of the calls to action are the "
    "curator's own short wording; only names, titles, dates, numbers and document symbols are "
    "carried over from the sources.",
    "Link targets in the fact sheet text were placeholders and are not reproduced; only the "
    "link text is kept.",
    "Research used stored 2025-era copies of public web pages, not the live web; some source "
    "URLs are proxy or mirror copies and are kept exactly as stored.",
    "ISO country codes and UN regional groups of the NRIs were assigned by the curator from "
    "standard classifications; they are not taken from the sources.",
)

# Headings of the fact sheet, in order: (heading, level). A level-2 heading belongs to the
# nearest level-1 heading before it. The parser detects heading-like lines on its own and
# fails if they differ from this list, so a changed fact sheet cannot slip through silently.
EXPECTED_HEADINGS: tuple[tuple[str, int], ...] = (
    ("What is WSIS+20?", 1),
    ("What\u2019s at Stake?", 1),
    ("Key Milestones & Next Steps", 1),
    ("The Way Forward: Renew the WSIS and IGF Mandates", 1),
    ("WSIS+20: Our Vision & Contribution", 1),
    ("The Internet as Global Infrastructure", 2),
    ("Technical Coordination and Internet Governance", 2),
    ("Maintaining an Open, Inclusive and Secure Internet", 2),
    ("Call to Action", 1),
)
CALL_TO_ACTION_HEADING = "Call to Action"
FOOTNOTE_MARKERS = "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"


@dataclass(frozen=True)
class Conflict:
    field: str
    values: tuple[str, ...]
    note: str


# Conflicts documented in the reference README ("Conflicts between sources") or flagged as a
# conflict in a record's own notes. Keyed by (collection, record id).
CONFLICTS: dict[tuple[str, str], tuple[Conflict, ...]] = {
    ("milestones", "ms-008"): (
        Conflict(
            "start_date",
            ("2006-10-30", "2006-10-24"),
            "dig.watch and the organiser site give 30 October to 2 November 2006; one ICANNWiki "
            "revision gives 24 to 26 October 2006. This record uses 2006-10-30.",
        ),
        Conflict(
            "end_date",
            ("2006-11-02", "2006-10-26"),
            "dig.watch and the organiser site give 30 October to 2 November 2006; one ICANNWiki "
            "revision gives 24 to 26 October 2006. This record uses 2006-11-02.",
        ),
    ),
    ("milestones", "ms-011"): (
        Conflict(
            "start_date",
            ("2014-07-31", "2014-08-31"),
            "The UN text of resolution 70/125 recalls 31 July 2014; an EU amendment draft writes "
            "31 August 2014. This record uses 2014-07-31.",
        ),
    ),
    ("milestones", "ms-019"): (
        Conflict(
            "start_date",
            ("2025-03-27", "2025-03-25"),
            "The fact sheet and a dig.watch process page say 25 March 2025; the UN texts of the "
            "zero draft and of draft A/80/L.41, and dgdg.blog, say 27 March 2025. This record "
            "uses 2025-03-27.",
        ),
    ),
    ("milestones", "ms-027"): (
        Conflict(
            "start_date",
            ("2025-08-29", "2025-08-30"),
            "Afnic says 29 August 2025; dgdg.blog says 30 August 2025. This record uses month "
            "precision (2025-08).",
        ),
    ),
    ("organisations", "org-005"): (
        Conflict(
            "founded_year",
            ("2005", "2004"),
            "Sources give 2004 (provisional ICANN recognition, 11 October 2004) or 2005 "
            "(operational 22 February 2005, final recognition April 2005) as the founding year. "
            "This record uses 2005.",
        ),
    ),
    ("organisations", "org-008"): (
        Conflict(
            "founded_year",
            ("2002", "1999"),
            "One mirror gives 1999, when the founding agreement was signed (22 August 1999); a "
            "table and a German encyclopedia page give 2002, when LACNIC took over the region "
            "from ARIN. This record uses 2002.",
        ),
    ),
    ("organisations", "org-014"): (
        Conflict(
            "founded_year",
            ("2006", "2005"),
            "The Tunis Agenda mandated the IGF in 2005; it was announced in July 2006 and first "
            "met in 2006. One source (internet-governance-radar.de) says it was founded in 2005. "
            "This record uses 2006.",
        ),
    ),
    ("nris", "nri-001"): (
        Conflict(
            "established_year",
            ("2012", "2011"),
            "The IGF page gives 2012, the year of the first annual meeting; a French-language "
            "blog says AfIGF was launched at the 2011 global IGF in Nairobi. This record uses "
            "2012.",
        ),
    ),
    ("nris", "nri-004"): (
        Conflict(
            "established_year",
            ("2008", "2007"),
            "The first meeting was held on 20-21 October 2008 in Strasbourg; one page says the "
            "initiative started in 2007. This record uses 2008.",
        ),
    ),
    ("nris", "nri-032"): (
        Conflict(
            "established_year",
            ("2020", "2021"),
            "The English page says the initiative was founded in 2020; the French and Arabic "
            "versions of the site say it was recognised in 2021. This record uses 2020 as "
            "established_year and 2021 as recognised_year.",
        ),
    ),
    ("nris", "nri-068"): (
        Conflict(
            "established_year",
            ("2006", "2008"),
            "The UIGF site and a 2013 CIPESA post say it has run since 2006; another CIPESA page "
            "says CIPESA has convened it since 2008. This record uses 2006.",
        ),
    ),
    ("nris", "nri-069"): (
        Conflict(
            "established_year",
            ("2008", "2018"),
            "GISWatch 2017 says Tanzanian stakeholders held a national forum in 2008; a 2018 "
            "organiser page calls its 2018 event the first of its kind. This record uses 2008.",
        ),
    ),
    ("nris", "nri-101"): (
        Conflict(
            "established_year",
            ("2007", "2008"),
            "The same page gives 2007 and, later, 2008 as the founding year. This record uses "
            "2007.",
        ),
    ),
    ("nris", "nri-114"): (
        Conflict(
            "established_year",
            (
                "founding meetings reported in September 2012",
                "forum of 17 October 2017 reported as the second national IGF",
            ),
            "Founding meetings were reported in September 2012, but the forum of 17 October "
            "2017 was reported as only the second national IGF. established_year is left null.",
        ),
    ),
    ("nris", "nri-116"): (
        Conflict(
            "established_year",
            (
                "November 2024 meeting called the first",
                "2025 meeting called the third edition",
            ),
            "One report calls a November 2024 meeting the first Somalia IGF; another calls a "
            "2025 meeting the third edition. established_year is left null.",
        ),
    ),
    ("nris", "nri-159"): (
        Conflict(
            "established_year",
            (
                "2017 Kenya youth IGF reported",
                "2023 event called the third edition",
            ),
            "KIGF calls the 2023 event the third edition, while a 2017 Kenya youth IGF also "
            "appears, so the edition count conflicts. established_year is left null.",
        ),
    ),
    ("facts", "fs-users-today"): (
        Conflict(
            "value",
            ("5800000000", "5500000000"),
            "The fact sheet says 5.8 billion today. ITU Facts and Figures 2024 gave 5.5 billion "
            "for 2024; Facts and Figures 2025 revised 2024 to 5.8 billion and put 2025 at about "
            "6 billion. This record uses the fact sheet's 5.8 billion, which matches the revised "
            "2024 value.",
        ),
    ),
    ("facts", "fs-ripe-countries"): (
        Conflict(
            "value",
            ("76", "over 76"),
            "The fact sheet gives 76 countries for the RIPE NCC service region, which could not "
            "be confirmed independently; older encyclopedia text says members are located in "
            "'over 76 countries', a different measure. This record uses the fact sheet's 76.",
        ),
    ),
}


class BuildError(Exception):
    """The inputs do not have the shape this script expects."""


# --------------------------------------------------------------------------- typed access


def _obj(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BuildError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BuildError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _str(rec: Mapping[str, Any], key: str, where: str) -> str:
    value = rec.get(key)
    if not isinstance(value, str):
        raise BuildError(f"{where}.{key}: expected a string, got {value!r}")
    return value


def _opt_str(rec: Mapping[str, Any], key: str, where: str) -> str | None:
    if key not in rec:
        raise BuildError(f"{where}: missing key {key!r}")
    value = rec[key]
    if value is not None and not isinstance(value, str):
        raise BuildError(f"{where}.{key}: expected a string or null, got {value!r}")
    return value


def _int(rec: Mapping[str, Any], key: str, where: str) -> int:
    value = rec.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BuildError(f"{where}.{key}: expected an integer, got {value!r}")
    return value


def _opt_int(rec: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in rec:
        raise BuildError(f"{where}: missing key {key!r}")
    value = rec[key]
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BuildError(f"{where}.{key}: expected an integer or null, got {value!r}")
    return value


def _bool(rec: Mapping[str, Any], key: str, where: str) -> bool:
    value = rec.get(key)
    if not isinstance(value, bool):
        raise BuildError(f"{where}.{key}: expected a boolean, got {value!r}")
    return value


def _str_list(rec: Mapping[str, Any], key: str, where: str) -> list[str]:
    items = _list(rec.get(key), f"{where}.{key}")
    for item in items:
        if not isinstance(item, str):
            raise BuildError(f"{where}.{key}: expected strings, got {item!r}")
    return list(items)


def _records(doc: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    return [
        _obj(item, f"{where}.{key}[{index}]")
        for index, item in enumerate(_list(doc.get(key), f"{where}.{key}"))
    ]


def _load_json(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    return _obj(data, path.name)


# --------------------------------------------------------------------------- fact sheet


def slugify(text: str) -> str:
    """Lower-case slug: apostrophes dropped, other runs of non-alphanumerics become '-'."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def clean_inline(text: str) -> str:
    """Markdown placeholders to plain text: ``[t](#)`` -> ``t``, ``\\(`` -> ``(``, no ``*``."""

    def replace_link(match: re.Match[str]) -> str:
        if match.group(2) != "#":
            raise BuildError(f"link with a real target, not a placeholder: {match.group(0)!r}")
        return match.group(1)

    text = _LINK_RE.sub(replace_link, text)
    text = text.replace("\\(", "(").replace("\\)", ")")
    text = text.replace("*", "")
    if "\\" in text or "](" in text:
        raise BuildError(f"unhandled markdown left in {text!r}")
    return text


def _is_heading_like(line: str) -> bool:
    return (
        len(line) <= 80
        and not line.startswith("-")
        and line[0] not in FOOTNOTE_MARKERS
        and not line.endswith((".", ":", ",", ";"))
    )


_CALL_RE = re.compile(r"^-\s+(\d+)\.\s+(?:\*\*)?(.+?):(?:\*\*)?\s+(.+)$")


@dataclass(frozen=True)
class ParsedCall:
    number: int
    title: str
    body: str


@dataclass(frozen=True)
class ParsedFactSheet:
    title: str
    sections: list[Record]
    calls: list[ParsedCall]


def parse_fact_sheet(text: str) -> ParsedFactSheet:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise BuildError("the fact sheet text is empty")
    title = lines[0]
    rest = lines[1:]

    found = [line for line in rest if _is_heading_like(line)]
    expected = [heading for heading, _ in EXPECTED_HEADINGS]
    if found != expected:
        raise BuildError(f"fact sheet headings differ from the expected list: {found!r}")
    levels = dict(EXPECTED_HEADINGS)

    sections: list[Record] = []
    bodies: list[list[str]] = []
    footnotes: list[list[str]] = []
    calls: list[ParsedCall] = []
    parent_id: str | None = None
    for line in rest:
        if line in levels:
            level = levels[line]
            section_id = slugify(line)
            if level == 1:
                parent_id = section_id
                section_parent: str | None = None
            else:
                if parent_id is None:
                    raise BuildError(f"level-2 heading {line!r} before any level-1 heading")
                section_parent = parent_id
            sections.append(
                {
                    "id": section_id,
                    "position": len(sections) + 1,
                    "heading": line,
                    "level": level,
                    "parent_id": section_parent,
                    "body": "",
                    "footnotes": [],
                }
            )
            bodies.append([])
            footnotes.append([])
            continue
        if not sections:
            raise BuildError(f"text before the first heading: {line!r}")
        if line[0] in FOOTNOTE_MARKERS:
            footnotes[-1].append(re.sub(r"<(https?://[^>\s]+)>", r"\1", line))
            continue
        if sections[-1]["heading"] == CALL_TO_ACTION_HEADING:
            match = _CALL_RE.match(line)
            if match is None:
                raise BuildError(f"unexpected line in the Call to Action section: {line!r}")
            call = ParsedCall(
                number=int(match.group(1)),
                title=clean_inline(match.group(2)).strip(),
                body=clean_inline(match.group(3)).strip(),
            )
            calls.append(call)
            bodies[-1].append(f"{call.number}. {call.title}: {call.body}")
            continue
        bodies[-1].append(clean_inline(line))

    for section, body, notes in zip(sections, bodies, footnotes, strict=True):
        section["body"] = "\n\n".join(body)
        section["footnotes"] = notes
    if [call.number for call in calls] != list(range(1, len(calls) + 1)):
        raise BuildError("calls to action are not numbered 1..N")
    return ParsedFactSheet(title=title, sections=sections, calls=calls)


# --------------------------------------------------------------------------- records


def _conflicts(collection: str, record_id: str, record: Mapping[str, object]) -> list[Record]:
    out: list[Record] = []
    for conflict in CONFLICTS.get((collection, record_id), ()):
        if conflict.field not in record:
            raise BuildError(
                f"{collection}[{record_id}]: conflict on unknown field {conflict.field}"
            )
        out.append(
            {"field": conflict.field, "values": list(conflict.values), "note": conflict.note}
        )
    return out


def _used_conflict_keys(seed: Mapping[str, object]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for collection in ("organisations", "milestones", "nris", "facts"):
        records = seed[collection]
        assert isinstance(records, list)
        for record in records:
            assert isinstance(record, dict)
            if record["conflicts"]:
                keys.add((collection, str(record["id"])))
    return keys


def build_organisations(doc: Mapping[str, Any]) -> list[Record]:
    out: list[Record] = []
    for index, rec in enumerate(_records(doc, "records", "organisations")):
        where = f"organisations[{index}]"
        record: Record = {
            "id": _str(rec, "id", where),
            "short_name": _str(rec, "short_name", where),
            "full_name": _str(rec, "full_name", where),
            "kind": _str(rec, "kind", where),
            "founded_year": _opt_int(rec, "founded_year", where),
            "headquarters": _opt_str(rec, "headquarters", where),
            "service_region": _opt_str(rec, "service_region", where),
            "website": _opt_str(rec, "website", where),
            "role_in_fact_sheet": _str(rec, "role_in_fact_sheet", where),
            "source_url": _str(rec, "source_url", where),
            "other_sources": _str_list(rec, "other_sources", where),
            "notes": _opt_str(rec, "notes", where),
        }
        record["conflicts"] = _conflicts("organisations", str(record["id"]), record)
        out.append(record)
    return out


@dataclass(frozen=True)
class OrgMatch:
    org_id: str | None
    rule: str


def _org_aliases(org: Mapping[str, object]) -> list[tuple[str, str]]:
    """(alias, rule) pairs for one organisation, strongest rule first."""
    short_name = str(org["short_name"])
    full_name = str(org["full_name"])
    aliases = [(short_name, "short_name"), (full_name, "full_name")]
    paren = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", full_name)
    if paren is not None:
        aliases.append((paren.group(1), "full_name without its parenthetical"))
        aliases.append((paren.group(2), "parenthetical of full_name"))
    return aliases


def match_organisation(name: str, organisations: Sequence[Mapping[str, object]]) -> OrgMatch:
    """Match a free-text organisation name to an organisation id (case-insensitive).

    Rules, in order: short_name, full_name, full_name without a trailing parenthetical, the
    parenthetical itself. The first rule that matches exactly one organisation wins; a rule
    that matches several organisations is an error. No prefix or fuzzy matching.
    """
    wanted = name.casefold().strip()
    rules = (
        "short_name",
        "full_name",
        "full_name without its parenthetical",
        "parenthetical of full_name",
    )
    for rule in rules:
        hits = sorted(
            {
                str(org["id"])
                for org in organisations
                for alias, alias_rule in _org_aliases(org)
                if alias_rule == rule and alias.casefold().strip() == wanted
            }
        )
        if len(hits) > 1:
            raise BuildError(f"organisation name {name!r} is ambiguous: {hits}")
        if hits:
            return OrgMatch(hits[0], rule)
    return OrgMatch(None, "no organisation matches")


def build_milestones(
    doc: Mapping[str, Any], organisations: Sequence[Mapping[str, object]], log: list[str]
) -> list[Record]:
    out: list[Record] = []
    decided: dict[str, OrgMatch] = {}
    for index, rec in enumerate(_records(doc, "records", "milestones")):
        where = f"milestones[{index}]"
        linked: list[str] = []
        unlinked: list[str] = []
        for name in _str_list(rec, "organisations", where):
            if name not in decided:
                decided[name] = match_organisation(name, organisations)
                match = decided[name]
                target = match.org_id or "unlinked_organisations"
                log.append(f"organisation name {name!r} -> {target} ({match.rule})")
            org_id = decided[name].org_id
            if org_id is None:
                unlinked.append(name)
            elif org_id not in linked:
                linked.append(org_id)
        record: Record = {
            "id": _str(rec, "id", where),
            "title": _str(rec, "title", where),
            "kind": _str(rec, "kind", where),
            "start_date": _str(rec, "start_date", where),
            "end_date": _opt_str(rec, "end_date", where),
            "date_precision": _str(rec, "date_precision", where),
            "location": _opt_str(rec, "location", where),
            "resolution": _opt_str(rec, "resolution", where),
            "organisations": linked,
            "unlinked_organisations": unlinked,
            "source_url": _str(rec, "source_url", where),
            "other_sources": _str_list(rec, "other_sources", where),
            "in_fact_sheet": _bool(rec, "in_fact_sheet", where),
            "notes": _opt_str(rec, "notes", where),
        }
        record["conflicts"] = _conflicts("milestones", str(record["id"]), record)
        out.append(record)
    return out


def build_nris(doc: Mapping[str, Any]) -> list[Record]:
    out: list[Record] = []
    for index, rec in enumerate(_records(doc, "records", "nris")):
        where = f"nris[{index}]"
        record: Record = {
            "id": _str(rec, "id", where),
            "name": _str(rec, "name", where),
            "kind": _str(rec, "kind", where),
            "country": _opt_str(rec, "country", where),
            "region": _str(rec, "region", where),
            "established_year": _opt_int(rec, "established_year", where),
            "recognised_year": _opt_int(rec, "recognised_year", where),
            "website": _opt_str(rec, "website", where),
            "source_url": _str(rec, "source_url", where),
            "other_sources": _str_list(rec, "other_sources", where),
            "evidence": _str(rec, "evidence", where),
            "notes": _opt_str(rec, "notes", where),
        }
        record["conflicts"] = _conflicts("nris", str(record["id"]), record)
        out.append(record)
    return out


def build_action_lines(doc: Mapping[str, Any]) -> list[Record]:
    out: list[Record] = []
    for index, rec in enumerate(_records(doc, "records", "action_lines")):
        where = f"action_lines[{index}]"
        out.append(
            {
                "code": _str(rec, "code", where),
                "parent_code": _opt_str(rec, "parent_code", where),
                "title": _str(rec, "title", where),
                "title_variant": _opt_str(rec, "title_variant", where),
                "facilitators": _str_list(rec, "facilitators", where),
                "co_facilitators": _str_list(rec, "co_facilitators", where),
                "source_url": _str(rec, "title_source_url", where),
                "facilitator_source_urls": _str_list(rec, "facilitator_source_urls", where),
                "notes": _opt_str(rec, "notes", where),
            }
        )
    return out


_URL_RE = re.compile(r"https?://[^\s]+")
_ABOUT_BILLION_RE = re.compile(r"'about (\d+(?:\.\d+)?) billion")
SHARE_NOT_STATED = "The exact share of the population is not stated in the stored pages."


def _urls_in(text: str | None) -> list[str]:
    if text is None:
        return []
    return [url.rstrip(".,;)") for url in _URL_RE.findall(text)]


def _about_qualifier(value: int | None, notes: str | None) -> str | None:
    """'about' when the row's notes report this very value as 'about N billion'."""
    if value is None or notes is None:
        return None
    for match in _ABOUT_BILLION_RE.finditer(notes):
        if round(float(match.group(1)) * 1_000_000_000) == value:
            return "about"
    return None


def build_facts(doc: Mapping[str, Any]) -> list[Record]:
    out: list[Record] = []
    for index, rec in enumerate(_records(doc, "fact_sheet_facts", "facts")):
        where = f"facts.fact_sheet_facts[{index}]"
        record: Record = {
            "id": _str(rec, "id", where),
            "category": "fact_sheet",
            "label": _str(rec, "label", where),
            "value": _opt_int(rec, "value", where),
            "unit": _str(rec, "unit", where),
            "qualifier": _opt_str(rec, "qualifier", where),
            "as_of": _opt_int(rec, "as_of", where),
            "edition": None,
            "context": _opt_str(rec, "context", where),
            "source": _opt_str(rec, "source", where),
            "source_url": _opt_str(rec, "source_url", where) if "source_url" in rec else None,
            "other_sources": [],
            "notes": _opt_str(rec, "notes", where),
        }
        record["conflicts"] = _conflicts("facts", str(record["id"]), record)
        out.append(record)

    years_seen: set[int] = set()
    for index, rec in enumerate(_records(doc, "itu_headline_figures", "facts")):
        where = f"facts.itu_headline_figures[{index}]"
        year = _int(rec, "year", where)
        edition = _str(rec, "edition", where)
        row_notes = _opt_str(rec, "notes", where)
        source_url = _str(rec, "source_url", where)
        if edition.startswith("Facts and Figures 2025 revised estimate for"):
            stem = f"itu-{year}-revised"
        else:
            stem = f"itu-{year}"
            if year in years_seen:
                raise BuildError(f"{where}: a second unrevised ITU row for {year}")
            years_seen.add(year)
        rows: list[tuple[str, str, str, int | None]] = [
            (
                "internet-users",
                f"People using the Internet, {year} ({edition})",
                "people",
                _opt_int(rec, "people_using_internet", where),
            ),
            (
                "share-online",
                f"Share of the population using the Internet, {year} ({edition})",
                "percent of population",
                _opt_int(rec, "share_of_population_percent", where),
            ),
            (
                "offline",
                f"People offline, {year} ({edition})",
                "people",
                _opt_int(rec, "people_offline", where),
            ),
        ]
        for suffix, label, unit, value in rows:
            notes = row_notes
            if suffix == "share-online" and value is None:
                notes = SHARE_NOT_STATED if notes is None else f"{SHARE_NOT_STATED} {notes}"
            fact_id = f"{stem}-{suffix}"
            record = {
                "id": fact_id,
                "category": "itu_headline",
                "label": label,
                "value": value,
                "unit": unit,
                "qualifier": _about_qualifier(value, row_notes),
                "as_of": year,
                "edition": edition,
                "context": None,
                "source": None,
                "source_url": source_url,
                "other_sources": _urls_in(row_notes),
                "notes": notes,
            }
            record["conflicts"] = _conflicts("facts", fact_id, record)
            out.append(record)
    return out


def build_calls(parsed: ParsedFactSheet, doc: Mapping[str, Any], source: str) -> list[Record]:
    curated = {
        _int(rec, "number", "calls_to_action"): rec
        for rec in _records(doc, "records", "calls_to_action")
    }
    if sorted(curated) != [call.number for call in parsed.calls]:
        raise BuildError(
            f"calls_to_action.json numbers {sorted(curated)} differ from the fact sheet's"
        )
    out: list[Record] = []
    for call in parsed.calls:
        rec = curated[call.number]
        where = f"calls_to_action[{call.number}]"
        out.append(
            {
                "number": call.number,
                "title": call.title,
                "body": call.body,
                "short_title": _str(rec, "short_title", where),
                "summary": _str(rec, "summary", where),
                "source": source,
            }
        )
    return out


# --------------------------------------------------------------------------- dataset


def _reference_version(readme: str) -> str:
    match = re.search(r"^## Extension of .*?(\d{4}-\d{2}-\d{2})", readme, re.MULTILINE)
    if match is None:
        raise BuildError("reference README: no dated 'Extension of' section found")
    return match.group(1)


def _coverage_note(nris_doc: Mapping[str, Any], held: int, claim: int) -> str:
    counts = _obj(nris_doc.get("counts_by_evidence"), "nris.counts_by_evidence")
    secretariat = _int(counts, "igf_secretariat_page", "nris.counts_by_evidence")
    elsewhere = _int(counts, "recognition_stated_elsewhere", "nris.counts_by_evidence")
    existence = _int(counts, "existence_reported", "nris.counts_by_evidence")
    if secretariat + elsewhere + existence != held:
        raise BuildError("nris.json counts_by_evidence do not add up to the records held")
    return (
        f"This dataset holds {held} NRIs against the {claim} counted in the fact sheet, and the "
        f"two lists are not the same set. Only {secretariat + elsewhere} records carry a "
        f"statement of IGF recognition ({secretariat} igf_secretariat_page + {elsewhere} "
        f"recognition_stated_elsewhere); the other {existence} are only reported to exist "
        f"(existence_reported)."
    )


def _check_evidence_counts(nris: Iterable[Record], nris_doc: Mapping[str, Any]) -> None:
    counts = _obj(nris_doc.get("counts_by_evidence"), "nris.counts_by_evidence")
    actual: dict[str, int] = {}
    for nri in nris:
        evidence = str(nri["evidence"])
        actual[evidence] = actual.get(evidence, 0) + 1
    if actual != dict(counts):
        raise BuildError(f"nris.json counts_by_evidence {dict(counts)} != records {actual}")


def build_seed(reference: Path, fact_sheet: Path, log: list[str]) -> dict[str, object]:
    try:
        readme = (reference / "README.md").read_text(encoding="utf-8")
        sheet_text = fact_sheet.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(str(exc)) from exc
    milestones_doc = _load_json(reference / "milestones.json")
    organisations_doc = _load_json(reference / "organisations.json")
    nris_doc = _load_json(reference / "nris.json")
    action_lines_doc = _load_json(reference / "action_lines.json")
    facts_doc = _load_json(reference / "facts.json")
    calls_doc = _load_json(reference / "calls_to_action.json")

    citation = _str(calls_doc, "source", "calls_to_action")
    parsed = parse_fact_sheet(sheet_text)
    organisations = build_organisations(organisations_doc)
    milestones = build_milestones(milestones_doc, organisations, log)
    nris = build_nris(nris_doc)
    _check_evidence_counts(nris, nris_doc)
    claim = _int(nris_doc, "fact_sheet_claim", "nris")

    seed: dict[str, object] = {
        "dataset": {
            "title": DATASET_TITLE,
            "version": _reference_version(readme),
            "description": DATASET_DESCRIPTION,
            "nri_fact_sheet_count": claim,
            "nri_coverage_note": _coverage_note(nris_doc, len(nris), claim),
            "notes": list(DATASET_NOTES),
        },
        "fact_sheet": {
            "id": FACT_SHEET_ID,
            "title": parsed.title,
            "publisher": FACT_SHEET_PUBLISHER,
            "source": citation,
            "source_url": None,
            "notes": FACT_SHEET_NOTES,
            "sections": parsed.sections,
        },
        "calls_to_action": build_calls(parsed, calls_doc, citation),
        "organisations": organisations,
        "milestones": milestones,
        "nris": nris,
        "action_lines": build_action_lines(action_lines_doc),
        "facts": build_facts(facts_doc),
    }
    unused = set(CONFLICTS) - _used_conflict_keys(seed)
    if unused:
        raise BuildError(f"conflicts defined for records that do not exist: {sorted(unused)}")
    return seed


def render(seed: Mapping[str, object]) -> str:
    return json.dumps(seed, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--fact-sheet", type=Path, default=DEFAULT_FACT_SHEET)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    log: list[str] = []
    try:
        seed = build_seed(args.reference, args.fact_sheet, log)
    except BuildError as exc:
        print(f"build_seed: error: {exc}", file=sys.stderr)
        return 1
    for line in log:
        print(line, file=sys.stderr)
    out: Path = args.out
    out.write_text(render(seed), encoding="utf-8", newline="\n")
    counts = ", ".join(
        f"{len(value)} {key}" for key, value in seed.items() if isinstance(value, list)
    )
    print(f"wrote {out} ({counts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
