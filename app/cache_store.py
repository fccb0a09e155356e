"""The response cache's store: entries in least-recently-used order, bounded by the memory
they take, counted honestly.

An entry's size is everything it keeps alive: the key's strings, the body and its
compressed variants, every stored header name and value, the validators, and the Python
objects that hold them (sys.getsizeof, plus allocator slack per object and the store's own
table slot). tests/test_response_cache.py checks the count against tracemalloc.

One key (path, query, representation, day) holds one entry, or, for the representations
whose bodies carry absolute links built from the request's Host, one entry per origin, at
most MAX_ORIGINS of them: a flood of Host values replaces those few, never adds more.
"""

import datetime as dt
import sys
from collections import OrderedDict
from dataclasses import dataclass, field

from app.revision import DataState

Headers = list[tuple[bytes, bytes]]
Key = tuple[str, str, str, str]  # path, normalised query, representation, UTC day
ANY_ORIGIN = ""  # the origin of an entry whose bytes do not depend on it

MAX_ORIGINS = 4  # origins one key keeps entries for; the least recently used goes first
# malloc's header and rounding on every object, and the store's hash-table slot and
# ordering link for every key (about 75 bytes measured, more just after the table grows).
OBJECT_SLACK = 16
TABLE_SLOT = 128


def _sized(*objects: object) -> int:
    return sum(sys.getsizeof(o) + OBJECT_SLACK for o in objects)


@dataclass(slots=True, eq=False)
class Entry:
    status: int
    headers: Headers  # everything but Content-Length and Content-Encoding
    body: bytes
    etag: str
    last_modified: dt.datetime | None
    compressible: bool
    linked: bool  # the body carries absolute links made from the request's origin
    variants: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        headers = _sized(self.headers) + sum(_sized(pair, *pair) for pair in self.headers)
        variants = _sized(self.variants, *self.variants.values())
        return _sized(self, self.body, self.etag, self.last_modified) + headers + variants


@dataclass(slots=True, eq=False)
class Slot:
    """What one key holds: entries by origin (ANY_ORIGIN when the bytes do not vary)."""

    key: Key
    entries: "OrderedDict[str, Entry]" = field(default_factory=OrderedDict)
    size: int = 0

    def measure(self) -> int:
        own = _sized(self, self.entries, self.key, *self.key) + TABLE_SLOT
        return own + sum(_sized(o) + TABLE_SLOT + e.size for o, e in self.entries.items())


class ResponseStore:
    """Slots in least-recently-used order; `bytes` is the sum of their sizes, and never
    stays above `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._slots: OrderedDict[Key, Slot] = OrderedDict()
        self._count = 0
        self.bytes = 0
        self.state: DataState | None = None
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return self._count

    def get(self, key: Key, origin: str) -> Entry | None:
        slot = self._slots.get(key)
        if slot is None:
            return None
        self._slots.move_to_end(key)
        entry = slot.entries.get(ANY_ORIGIN)
        if entry is None:
            entry = slot.entries.get(origin)
            if entry is not None:
                slot.entries.move_to_end(origin)
        return entry

    def put(self, key: Key, origin: str, entry: Entry) -> None:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = Slot(key)
        else:
            self._slots.move_to_end(key)
        self._count -= len(slot.entries)
        slot.entries[origin] = entry
        slot.entries.move_to_end(origin)
        while len(slot.entries) > MAX_ORIGINS:
            slot.entries.popitem(last=False)
        self._count += len(slot.entries)
        self._resize(slot)

    def add_variant(self, key: Key, origin: str, entry: Entry, coding: str, body: bytes) -> None:
        """Keeps a compressed variant, if the entry is still held (it may have been evicted,
        or never stored, while it was being sent) and still fits the bound with it: a
        variant is a saving, never a reason to drop the entry it belongs to."""
        slot = self._slots.get(key)
        if slot is None or slot.entries.get(origin) is not entry:
            return
        kept = entry.variants
        # A new dict, not an insertion: a dict does not shrink when a key is deleted again,
        # so trying the variant in place would leave the slot bigger than `bytes` says.
        entry.variants = {**kept, coding: body}
        if slot.measure() > self.max_bytes:
            entry.variants = kept
            return
        self._resize(slot)

    def _resize(self, slot: Slot) -> None:
        size = slot.measure()
        self.bytes += size - slot.size
        slot.size = size
        if size > self.max_bytes:
            self._drop(slot.key)
        while self.bytes > self.max_bytes and self._slots:
            self._drop(next(iter(self._slots)))

    def _drop(self, key: Key) -> None:
        slot = self._slots.pop(key)
        self.bytes -= slot.size
        self._count -= len(slot.entries)

    def held(self) -> list[tuple[Key, str, Entry]]:
        """Everything the store holds, least recently used first (for tests and checks)."""
        return [(s.key, o, e) for s in self._slots.values() for o, e in s.entries.items()]

    def measured(self) -> int:
        """The size of everything held, measured afresh; `bytes` must always equal it."""
        return sum(slot.measure() for slot in self._slots.values())

    def clear(self, state: DataState | None = None) -> None:
        """Drop everything: the data moved on (or can no longer be checked)."""
        self._slots.clear()
        self._count = 0
        self.bytes = 0
        self.state = state
