"""app.statement_cache: one statement per shape, each request's own values."""

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.pool import StaticPool

from app.statement_cache import StatementCache

T = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("kind", String(8)))
KINDS = {1: "a", 2: "b", 3: "a", 4: "c"}


def engine() -> Any:
    made = create_engine("sqlite://", poolclass=StaticPool)
    T.create(made)
    with made.begin() as conn:
        conn.execute(T.insert(), [{"id": i, "kind": k} for i, k in KINDS.items()])
    return made


def ids(cache: StatementCache, conditions: list[Any], built: list[int] | None = None) -> list[int]:
    def build(elements: Any) -> Any:
        if built is not None:
            built.append(1)
        return select(T.c.id).where(*elements).order_by(T.c.id)

    statement, params = cache.get("t", conditions, build)
    with engine().connect() as conn:
        return list(conn.execute(statement, params).scalars())


def test_a_shape_is_built_once_and_run_with_each_requests_values() -> None:
    cache, built = StatementCache(), list[int]()
    assert ids(cache, [T.c.kind.in_(["a"]), T.c.id > 1], built) == [3]
    assert ids(cache, [T.c.kind.in_(["a", "c"]), T.c.id > 0], built) == [1, 3, 4]
    assert ids(cache, [T.c.kind.in_(["b"]), T.c.id > 3], built) == []
    assert len(built) == 1


def test_another_shape_gets_its_own_statement() -> None:
    cache, built = StatementCache(), list[int]()
    assert ids(cache, [T.c.kind.in_(["a"])], built) == [1, 3]
    assert ids(cache, [T.c.id < 3], built) == [1, 2]
    assert ids(cache, [], built) == [1, 2, 3, 4]
    assert ids(cache, [T.c.kind.in_(["c"])], built) == [4]
    assert len(built) == 3


def test_the_cache_is_bounded() -> None:
    cache, built = StatementCache(max_shapes=2), list[int]()
    shapes = [[T.c.id > 0], [T.c.id < 9], [T.c.kind != "x"]]
    for _ in range(2):
        for conditions in shapes:
            assert ids(cache, conditions, built) == [1, 2, 3, 4]
    assert len(built) > len(shapes)  # shapes were dropped to make room, and built again
