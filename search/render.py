"""Text output for a terminal or a pipe: search results, one document, statistics, summaries.

Everything printed passes through `clean()`, which removes control characters (ANSI escapes, carriage
returns, backspaces) that a hostile page could use to rewrite the terminal; JSON output is escaped by
the JSON encoder instead. Colour is added only when `Style.color` is on (stdout is a terminal).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from .highlight import Segment

# C0 controls except tab and newline, DEL, C1 controls, and the ANSI escape sequences they start.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text))


# The JSON encoder escapes C0 controls; DEL and the C1 controls (U+009B is CSI) are valid raw in JSON
# strings, but a terminal may act on them too. Outside strings JSON is ASCII, so escaping them is safe.
_JSON_CONTROL = re.compile(r"[\x7f-\x9f]")


def json_document(data: Any) -> str:
    """`data` as indented JSON: non-ASCII text kept readable, every control character escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


@dataclass(frozen=True)
class Style:
    color: bool = False

    def mark(self, text: str) -> str:
        return f"\x1b[1;33m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text


def segments(parts: list[Segment], style: Style, emphasis=None) -> str:
    out = []
    for s in parts:
        text = one_line(s.text) if "\n" in s.text else clean(s.text)
        out.append(style.mark(text) if s.marked else (emphasis(text) if emphasis else text))
    return "".join(out)


def results(res: Any, style: Style) -> str:
    shown = len(res.hits)
    first = res.offset + 1
    if res.total == 0:
        head = f"No documents match {one_line(res.query)!r}."
    elif shown == 0:
        head = f"{res.total} documents match; none on this page (offset {res.offset})."
    else:
        head = (f"{res.total} document{'s' if res.total != 1 else ''} match; showing {first}–"
                f"{res.offset + shown} ({res.seconds * 1000:.0f} ms).")
    lines = [head]
    if getattr(res, "suggestion", None) is not None:
        lines.append(suggestion(res.suggestion, style))
    for n, hit in enumerate(res.hits, start=first):
        d = hit.doc
        title = segments(hit.title, style, style.bold) if hit.title else style.bold(clean(d.title))
        lines.append("")
        lines.append(f"{n:>3}. {title}")
        meta = [x for x in (clean(d.source), d.date, ", ".join(clean(a) for a in d.authors)) if x]
        if hit.copies:
            meta.append(f"{hit.copies} cop{'y' if hit.copies == 1 else 'ies'} elsewhere")
        lines.append("     " + style.dim(" · ".join(meta)) if meta else "")
        body = segments(hit.snippet, style)
        lines.extend("     " + line for line in _wrap(body, 92))
        lines.append("     " + style.dim(f"id {d.id}  {clean(d.url)}"))
        for copy in hit.copy_list or ():
            lines.append("     " + style.dim(f"copy {copy.id}  {clean(copy.source)} {copy.date}  {clean(copy.url)}"))
    return "\n".join(line for line in lines)


def suggestion(sugg: Any, style: Style) -> str:
    """"Did you mean": the corrected query and what it finds."""
    return (f"Did you mean: {style.bold(one_line(sugg.query))}?  "
            f"({sugg.total} hit{'s' if sugg.total != 1 else ''})")


def similar(res: Any, style: Style) -> str:
    """Documents like one document: its distinctive words, then the related documents, best first."""
    d = res.doc
    lines = [f"Like {style.bold(one_line(d.title) or d.id)}  " + style.dim(f"(id {d.id})")]
    if res.terms:
        lines.append(style.dim("distinctive words: " + ", ".join(one_line(t.word) for t in res.terms)))
    if not res.hits:
        lines.append("No related documents found." if res.terms else
                     "No related documents found: no word of it is distinctive in this index.")
        return "\n".join(lines)
    lines.append(f"{len(res.hits)} related document{'s' if len(res.hits) != 1 else ''}, most similar first "
                 f"({res.seconds * 1000:.0f} ms).")
    for n, hit in enumerate(res.hits, start=1):
        h = hit.doc
        lines.append("")
        lines.append(f"{n:>3}. {style.bold(one_line(h.title))}")
        meta = [x for x in (clean(h.source), h.date, ", ".join(clean(a) for a in h.authors)) if x]
        if hit.copies:
            meta.append(f"{hit.copies} cop{'y' if hit.copies == 1 else 'ies'} elsewhere")
        meta.append(f"score {hit.score:.1f}")
        lines.append("     " + style.dim(" · ".join(meta)))
        lines.extend("     " + line for line in _wrap("shared: " + ", ".join(one_line(w) for w in hit.shared), 92))
        lines.append("     " + style.dim(f"id {h.id}  {clean(h.url)}"))
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    # textwrap counts escape codes as characters; good enough for coloured text, exact for plain.
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def document(doc: Any, with_sources: bool = False, versions: list[dict[str, Any]] | None = None,
             copies: list[Any] | None = None) -> str:
    x = doc.extraction if with_sources else {}

    def src(key: str) -> str:
        return f"  [{x[key]}]" if with_sources and x.get(key) else ""

    rows = [
        ("title", clean(doc.title) + src("title_source")),
        ("id", doc.id),
        ("url", clean(doc.url) + src("url_source")),
        ("source", clean(doc.source) + src("source_source")),
        ("date", (doc.date or "—") + src("date_source")),
        ("updated", (doc.updated or "—") + src("updated_source")),
        ("authors", (", ".join(clean(a) for a in doc.authors) or "—") + src("authors_source")),
        ("tags", (", ".join(clean(t) for t in doc.tags) or "—") + src("tags_source")),
        ("language", (doc.language or "—") + src("language_source")),
        ("entities", "; ".join(f"{clean(e.text)} ({e.type})" for e in doc.entities) or "—"),
        ("summary", one_line(doc.summary) or "—"),
        ("fetched", doc.fetched_at or "—"),
        ("from", _provenance(doc.provenance)),
    ]
    if with_sources and x.get("body_strategy"):
        rows.append(("body via", x["body_strategy"]))
    if versions:
        rows.append(("versions", "; ".join(f"v{v['version']} {v['fetched_at']}" for v in versions)))
    if copies:
        rows.append(("copies", "; ".join(f"{c.id} ({clean(c.source)}, {c.date or 'no date'})" for c in copies)))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.rjust(width)}: {v}" for k, v in rows]
    lines.append("")
    for paragraph in doc.paragraphs:
        lines.extend(textwrap.wrap(clean(paragraph), width=100) or [""])
        lines.append("")
    words = len(doc.body.split())
    lines.append(f"({len(doc.paragraphs)} paragraphs, {words} words)")
    return "\n".join(lines)


def _provenance(p: dict[str, Any]) -> str:
    if not p:
        return "—"
    if p.get("kind") == "file":
        return clean(f"file {p.get('path')}" + (f" (modified {p['mtime']})" if p.get("mtime") else ""))
    if p.get("kind") == "warc":
        parts = [f"WARC {p.get('file')} at offset {p.get('offset')}"]
        if p.get("record_id"):
            parts.append(f"record {p['record_id']}")
        if p.get("captured_at"):
            parts.append(f"captured {p['captured_at']}")
        if p.get("target_uri"):
            parts.append(f"from {p['target_uri']}" + (f" (HTTP {p['status']})" if p.get("status") else ""))
        return clean(", ".join(parts))
    return clean(", ".join(f"{k}={v}" for k, v in p.items()))


def stats(figures: dict[str, Any], index_path: str) -> str:
    lines = [f"Index {clean(index_path)}",
             f"  documents: {figures['documents']}" + (f" (+{figures['versions']} earlier versions)"
                                                       if figures.get("versions") else ""),
             f"  dates:     {figures['first_date'] or '—'} to {figures['last_date'] or '—'}",
             f"  size:      {_size(figures['bytes'])}"]
    if figures["sources"]:
        lines.append("  sources:")
        width = max(len(str(n)) for n in figures["sources"].values())
        for name, n in figures["sources"].items():
            lines.append(f"    {str(n).rjust(width)}  {clean(name) or '(unknown)'}")
    if figures.get("shards"):
        missing = set(figures.get("missing_shards") or ())
        lines.append(f"  shards:    {len(figures['shards'])}" + (f" ({len(missing)} not reachable)" if missing else ""))
        for row in figures["shards"]:
            held = "not reachable" if row["shard"] in missing else f"{row['documents']} documents"
            lines.append(f"    shard-{row['shard']}: {held}")
    return "\n".join(lines)


def cluster(data: dict[str, Any]) -> str:
    """What `polsearch cluster` prints of a running cluster (`indexer.cluster.describe`)."""
    lines = [f"Dask scheduler {clean(data['scheduler'])}: {len(data['workers'])} worker"
             f"{'s' if len(data['workers']) != 1 else ''}"]
    for w in data["workers"]:
        lines.append(f"  {clean(w['name'])}  {clean(w['address'])}  {w['threads']} thread"
                     f"{'s' if w['threads'] != 1 else ''}, {_size(w['memory'] or 0)} memory limit")
    if "shards" in data:
        total = sum(r["documents"] or 0 for r in data["shards"])
        lines.append(f"Index {clean(data['index'])}: {len(data['shards'])} shards, {total} documents")
        for r in data["shards"]:
            held = f"{r['documents']} documents" if r["up"] else "worker not in the cluster"
            lines.append(f"  shard-{r['shard']}  {clean(r['worker'] or '(no worker yet)')}  {held}")
    return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def ingest_summary(report: Any, index_path: str) -> str:
    rate = report.pages / report.seconds if report.seconds else 0.0
    passed = sum(getattr(report, "passed_over", {}).values())
    other = f"; {passed} other WARC records passed over" if passed else ""
    return (f"Indexed into {clean(str(index_path))}: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.skipped} skipped, {report.failed} failed "
            f"({report.pages} pages in {report.seconds:.1f} s, {rate:.0f} pages/s{other}).")


def scrape_summary(report: Any) -> str:
    """One line: what a `scrape` run collected, and where."""
    robots = f" ({report.robots} by robots.txt)" if report.robots else ""
    files = len(report.warc_files)
    where = f" into {clean(report.archive)}" if report.archive else ""
    tail = "" if report.complete else " Stopped at --max-pages; run it again to go on."
    return (f"Scraped{where}: {report.fetched} fetched ({report.new} new, {report.changed} changed), "
            f"{report.unchanged} unchanged, {report.skipped} skipped{robots}, {report.failed} failed "
            f"in {report.seconds:.1f} s; {files} WARC file{'s' if files != 1 else ''} written.{tail}")


def pack_summary(report: Any) -> str:
    """One line: what `pack` put into a WACZ file."""
    files = len(report.warc_files)
    return (f"Packed {clean(report.wacz)}: {files} WARC file{'s' if files != 1 else ''}, {report.records} "
            f"records indexed, {report.pages} page{'s' if report.pages != 1 else ''}, {report.bytes} bytes.")


def reindex_summary(report: Any) -> str:
    return f"Rebuilt the index of {report.documents} documents in {report.seconds:.1f} s."


def export_summary(report: Any) -> str:
    """What an export to a file wrote, and where its manifest is."""
    where = f"; manifest {report.manifest}" if report.manifest else ""
    return (f"Exported {report.count} document{'s' if report.count != 1 else ''} to {report.file} "
            f"({report.format}){where}.")


def flags(options: dict[str, Any]) -> str:
    """Search options as command-line flags: {"limit": 3} is " --limit 3"."""
    return "".join(f" --{k} {v}" for k, v in options.items())


def explain(clauses: list[Any]) -> str:
    lines = ["How the query was understood (documents matching each part on its own):"]
    for clause in clauses:
        lines.append(f"  {clause.count:>8}  {'   ' * clause.depth}{clean(clause.text)}")
    return "\n".join(lines) + "\n"


def kwic(lines: list[Any], documents: int, context: int, style: Style) -> str:
    """Aligned keyword-in-context lines: left context right-aligned, the match, right context."""
    out = [f"{len(lines)} matches in {documents} documents."]
    for line in lines:
        left = one_line(line.left)[-context:].rjust(context)
        right = one_line(line.right)[:context]
        meta = style.dim(f"  {line.doc.date or '          '}  {line.doc.id[:8]}")
        out.append(f"{left}  {style.mark(one_line(line.match))}  {right.ljust(context)}{meta}")
    return "\n".join(out)


def kwic_csv_summary(written: int, documents: int, target: str) -> str:
    return f"Wrote {written} KWIC lines from {documents} documents to {target}."


# -- facets and trends ----------------------------------------------------------------------------------
_EIGHTHS = " ▏▎▍▌▋▊▉█"
_SPARK = "▁▂▃▄▅▆▇█"


def bar(value: float, largest: float, width: int) -> str:
    """A horizontal bar of `value` against `largest`, `width` cells at most, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def facets(res: Any, style: Style, width: int = 24) -> str:
    """Each facet as aligned rows: value, count, and a bar against the facet's largest count."""
    head = (f"{res.total} document{'s' if res.total != 1 else ''} match {one_line(res.query)!r}"
            f" ({res.seconds * 1000:.0f} ms).")
    lines = [head]
    for name, values in res.facets.items():
        lines.append("")
        shown = "" if name == "year" or not res.top or len(values) < res.top else f" (top {res.top})"
        lines.append(style.bold(f"{name}{shown}"))
        if not values:
            lines.append("  —")
            continue
        labels = [one_line(v.label) for v in values]
        label_width = min(max(len(label) for label in labels), 48)
        count_width = max(len(str(v.count)) for v in values)
        largest = max(v.count for v in values)
        for label, value in zip(labels, values):
            if len(label) > label_width:
                label = label[:label_width - 1] + "…"
            lines.append(f"  {label.ljust(label_width)}  {str(value.count).rjust(count_width)}  "
                         f"{bar(value.count, largest, width)}")
    return "\n".join(lines)


def sparkline(values: list[float | None], largest: float) -> str:
    """One character per value against `largest`: ▁ to █ for values above 0, · for 0, a space for none
    (a period without any document)."""
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif v <= 0 or largest <= 0:
            out.append("·")
        else:
            out.append(_SPARK[min(7, int(v / largest * 8))])
    return "".join(out)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def trend(res: Any, style: Style, width: int = 30) -> str:
    """The trend as a table (per period: all documents, then each query's count and share) and a bar
    chart per query (bars: the share of the period's documents; sparklines when periods are many)."""
    if not res.periods:
        return "No dated documents" + (f" match the filters ({res.filters})." if res.filters else " in the index.")
    labels = [one_line(s.label) for s in res.series]
    period_width = max(len(res.by), max(len(p) for p in res.periods))
    total_width = max(len("all"), max(len(str(t)) for t in res.totals))
    cells = []
    for s in res.series:
        count_width = max(len(str(n)) for n in s.counts)
        cells.append([f"{str(n).rjust(count_width)} {_share(share).rjust(6)}" for n, share in zip(s.counts, s.shares)])
    col_widths = [max(len(label), max(len(c) for c in column)) for label, column in zip(labels, cells)]
    head = (f"{res.by.ljust(period_width)}  {'all'.rjust(total_width)}  "
            + "  ".join(label.rjust(w) for label, w in zip(labels, col_widths)))
    lines = [f"Documents per {res.by} matching each query, and their share of all documents in the {res.by}"
             + (f" ({res.filters})" if res.filters else "") + ":", "", style.bold(head)]
    for i, period in enumerate(res.periods):
        row = [period.ljust(period_width), str(res.totals[i]).rjust(total_width)]
        row += [column[i].rjust(w) for column, w in zip(cells, col_widths)]
        lines.append("  ".join(row))
    if res.undated:
        lines.append(f"({res.undated} document{'s' if res.undated != 1 else ''} without a date, in no {res.by}: "
                     + ", ".join(f"{label} {s.undated}" for label, s in zip(labels, res.series)) + ")")
    many = len(res.periods) > 40
    # one scale for every query, so that their bars compare
    peak = max((s for series in res.series for s in series.shares if s is not None), default=0.0)
    for label, series in zip(labels, res.series):
        lines.append("")
        own = max((s for s in series.shares if s is not None), default=0.0)
        lines.append(style.bold(label) + style.dim(f"  share of the documents of each {res.by} "
                                                   f"(peak {_share(own)})"))
        if many:
            for start in range(0, len(res.periods), 60):
                chunk = series.shares[start:start + 60]
                lines.append(f"  {res.periods[start].ljust(period_width)}  {sparkline(chunk, peak)}")
        else:
            for period, share in zip(res.periods, series.shares):
                cell = bar(share or 0.0, peak, width)
                lines.append(f"  {period.ljust(period_width)}  {cell.ljust(width)}  {_share(share).rjust(6)}")
    return "\n".join(lines)
