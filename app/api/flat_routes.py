"""Routers written as a tree, served as one flat list of routes.

FastAPI (0.165) includes a router lazily: a request walks the tree of included routers, and
at every level each candidate re-checks the routes version of its whole subtree and is
matched twice (once to choose it, once to handle it). With ~20 routers three levels deep that
was a sixth of an uncached request's time. A flat router makes the same routes, with the
same paths, tags, dependencies, responses and operation ids (so the same OpenAPI document),
cost one match over one list."""

from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts


def flattened(tree: APIRouter) -> APIRouter:
    """A router holding every route of `tree` (and of the routers it includes) as it is
    served: its full path and everything its includes added to it, in the same order."""
    holder = APIRouter()
    holder.include_router(tree)
    return flat_copy(holder)


def flat_copy(holder: APIRouter) -> APIRouter:
    """A router holding every route `holder` serves, each with everything the includes on the
    way to it added. `holder`'s own prefix and dependencies are not applied: include a router
    that has some (`flattened`), or pass one whose includes carry them."""
    flat = APIRouter()
    for context in iter_route_contexts(holder.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            raise TypeError(f"cannot flatten {route!r}: only API routes are copied")
        flat.add_api_route(
            context.path,
            route.endpoint,
            response_model=context.response_model,
            status_code=context.status_code,
            tags=context.tags,
            dependencies=context.dependencies,
            summary=context.summary,
            description=context.description,
            response_description=context.response_description,
            responses=context.responses,
            deprecated=context.deprecated,
            methods=context.methods,
            operation_id=context.operation_id,
            response_model_include=context.response_model_include,
            response_model_exclude=context.response_model_exclude,
            response_model_by_alias=context.response_model_by_alias,
            response_model_exclude_unset=context.response_model_exclude_unset,
            response_model_exclude_defaults=context.response_model_exclude_defaults,
            response_model_exclude_none=context.response_model_exclude_none,
            include_in_schema=context.include_in_schema,
            response_class=context.response_class,
            name=context.name,
            callbacks=context.callbacks,
            openapi_extra=context.openapi_extra,
            generate_unique_id_function=context.generate_unique_id_function,
            strict_content_type=context.strict_content_type,
            max_body_size=context.max_body_size,
        )
    return flat
