"""Paginated listings with the list envelope of the original API."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from pymongo.collection import Collection

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


@dataclass
class PageRequest:
    page: int = 1
    limit: int = DEFAULT_LIMIT
    filters: dict[str, str] = field(default_factory=dict)


def paginate(collection: Collection, query: dict, request: PageRequest, render: Callable[[dict], dict],
             sort: list | None = None) -> dict:
    """Run one page of `query` and wrap it in {list, page, pages, total, count, hasMore, limit, filters}."""
    total = collection.count_documents(query)
    skip = (request.page - 1) * request.limit
    cursor = collection.find(query).sort(sort or [("_id", 1)]).skip(skip).limit(request.limit)
    items = [render(doc) for doc in cursor]
    pages = max(1, math.ceil(total / request.limit))
    return {
        "list": items,
        "page": request.page,
        "pages": pages,
        "total": total,
        "count": len(items),
        "hasMore": skip + len(items) < total,
        "limit": request.limit,
        "filters": request.filters,
    }
