"""The response cache's store on its own: app.cache_store.ResponseStore called directly, with
small hand-made entries. No app, no database: which entries it keeps, which it lets go first
(least recently used, reads included), how many origins one key keeps, compressed variants,
the entry count and byte figure /metrics reports, and what clear() leaves behind.

Bounds are set from the store's own measure of an entry (`measured()`), so the tests say
"room for three entries", not a byte count that would change with the Python version."""

import datetime as dt

from app.cache_store import ANY_ORIGIN, Entry, Key, ResponseStore
from app.revision import DataState

DAY = "2026-12-04"
ORIGINS = [f"http://host-{n}.example.test" for n in range(6)]


def key(n: int) -> Key:
    """Keys of one shape (so their entries measure the same) told apart by n (0-9)."""
    return (f"/v1/page-{n}", "limit=10", "json", DAY)


def entry(n: int = 0, *, linked: bool = False, body_bytes: int = 200) -> Entry:
    return Entry(
        200,
        [(b"content-type", b"application/json"), (b"etag", f'"{n:08x}"'.encode())],
        bytes(body_bytes),
        f'"{n:08x}"',
        dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
        True,
        linked,
    )


def one_entry_size() -> int:
    """What one key holding one `entry()` counts for."""
    probe = ResponseStore(10**9)
    probe.put(key(0), ANY_ORIGIN, entry())
    return probe.bytes


def room_for(entries: int) -> ResponseStore:
    """A store with room for that many one-entry keys, and not one more."""
    return ResponseStore(entries * one_entry_size() + one_entry_size() // 2)


def held_keys(store: ResponseStore) -> list[Key]:
    return [k for k, _, _ in store.held()]


def held_origins(store: ResponseStore, k: Key) -> list[str]:
    return [origin for held, origin, _ in store.held() if held == k]


def assert_counted(store: ResponseStore) -> None:
    """The figures /metrics reports agree with what the store holds."""
    assert len(store) == len(store.held())
    assert store.bytes == store.measured() <= store.max_bytes


# -- a fresh store -----------------------------------------------------------------------


def test_a_new_store_is_empty_and_counts_nothing() -> None:
    store = ResponseStore(10_000)
    assert (len(store), store.bytes, store.measured(), store.held()) == (0, 0, 0, [])
    assert (store.hits, store.misses, store.state) == (0, 0, None)
    assert store.max_bytes == 10_000
    assert store.get(key(0), ANY_ORIGIN) is None


# -- what get answers ----------------------------------------------------------------------


def test_an_entry_put_is_got_back_and_counted() -> None:
    store = ResponseStore(10**6)
    stored = entry()
    store.put(key(0), ANY_ORIGIN, stored)
    assert store.get(key(0), ANY_ORIGIN) is stored
    assert store.get(key(1), ANY_ORIGIN) is None
    assert store.held() == [(key(0), ANY_ORIGIN, stored)]
    assert len(store) == 1
    assert store.bytes > len(stored.body)
    assert_counted(store)


def test_an_entry_for_any_origin_answers_every_origin() -> None:
    store = ResponseStore(10**6)
    shared = entry()
    store.put(key(0), ANY_ORIGIN, shared)
    for origin in ORIGINS[:3]:
        assert store.get(key(0), origin) is shared


def test_a_linked_entry_answers_only_its_own_origin() -> None:
    store = ResponseStore(10**6)
    first, second = entry(1, linked=True), entry(2, linked=True)
    store.put(key(0), ORIGINS[0], first)
    store.put(key(0), ORIGINS[1], second)
    assert store.get(key(0), ORIGINS[0]) is first
    assert store.get(key(0), ORIGINS[1]) is second
    assert store.get(key(0), ORIGINS[2]) is None
    assert len(store) == 2
    assert_counted(store)


def test_putting_a_key_again_replaces_its_entry() -> None:
    store = ResponseStore(10**6)
    store.put(key(0), ANY_ORIGIN, entry(1))
    newer = entry(2, body_bytes=900)
    store.put(key(0), ANY_ORIGIN, newer)
    assert store.get(key(0), ANY_ORIGIN) is newer
    assert store.held() == [(key(0), ANY_ORIGIN, newer)]
    assert len(store) == 1
    assert_counted(store)


# -- least recently used goes first ------------------------------------------------------


def test_the_least_recently_put_key_is_evicted_first() -> None:
    store = room_for(3)
    for n in range(4):
        store.put(key(n), ANY_ORIGIN, entry(n))
        assert_counted(store)
    assert held_keys(store) == [key(1), key(2), key(3)]
    assert store.get(key(0), ANY_ORIGIN) is None


def test_a_read_keeps_a_key_from_being_evicted_next() -> None:
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    assert store.get(key(0), ANY_ORIGIN) is not None
    store.put(key(3), ANY_ORIGIN, entry(3))
    assert held_keys(store) == [key(2), key(0), key(3)]
    assert store.get(key(1), ANY_ORIGIN) is None
    assert_counted(store)


def test_a_key_put_again_is_the_most_recently_used() -> None:
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    store.put(key(0), ANY_ORIGIN, entry(10))
    store.put(key(3), ANY_ORIGIN, entry(3))
    assert held_keys(store) == [key(2), key(0), key(3)]
    assert_counted(store)


def test_an_entry_bigger_than_the_bound_is_not_kept_and_evicts_nothing() -> None:
    store = room_for(3)
    store.put(key(0), ANY_ORIGIN, entry(0))
    store.put(key(1), ANY_ORIGIN, entry(1, body_bytes=4 * store.max_bytes))
    assert held_keys(store) == [key(0)]
    assert store.get(key(1), ANY_ORIGIN) is None
    assert len(store) == 1
    assert_counted(store)


def test_a_key_that_grows_past_the_bound_is_dropped_alone() -> None:
    store = room_for(3)
    store.put(key(0), ANY_ORIGIN, entry(0))
    store.put(key(1), ANY_ORIGIN, entry(1))
    store.put(key(1), ANY_ORIGIN, entry(2, body_bytes=4 * store.max_bytes))
    assert held_keys(store) == [key(0)]
    assert len(store) == 1
    assert_counted(store)


def test_a_growing_key_evicts_the_least_recently_used_others() -> None:
    size = one_entry_size()
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    # Key 2 now takes the room of about two entries: key 0, the oldest, makes way.
    store.put(key(2), ANY_ORIGIN, entry(20, body_bytes=200 + size))
    assert held_keys(store) == [key(1), key(2)]
    assert len(store) == 2
    assert_counted(store)


# -- origins of one key ------------------------------------------------------------------


def test_a_key_keeps_entries_for_four_origins_at_most() -> None:
    """A flood of Host values replaces a key's few per-origin entries, never adds more."""
    store = ResponseStore(10**6)
    for origin in ORIGINS:
        store.put(key(0), origin, entry(linked=True))
        assert len(store) <= 4
        assert_counted(store)
    assert held_origins(store, key(0)) == ORIGINS[2:]
    assert len(store) == 4
    assert store.get(key(0), ORIGINS[0]) is None
    assert store.get(key(0), ORIGINS[5]) is not None


def test_the_least_recently_read_origin_goes_first() -> None:
    store = ResponseStore(10**6)
    for origin in ORIGINS[:4]:
        store.put(key(0), origin, entry(linked=True))
    assert store.get(key(0), ORIGINS[0]) is not None
    store.put(key(0), ORIGINS[4], entry(linked=True))
    assert held_origins(store, key(0)) == [ORIGINS[2], ORIGINS[3], ORIGINS[0], ORIGINS[4]]
    assert store.get(key(0), ORIGINS[1]) is None


def test_an_origin_put_again_is_the_most_recently_used() -> None:
    store = ResponseStore(10**6)
    for origin in ORIGINS[:4]:
        store.put(key(0), origin, entry(linked=True))
    newer = entry(9, linked=True)
    store.put(key(0), ORIGINS[0], newer)
    store.put(key(0), ORIGINS[4], entry(linked=True))
    assert held_origins(store, key(0)) == [ORIGINS[2], ORIGINS[3], ORIGINS[0], ORIGINS[4]]
    assert store.get(key(0), ORIGINS[0]) is newer
    assert len(store) == 4
    assert_counted(store)


def test_origins_of_other_keys_are_counted_apart() -> None:
    store = ResponseStore(10**6)
    for origin in ORIGINS:
        store.put(key(0), origin, entry(linked=True))
    store.put(key(1), ANY_ORIGIN, entry())
    store.put(key(2), ORIGINS[0], entry(linked=True))
    assert len(store) == 6
    assert_counted(store)


# -- compressed variants -----------------------------------------------------------------


def test_a_variant_is_kept_with_its_entry_and_counted() -> None:
    store = ResponseStore(10**6)
    stored = entry()
    store.put(key(0), ANY_ORIGIN, stored)
    before = store.bytes
    store.add_variant(key(0), ANY_ORIGIN, stored, "gzip", bytes(100))
    assert stored.variants == {"gzip": bytes(100)}
    assert store.bytes > before + 100
    assert len(store) == 1
    assert_counted(store)


def test_a_variant_that_does_not_fit_is_dropped_and_its_entry_kept() -> None:
    """Even when the entry fills the store all but a few bytes: a variant is a saving, never a
    reason to drop the entry it belongs to."""
    store = ResponseStore(one_entry_size() + 16)
    stored = entry()
    store.put(key(0), ANY_ORIGIN, stored)
    before = store.bytes
    store.add_variant(key(0), ANY_ORIGIN, stored, "gzip", bytes(store.max_bytes))
    assert stored.variants == {}
    assert store.get(key(0), ANY_ORIGIN) is stored
    assert len(store) == 1
    # The refused variant leaves no trace in the accounting either.
    assert store.bytes == before
    assert_counted(store)


def test_a_second_variant_that_does_not_fit_leaves_the_first_and_the_count_as_they_were() -> None:
    store = room_for(2)
    stored = entry()
    store.put(key(0), ANY_ORIGIN, stored)
    store.add_variant(key(0), ANY_ORIGIN, stored, "gzip", bytes(100))
    before = store.bytes
    store.add_variant(key(0), ANY_ORIGIN, stored, "br", bytes(store.max_bytes))
    assert stored.variants == {"gzip": bytes(100)}
    assert store.get(key(0), ANY_ORIGIN) is stored
    assert store.bytes == before
    assert_counted(store)


def test_a_variant_that_fits_only_by_evicting_others_evicts_them() -> None:
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    last = store.get(key(2), ANY_ORIGIN)
    assert last is not None
    store.add_variant(key(2), ANY_ORIGIN, last, "gzip", bytes(one_entry_size()))
    assert "gzip" in last.variants
    assert held_keys(store) == [key(1), key(2)]
    assert_counted(store)


def test_a_variant_for_an_entry_no_longer_held_is_not_kept() -> None:
    store = ResponseStore(10**6)
    replaced, current = entry(1), entry(2)
    store.put(key(0), ANY_ORIGIN, replaced)
    store.put(key(0), ANY_ORIGIN, current)
    before = store.bytes
    store.add_variant(key(0), ANY_ORIGIN, replaced, "gzip", bytes(100))
    assert (replaced.variants, current.variants) == ({}, {})
    assert store.bytes == before


def test_a_variant_for_a_key_not_held_is_not_kept() -> None:
    store = ResponseStore(10**6)
    never_stored = entry()
    store.add_variant(key(0), ANY_ORIGIN, never_stored, "gzip", bytes(100))
    assert never_stored.variants == {}
    assert (len(store), store.bytes) == (0, 0)


def test_a_variant_for_another_origin_of_the_key_is_not_kept() -> None:
    store = ResponseStore(10**6)
    held = entry(linked=True)
    store.put(key(0), ORIGINS[0], held)
    store.add_variant(key(0), ORIGINS[1], held, "gzip", bytes(100))
    assert held.variants == {}
    assert_counted(store)


# -- clear ---------------------------------------------------------------------------------


def test_clear_empties_the_store_and_records_the_data_state() -> None:
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    state = DataState(7, dt.datetime(2026, 12, 4, tzinfo=dt.UTC))
    store.clear(state)
    assert (len(store), store.bytes, store.held()) == (0, 0, [])
    assert store.state == state
    assert store.get(key(0), ANY_ORIGIN) is None
    store.clear()
    assert store.state is None


def test_after_clear_the_store_takes_entries_up_to_its_full_bound_again() -> None:
    store = room_for(3)
    for n in range(3):
        store.put(key(n), ANY_ORIGIN, entry(n))
    store.clear()
    for n in range(3, 6):
        store.put(key(n), ANY_ORIGIN, entry(n))
    assert held_keys(store) == [key(3), key(4), key(5)]
    assert len(store) == 3
    assert_counted(store)
