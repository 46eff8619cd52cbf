"""Search over narratives (label, keywords, headline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reservist_review.routes.deps import Db, Readers
from reservist_review.sessions import User
from reservist_review.templating import render
from vigie.store.review import cases
from vigie.store.review.people import Con

router = APIRouter()


@router.get("/search")
def search(request: Request, q: str = "", con: Con = Db, user: User = Readers) -> Response:
    q = q.strip()[:200]
    rows = cases.search(con, q) if len(q) >= 2 else []
    template = "_search_results.html" if request.headers.get("HX-Request") else "search.html"
    return render(request, template, q=q, rows=rows)
