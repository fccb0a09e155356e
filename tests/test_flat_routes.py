"""app.api.flat_routes: a router tree served as one flat list, the same routes."""

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api import docs
from app.api.flat_routes import flattened
from app.api.router import served_routes, tree
from tests.conftest import MakeApp

calls: list[str] = []


def outer() -> None:
    calls.append("outer")


def inner() -> None:
    calls.append("inner")


def small_tree() -> APIRouter:
    leaf = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(inner)])

    @leaf.get("/{item_id}", name="get_item", summary="One item")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    middle = APIRouter(prefix="/v1")
    middle.include_router(leaf)
    root = APIRouter(dependencies=[Depends(outer)])
    root.include_router(middle)
    return root


def test_a_flat_router_serves_and_documents_the_same_routes() -> None:
    nested, flat = FastAPI(), FastAPI()
    nested.include_router(small_tree())
    flat.include_router(flattened(small_tree()))
    assert nested.openapi() == flat.openapi()
    calls.clear()
    response = TestClient(flat).get("/v1/items/7")
    assert (response.status_code, response.json(), calls) == (200, {"id": 7}, ["outer", "inner"])


def test_the_served_routes_are_the_tree_and_the_docs_flat() -> None:
    holder = APIRouter()
    holder.include_router(tree)
    holder.include_router(docs.router)
    paths = [getattr(route, "path", None) for route in served_routes(with_metrics=False)]
    assert paths == [getattr(context, "path", None) for context in _contexts(holder)]
    assert "/v1/nris/{nri_id}" in paths


def _contexts(holder: APIRouter) -> list[object]:
    from fastapi.routing import iter_route_contexts

    return list(iter_route_contexts(holder.routes))


def test_every_app_a_process_makes_serves_one_table_of_built_routes(make_app: MakeApp) -> None:
    """An included router is built again for each app, on the app's first request (FastAPI
    0.165); the apps share routes built once instead (app.api.router.served_routes)."""
    first, second = make_app(metrics_enabled=False), make_app(metrics_enabled=False)
    with_metrics = make_app(metrics_enabled=True)
    assert all(isinstance(route, APIRoute) for route in first.routes)  # nothing included
    assert all(a is b for a, b in zip(first.routes, second.routes, strict=True))
    paths = [getattr(route, "path", None) for route in with_metrics.routes]
    assert paths == [*(getattr(route, "path", None) for route in first.routes), "/metrics"]
