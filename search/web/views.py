"""The routes of `polsearch serve`, each a call into the library the CLI uses:
- `/`: the search box, hits (`searcher.search`) or KWIC lines (`searcher.kwic`), the facet sidebar
  (`facets.facets`) and the timeline (`facets.trend`);
- `/doc/ID`: one document (`searcher.show`, `searcher.copies`, `similar.similar`), the query's matches
  marked (`highlight.mark_all`);
- `/export/FORMAT`: every hit as `polsearch export` writes it (`export.export`), or its manifest.
Errors of the query or the filters are shown in place, as the CLI's one-line messages.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, render_template, request
from markupsafe import Markup

from corpus.errors import CorpusError
from indexer.errors import IndexerError

from .. import highlight, render
from ..errors import DocumentNotFound, SearchError
from .state import MAX_PAGE_SIZE, State

HERE = Path(__file__).resolve().parent
FACET_TOP = 10
KWIC_CONTEXT = 50
EXPORT_FORMATS = {"csv": "text/csv", "jsonl": "application/x-ndjson", "ris": "application/x-research-info-systems",
                  "bibtex": "application/x-bibtex"}
EXPORT_SUFFIX = {"csv": "csv", "jsonl": "jsonl", "ris": "ris", "bibtex": "bib"}
_DOC_ID = re.compile(r"[0-9a-fA-F]{6,64}")
_WEB_URL = re.compile(r"https?://", re.IGNORECASE)
# The page loads only what polsearch serves; no inline script, no plugin, no form posting elsewhere.
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _shown(value: Any) -> Any:
    """Every value a template prints, without control characters (a page's terminal escapes)."""
    if isinstance(value, Markup):
        return Markup(render.clean(str(value)))
    if isinstance(value, str):
        return render.clean(value)
    return value


def _marked(segments: list[highlight.Segment]) -> Markup:
    """Text with the query's matches in `<mark>`: the text escaped by `highlight.to_html`."""
    return Markup(highlight.to_html(segments))


def _web_link(url: str) -> str | None:
    """A page's URL as a link only when it is http(s); anything else (`javascript:`) stays text."""
    return url if url and _WEB_URL.match(url) else None


def _filters(state: State):
    from ..query.dates import parse_date_range
    from ..searcher import Filters

    start = parse_date_range(state.date_from, state.date_from, 0).start if state.date_from else None
    end = parse_date_range(state.date_to, state.date_to, 0).end if state.date_to else None
    return Filters(start, end, state.source, state.author, state.entity, state.tag, state.dedupe)


def _message(exc: BaseException) -> str:
    return render.one_line(str(exc))


def create_app(index_path: str | os.PathLike[str], cluster: str | None = None, allow_partial: bool = False) -> Flask:
    """The web application over the index at `index_path` (which must exist); a sharded index is read
    on the Dask cluster at `cluster` (else `$POLSEARCH_CLUSTER`, else here), leaving out the shards whose
    worker is gone, named on the page, with `allow_partial`."""
    app = Flask(__name__, static_folder=str(HERE / "static"), template_folder=str(HERE / "templates"))
    app.config["INDEX"] = str(index_path)
    if cluster or allow_partial:
        from flask import g

        from ..gather import _OPTIONS

        @app.before_request
        def on_cluster() -> None:  # each request runs in a thread of its own: the choice goes with it
            g.cluster_token = _OPTIONS.set((cluster, allow_partial))

        @app.teardown_request
        def off_cluster(_exc) -> None:
            token = g.pop("cluster_token", None)
            if token is not None:
                _OPTIONS.reset(token)
    app.jinja_env.finalize = _shown
    app.jinja_env.globals.update(web_link=_web_link, marked=_marked, provenance=render._provenance)
    index = str(index_path)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.get("/")
    def results() -> str:
        from ..facets import facets, trend
        from ..searcher import kwic, search, stats

        state = State.from_args(request.args)
        page: dict[str, Any] = {"state": state, "error": "; ".join(state.problems) or None, "results": None,
                                "facets": None, "timeline": None, "kwic": None}
        try:
            page["stats"] = stats(index)
            if state.q.strip() and not state.problems:
                filters = _filters(state)
                offset = (state.page - 1) * state.n
                if state.view == "kwic":
                    documents, lines = kwic(index, state.q, filters=filters, context=KWIC_CONTEXT,
                                            sort="-date" if state.sort == "-date" else
                                            "relevance" if state.sort == "relevance" else "date")
                    page["kwic"] = {"documents": documents, "lines": lines[offset:offset + state.n],
                                    "total": len(lines), "offset": offset}
                    page["total"] = documents
                else:
                    res = search(index, state.q, limit=state.n, offset=offset, sort=state.sort, filters=filters)
                    page["results"] = res
                    page["total"] = res.total
                page["facets"] = facets(index, state.q, top=FACET_TOP, filters=filters)
                from .timeline import build

                series = trend(index, [(state.q, state.q)], by=state.by, filters=filters)
                page["timeline"] = build(series, state.values,
                                         lambda start, end: state.url(date_from=start, date_to=end))
        except (SearchError, IndexerError, CorpusError) as exc:
            page["error"] = _message(exc)
        last = (page.get("total", 0) - 1) // state.n + 1 if page.get("total") else 1
        if page["kwic"] is not None:
            last = (page["kwic"]["total"] - 1) // state.n + 1 if page["kwic"]["total"] else 1
        page["last_page"] = last
        return render_template("results.html", **page)

    @app.get("/doc/<doc_id>")
    def document(doc_id: str):
        from ..query import parse
        from ..query.marks import match_spec
        from ..searcher import copies, show
        from ..similar import similar

        if not _DOC_ID.fullmatch(doc_id):
            abort(404)
        state = State.from_args(request.args)
        try:
            doc, versions = show(index, doc_id)
        except DocumentNotFound as exc:
            return render_template("error.html", state=state, error=_message(exc)), 404
        except (SearchError, IndexerError) as exc:
            return render_template("error.html", state=state, error=_message(exc)), 500
        spec, query_error = None, None
        if state.q.strip():
            try:
                spec = match_spec(parse(state.q), {})
            except SearchError as exc:
                query_error = _message(exc)
        title = highlight.mark_all(doc.title, spec) if spec else [highlight.Segment(doc.title, False)]
        paragraphs = [highlight.mark_all(p, spec) if spec else [highlight.Segment(p, False)]
                      for p in doc.paragraphs]
        try:
            related = similar(index, doc.id, limit=8).hits
        except (SearchError, IndexerError):
            related = []
        fields = [("url", doc.url, "url_source"), ("source", doc.source, "source_source"),
                  ("date", doc.date, "date_source"), ("updated", doc.updated, "updated_source"),
                  ("authors", ", ".join(doc.authors), "authors_source"), ("tags", ", ".join(doc.tags), "tags_source"),
                  ("language", doc.language, "language_source"),
                  ("entities", "; ".join(f"{e.text} ({e.type})" for e in doc.entities), None),
                  ("summary", doc.summary, None), ("fetched", doc.fetched_at, None),
                  ("content hash", doc.content_hash, None)]
        rows = [(name, value, doc.extraction.get(key) if key else None) for name, value, key in fields]
        if doc.extraction.get("title_source"):
            rows.insert(0, ("title", doc.title, doc.extraction["title_source"]))
        if doc.extraction.get("body_strategy"):
            rows.append(("body", f"{len(doc.paragraphs)} paragraphs", doc.extraction["body_strategy"]))
        return render_template("document.html", state=state, doc=doc, title=title, paragraphs=paragraphs,
                               rows=rows, versions=versions, copies=copies(index, doc.id), related=related,
                               query_error=query_error)

    @app.get("/export/<fmt>")
    def export_file(fmt: str):
        from ..export import export

        if fmt not in EXPORT_FORMATS and fmt != "manifest":
            abort(404)
        state = State.from_args(request.args)
        error = "; ".join(state.problems) or None
        folder = tempfile.mkdtemp(prefix="polsearch-serve-")  # outside the index: the index stays untouched
        target = os.path.join(folder, "export." + EXPORT_SUFFIX.get(fmt, "csv"))
        try:
            if error is None:
                report = export(index, state.q, target, fmt=None if fmt == "manifest" else fmt, sort=state.sort,
                                filters=_filters(state), manifest=target + ".manifest.json",
                                command="polsearch serve " + request.full_path)
        except (SearchError, IndexerError, CorpusError) as exc:
            error = _message(exc)
        if error is not None:
            shutil.rmtree(folder, ignore_errors=True)
            return render_template("error.html", state=state, error=error), 400
        if fmt == "manifest":
            data = Path(report.manifest).read_bytes()
            shutil.rmtree(folder, ignore_errors=True)
            return Response(data, mimetype="application/json", headers={
                "Content-Disposition": 'attachment; filename="polsearch-export.manifest.json"'})

        def chunks():
            try:
                with open(target, "rb") as handle:
                    while True:
                        block = handle.read(64 * 1024)
                        if not block:
                            break
                        yield block
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        name = f"polsearch-export.{EXPORT_SUFFIX[fmt]}"
        return Response(chunks(), mimetype=EXPORT_FORMATS[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}"', "X-Polsearch-Count": str(report.count)})

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("error.html", state=State(), error="no such page"), 404

    @app.errorhandler(405)
    def not_allowed(_exc):
        return render_template("error.html", state=State(), error="this page is read-only: only GET"), 405

    app.jinja_env.globals["MAX_PAGE_SIZE"] = MAX_PAGE_SIZE
    return app


def serve(index_path: str | os.PathLike[str], host: str, port: int, threads: int = 4, ready=None,
          cluster: str | None = None, allow_partial: bool = False) -> None:
    """Serve the page with waitress until interrupted; `ready(url)` is called once it listens."""
    from waitress import create_server

    server = create_server(create_app(index_path, cluster, allow_partial), host=host, port=port, threads=threads,
                           ident="polsearch")
    shown = f"[{host}]" if ":" in host else host
    if ready is not None:
        ready(f"http://{shown}:{server.effective_port}/")
    try:
        server.run()
    finally:
        server.close()
