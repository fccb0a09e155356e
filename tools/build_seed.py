#!/usr/bin/env python3
"""Build ``seed.json`` from the curated reference data and the fact sheet text.

Usage::

    python tools/build_seed.py --reference DIR --fact-sheet FILE --out seed.json

The output is deterministic: the same inputs always give byte-identical output.
Values are copied from the inputs, with three kinds of documented exception:

- the dataset-level notes and the NRI coverage note (its numbers are counted from the
  records), and the ``conflicts`` entries, which restate conflicts documented in the
  reference README ("Conflicts between sources") or flagged in a record's own notes;
- ``TEXT_REWRITES``: record texts that point at something API users cannot see (the
  reference README, a reference file or one of its keys) are rewritten to name the record
  by its API path, or to say it in words;
- ``CUT_URLS``: source addresses that the page store cut short are replaced.

The build fails if a pointer or a cut-off address is left over, or if a reference file's
declared counts differ from its records. Mapping decisions (milestone organisation names
to organisation ids) are printed to standard error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    "also served one by one as the calls to action (/v1/calls-to-action)."
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
    ("nris", "nri-010"): (
        Conflict(
            "established_year",
            ("2012", "about 2016"),
            "Its charter (February 2021 revision) puts the founding assembly in Hammamet on 17 "
            "September 2012; a February 2026 call for the 10th NAIGF says that edition marks ten "
            "years since the establishment of the Forum, which points to about 2016. This record "
            "uses 2012.",
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
            "organiser page calls its 2018 event the first of its kind. TzIGF's own history page "
            "says the forum started in 2008 and that the 2018 event was mistakenly called the "
            "first. This record uses 2008.",
        ),
    ),
    ("nris", "nri-075"): (
        Conflict(
            "established_year",
            ("2012", "2010"),
            "Its NRI site on intgovforum.org says SLIGF was established in 2012; a waigf.org "
            "report describes a Sierra Leone internet governance forum workshop on 23 November "
            "2010, before that date. This record uses 2012.",
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


# Record texts that point at something the API does not serve: the reference README, a
# reference file, or a key of one. Keyed by (collection, record id, field): each (old, new)
# pair must match exactly once. New pointers make the build fail (see _check_no_pointers).
TEXT_REWRITES: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {
    ("facts", "fs-users-today", "notes"): (
        (
            "(see itu_headline_figures)",
            "(see /v1/facts/itu-2024-revised-internet-users and /v1/facts/itu-2025-internet-users)",
        ),
    ),
    # The README's count timeline, said in words from its two official or dated rows.
    ("facts", "fs-nri-count", "notes"): (
        (
            "See README for the count timeline.",
            "Earlier totals were lower: 125 in January 2020 (88 national, 18 regional, 19 youth; "
            "IGF Secretariat NRI meeting report) and 160 in October 2023 (dig.watch).",
        ),
    ),
    ("facts", "fs-calls", "context"): (
        ("(see calls_to_action.json)", "(see /v1/calls-to-action)"),
    ),
    ("facts", "itu-2024-internet-users", "notes"): (
        (
            "superseded by the revision below.",
            "superseded by the revised estimate, /v1/facts/itu-2024-revised-internet-users.",
        ),
    ),
    ("facts", "itu-2024-share-online", "notes"): (
        (
            "superseded by the revision below.",
            "superseded by the revised estimate, /v1/facts/itu-2024-revised-share-online.",
        ),
    ),
    ("facts", "itu-2024-offline", "notes"): (
        (
            "superseded by the revision below.",
            "superseded by the revised estimate, /v1/facts/itu-2024-revised-offline.",
        ),
    ),
    ("nris", "nri-014", "notes"): (
        (
            "meets the README definition of igf_secretariat_page",
            "meets the definition of the igf_secretariat_page evidence level",
        ),
    ),
    ("nris", "nri-140", "notes"): (
        (
            "which is why the first version of this file left it out.",
            "which is why it was at first left out of this dataset.",
        ),
    ),
}

# Words that send a reader to the reference files rather than to the API. Reference keys
# that are not also seed fields are added at build time.
POINTER_PATTERNS: tuple[str, ...] = (
    r"\bREADME\b",
    r"\b[\w-]+\.json\b",
    r"\bthis file\b",
    r"\bbelow\b",
)


@dataclass(frozen=True)
class UrlCorrection:
    replacement: str
    stored_copy: str | None  # the cut copy's own address, kept in other_sources
    reason: str


# Addresses that the page store cut short: the reference keeps them as stored, ending in "..."
# in place of the rest of the slug, so as written they do not lead to the document. Every
# record citing one gets the replacement instead; a cut address left over fails the build.
CUT_URLS: dict[str, UrlCorrection] = {
    (
        "http://studylib.net/doc/13466531/"
        "a-general-assembly-united-nations-resolution-adopted-by-t..."
    ): (
        UrlCorrection(
            "https://undocs.org/A/RES/59/220",
            "https://studylib.net/doc/13466531",
            # The stored page is a copy of UNGA resolution A/RES/59/220 (its text opens with
            # that symbol, "Distr.: General 11 February 2005", "59/220. World Summit on the
            # Information Society"). ms-003 carries the symbol and ms-001 and ms-004 name the
            # resolution in their notes. undocs.org/<symbol> is the UN's stable address for a
            # document symbol; the copy stays in other_sources by its studylib id, the form
            # the reference uses for other studylib documents.
            "cut-off copy of A/RES/59/220; the UN document address is used instead",
        )
    ),
    (
        "https://studylib.net/doc/13697577/"
        "world-telecommunication-development-conference--wtdc-10--..."
    ): (
        UrlCorrection(
            # ITU document WTDC10/9-E (12 March 2010), the proposed road map for ITU as lead
            # facilitator of Action Line C6. Studylib addresses a document by its id, the slug
            # after it only repeats the title.
            "https://studylib.net/doc/13697577",
            None,
            "cut-off studylib slug; the id-only address of the same document is used",
        )
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


# --------------------------------------------------------------------------- corrections

RECORD_COLLECTIONS = ("organisations", "milestones", "nris", "action_lines", "facts")


def _record_index(seed: Mapping[str, object]) -> dict[tuple[str, str], Record]:
    index: dict[tuple[str, str], Record] = {}
    for collection in RECORD_COLLECTIONS:
        records = seed[collection]
        assert isinstance(records, list)
        for record in records:
            key = "code" if collection == "action_lines" else "id"
            index[(collection, str(record[key]))] = record
    return index


def apply_text_rewrites(seed: Mapping[str, object]) -> None:
    """Apply TEXT_REWRITES in place; each pair must match its field exactly once."""
    records = _record_index(seed)
    for (collection, record_id, field), pairs in TEXT_REWRITES.items():
        record = records.get((collection, record_id))
        if record is None:
            raise BuildError(f"text rewrite for a record that does not exist: {record_id}")
        text = record.get(field)
        if not isinstance(text, str):
            raise BuildError(f"{collection}[{record_id}].{field}: no text to rewrite")
        for old, new in pairs:
            if text.count(old) != 1:
                raise BuildError(
                    f"{collection}[{record_id}].{field}: {old!r} found {text.count(old)} times"
                )
            text = text.replace(old, new)
        record[field] = text


def _corrected(urls: Iterable[str]) -> list[str]:
    out: list[str] = []
    for url in urls:
        correction = CUT_URLS.get(url)
        found = [url] if correction is None else [correction.replacement, correction.stored_copy]
        out += [u for u in found if u is not None and u not in out]
    return out


def correct_cut_urls(seed: Mapping[str, object], log: list[str]) -> None:
    """Replace CUT_URLS in place. A corrected source_url keeps the cut page's own address,
    completed, at the head of other_sources; in a list the two stand side by side."""
    used: set[str] = set()
    for (collection, record_id), record in _record_index(seed).items():
        for field, value in list(record.items()):
            if isinstance(value, str) and value in CUT_URLS:
                correction = CUT_URLS[value]
                record[field] = correction.replacement
                if correction.stored_copy is not None:
                    others = record.get("other_sources")
                    if not isinstance(others, list):
                        raise BuildError(f"{collection}[{record_id}]: no other_sources list")
                    record["other_sources"] = _corrected([correction.stored_copy, *others])
            elif isinstance(value, list) and any(
                isinstance(url, str) and url in CUT_URLS for url in value
            ):
                record[field] = _corrected(value)
            else:
                continue
            used.update(url for url in CUT_URLS if url == value or url in value)
            log.append(f"{collection}[{record_id}].{field}: cut-off address corrected")
    for url, correction in CUT_URLS.items():
        if url not in used:
            raise BuildError(f"address correction for an address no record cites: {url}")
        log.append(f"{url} -> {correction.replacement} ({correction.reason})")


def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


def reference_keys(docs: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Snake_case keys of the reference files and their records (names a reader of the API
    never sees unless the seed uses them too)."""
    keys: set[str] = set()
    for doc in docs.values():
        keys.update(doc)
        for value in doc.values():
            if isinstance(value, list):
                keys.update(k for item in value if isinstance(item, dict) for k in item)
    return {key for key in keys if "_" in key}


def _seed_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_seed_keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_seed_keys(item) for item in value))
    return set()


def check_no_pointers(seed: Mapping[str, object], docs: Mapping[str, Mapping[str, Any]]) -> None:
    """Fail on texts that point at the reference files rather than at the API. The fact
    sheet's own words (section text, call titles and bodies) are not checked."""
    hidden = sorted(reference_keys(docs) - _seed_keys(seed))
    patterns = [*POINTER_PATTERNS, *(rf"\b{re.escape(key)}\b" for key in hidden)]
    pointer = re.compile("|".join(f"(?:{p})" for p in patterns))
    checked = {key: value for key, value in seed.items() if key != "fact_sheet"}
    fact_sheet = seed["fact_sheet"]
    assert isinstance(fact_sheet, dict)
    checked["fact_sheet"] = {k: v for k, v in fact_sheet.items() if k != "sections"}
    calls = seed["calls_to_action"]
    assert isinstance(calls, list)
    checked["calls_to_action"] = [
        {k: v for k, v in call.items() if k not in ("title", "body")} for call in calls
    ]
    for path, text in _texts(checked, ""):
        match = pointer.search(_URL_RE.sub("", text))
        if match is not None:
            raise BuildError(
                f"{path}: {match.group(0)!r} points at the reference files; "
                "add a TEXT_REWRITES entry"
            )
        for url in _URL_RE.findall(text):
            if url.endswith("...") or "\u2026" in url:
                raise BuildError(f"{path}: cut-off address {url!r}; add a CUT_URLS entry")


# --------------------------------------------------------------------------- dataset


def _reference_version(readme: str) -> str:
    """The date of the reference README's latest dated 'Extension of' or 'Revision of' section."""
    dates: list[str] = re.findall(
        r"^## (?:Extension|Revision) of .*?(\d{4}-\d{2}-\d{2})", readme, re.MULTILINE
    )
    if not dates:
        raise BuildError("reference README: no dated 'Extension of' or 'Revision of' section")
    return max(dates)


def _coverage_note(nris: Sequence[Record], claim: int) -> str:
    """The coverage gap in words, every number counted from the records."""
    evidence = Counter(str(nri["evidence"]) for nri in nris)
    secretariat = evidence["igf_secretariat_page"]
    elsewhere = evidence["recognition_stated_elsewhere"]
    existence = evidence["existence_reported"]
    if secretariat + elsewhere + existence != len(nris):
        raise BuildError(f"NRIs with an evidence level this note does not describe: {evidence}")
    return (
        f"This dataset holds {len(nris)} NRIs against the {claim} counted in the fact sheet, and "
        f"the two lists are not the same set. Only {secretariat + elsewhere} records carry a "
        f"statement of IGF recognition ({secretariat} igf_secretariat_page + {elsewhere} "
        f"recognition_stated_elsewhere); the other {existence} are only reported to exist "
        f"(existence_reported)."
    )


def _check_declared_counts(
    docs: Mapping[str, Mapping[str, Any]], seed: Mapping[str, object]
) -> None:
    """A reference file's declared counts must match its records, so a stale header (or a
    record lost on the way) stops the build instead of reaching the README's figures."""
    listed = {
        "organisations": ("organisations", "records"),
        "milestones": ("milestones", "records"),
        "nris": ("nris", "records"),
        "action_lines": ("action_lines", "records"),
        "calls_to_action": ("calls_to_action", "records"),
        "facts": ("facts", "fact_sheet_facts"),
    }
    for name, (collection, key) in listed.items():
        declared = _int(docs[name], "records_found", name)
        held = len(_list(docs[name].get(key), f"{name}.{key}"))
        if declared != held:
            raise BuildError(f"{name}.json declares {declared} records but lists {held}")
        if collection == "facts":
            continue
        built = seed[collection]
        assert isinstance(built, list)
        if len(built) != held:
            raise BuildError(f"{name}: {held} reference records but {len(built)} built")
    nris = seed["nris"]
    assert isinstance(nris, list)
    for field in ("kind", "evidence"):
        declared_counts = dict(_obj(docs["nris"].get(f"counts_by_{field}"), "nris"))
        actual = dict(Counter(str(nri[field]) for nri in nris))
        if actual != declared_counts:
            raise BuildError(f"nris.json counts_by_{field} {declared_counts} != records {actual}")


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
    claim = _int(nris_doc, "fact_sheet_claim", "nris")

    seed: dict[str, object] = {
        "dataset": {
            "title": DATASET_TITLE,
            "version": _reference_version(readme),
            "description": DATASET_DESCRIPTION,
            "nri_fact_sheet_count": claim,
            "nri_coverage_note": _coverage_note(nris, claim),
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
    docs = {
        "organisations": organisations_doc,
        "milestones": milestones_doc,
        "nris": nris_doc,
        "action_lines": action_lines_doc,
        "facts": facts_doc,
        "calls_to_action": calls_doc,
    }
    _check_declared_counts(docs, seed)
    apply_text_rewrites(seed)
    correct_cut_urls(seed, log)
    check_no_pointers(seed, docs)
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
