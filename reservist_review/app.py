"""The review desk web application: ``create_app(settings) -> FastAPI``.

Layers, outside in: security headers (strict CSP) -> signed session cookie -> app-wide CSRF
dependency -> per-route role check (``routes.deps.allow``) with one store connection per
request. No OpenAPI/docs endpoints: every route is a page behind login.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from reservist_review import csrf, sessions
from reservist_review.casecache import RenderCache
from reservist_review.routes import cases, decisions, login, people, queues, search
from reservist_review.routes.deps import Forbidden, NotAuthenticated
from reservist_review.security_headers import SecurityHeadersMiddleware
from reservist_review.templating import render
from reservist_review.warmup import Warmer
from vigie.config import Settings
from vigie.store import StoreLockedError
from vigie.store.shared import SharedDatabase

log = logging.getLogger(__name__)

# Offline by design: FastAPI 0.150 records OpenTelemetry spans, metrics and exception logs
# (with messages and stack traces) into any globally configured provider, and adds OTLP
# exporters when FASTAPI_OTEL_AUTO_CONFIGURE=true is set. Review data must not leave the
# machine through a variable someone set for another service: all of it is off.
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                "auto_configure": False}


def secret_key(settings: Settings) -> str:
    """``review.secret_key`` (env VIGIE_SECRET_KEY), else one generated once in the data folder."""
    if settings.review.secret_key:
        return settings.review.secret_key
    path = Path(settings.data_dir) / "review_secret.key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and not request.headers.get("HX-Request")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
        response = Response("login required", status_code=401)
        response.headers["HX-Redirect"] = "/login"
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", 403, code=403)

    @app.exception_handler(csrf.CsrfError)
    async def csrf_failed(request: Request, exc: csrf.CsrfError) -> Response:
        return render(request, "error.html", 403, code="csrf")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", exc.status_code, code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "error.html", 400, code=400)

    @app.exception_handler(StoreLockedError)
    async def store_busy(request: Request, exc: StoreLockedError) -> Response:
        # Only after the store helper's retries ran out (a very long pipeline write).
        log.warning("store still locked after retries: %s", exc)
        response = render(request, "error.html", 503, code=503)
        response.headers["Retry-After"] = "10"
        return response


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def create_app(settings: Settings, *, warm_cases: bool = True) -> FastAPI:
    """The review desk on ``settings``' store (migrations applied on creation).

    ``warm_cases``: pre-render the open cases' evidence when the store changed
    (``reservist_review.warmup``)."""
    store = settings.store()
    store.init()
    # One DuckDB thread: the desk's queries are small and many at once; DuckDB's own
    # parallelism only added scheduling work (desk benchmark, 20 reviewers: p50 of the
    # case page 145 -> 80 ms, queue 95 -> 55 ms)
    db = SharedDatabase(store.path, threads=1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in anyio's worker threads (40 by default). On a
        # small machine, 40 requests at once all progress together and all finish late;
        # a few threads serve them nearer to arrival order (desk benchmark, 20 reviewers
        # arriving at once: p95 of the case page 243 ms with 40 threads, 137-154 ms with 4).
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(
            1, settings.review.worker_threads)
        if app.state.warmer is not None:
            app.state.warmer.poke(request=False)
        yield
        if app.state.warmer is not None:
            app.state.warmer.join(30)
        db.close()

    app = FastAPI(
        title="Vigie review desk",
        telemetry=NO_TELEMETRY,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf.protect)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.db = db
    app.state.case_cache = RenderCache()
    app.state.session_cache = sessions.SessionCache()
    app.state.warmer = Warmer(app.state) if warm_cases else None
    for module in (login, queues, cases, decisions, people, search):
        app.include_router(module.router)
    static = resources.files("reservist_review") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_error_pages(app)
    secure = settings.review.cookie_secure
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings),
        session_cookie=sessions.cookie_name(secure),
        max_age=int(sessions.LIFETIME.total_seconds()),
        same_site="lax",
        https_only=secure,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.review.base_url.startswith("https"))
    return app
