"""Packing an archive folder for sharing: one WACZ file (WACZ 1.1.1) that ReplayWeb.page and pywb open.

Moving parts:
- `surt()`: the sort key of a URL in a CDXJ index, as the web-archive tools spell it (host labels
  reversed, `www.` and default ports dropped, path and query lower-cased, query arguments sorted);
- `cdxj_lines()`: the CDXJ lines of one WARC file, one per record a replay tool looks up (`response`,
  `revisit`, `resource`, and `metadata` that is not `application/warc-fields`), with the fields
  `cdxj-indexer` writes: url, mime, status, digest, length, offset, filename;
- `pack()`: the WACZ itself, a ZIP holding `archive/` (the WARC files, stored uncompressed so any
  record can be read at its offset), `indexes/index.cdx` (the sorted CDXJ), `pages/pages.jsonl` (one
  line per HTML page, at its newest capture), `datapackage.json` (every file's size and SHA-256) and
  `datapackage-digest.json` (the SHA-256 of `datapackage.json`). Written beside the target and renamed
  into place, so a failed run leaves no half-written file.

The CDXJ is written here rather than by `cdxj-indexer`, which pulls in an AGPL library (`surt`); the
tests check these lines against `cdxj-indexer`'s own on the same files.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
import posixpath
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote_to_bytes, urlsplit

from ..errors import ArchiveError
from ..inputs.records import HTML_TYPES

WACZ_VERSION = "1.1.1"
_INDEXED = ("response", "revisit", "resource", "metadata")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class PackReport:
    wacz: str = ""
    warc_files: list[str] = field(default_factory=list)
    records: int = 0      # lines of the CDXJ index
    pages: int = 0
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"wacz": self.wacz, "warc_files": self.warc_files, "records": self.records, "pages": self.pages,
                "bytes": self.bytes}


# -- the index -----------------------------------------------------------------------------------------
def surt(url: str) -> str:
    """`http://www.Example.org:80/A/b/?z=1&a=2#f` -> `org,example)/a/b?a=2&z=1`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").strip(".")
    if host.startswith("www") and "." in host:
        label, rest = host.split(".", 1)
        if label[3:].isdigit() or label == "www":
            host = rest
    if ":" in host:  # an IPv6 address: kept as it is
        key = host
    else:
        key = ",".join(reversed(host.split(".")))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        key += f":{port}"
    path = _clean_path(parts.path)
    query = "&".join(sorted(_escape(a) for a in parts.query.split("&") if a)).lower()
    return f"{key})" + path.lower() + (f"?{query}" if query else "")


def _clean_path(path: str) -> str:
    path = _escape(path)
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments)


def _escape(text: str) -> str:
    """Escapes undone (repeatedly), then only what must stay escaped: controls, space, non-ASCII, # and %."""
    data = text.encode("utf-8")
    while b"%" in data:
        once = unquote_to_bytes(data)
        if once == data:
            break
        data = once
    return "".join(f"%{b:02X}" if b <= 0x20 or b >= 0x7F or b in b"#%" else chr(b) for b in data)


def _timestamp(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14].ljust(14, "0")


def cdxj_lines(path: Path, filename: str) -> Iterator[tuple[str, dict[str, str], bool]]:
    """(`surt timestamp`, fields, cut off?) for each record of the WARC file at `path` that replay looks
    up; the last is True for a record with `WARC-Truncated`, which is no page to list."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            rec = record.rec_headers
            if record.rec_type not in _INDEXED:
                continue
            if record.rec_type in ("resource", "metadata") and rec.get_header("Content-Type") == \
                    "application/warc-fields":
                continue
            url = rec.get_header("WARC-Target-URI") or ""
            fields = {"url": url}
            http = record.http_headers
            if record.rec_type == "revisit":
                fields["mime"] = "warc/revisit"
            elif record.rec_type == "response":
                if http is not None and http.get_header("Content-Type"):
                    fields["mime"] = _mime(http.get_header("Content-Type"))
            else:
                fields["mime"] = _mime(rec.get_header("Content-Type"))
            if http is not None and http.get_statuscode():
                fields["status"] = http.get_statuscode()
            date = rec.get_header("WARC-Date") or ""
            payload = hashlib.sha1()
            for block in iter(lambda: record.raw_stream.read(1 << 16), b""):  # to the end: the length is known
                payload.update(block)
            fields["digest"] = rec.get_header("WARC-Payload-Digest") or \
                "sha1:" + base64.b32encode(payload.digest()).decode("ascii")
            offset = records.get_record_offset()
            fields.update(length=str(records.get_record_length()), offset=str(offset), filename=filename)
            key = url if url.startswith("dns:") else surt(url)
            yield f"{key} {_timestamp(date)}", fields, bool(rec.get_header("WARC-Truncated"))


def _mime(content_type: str | None) -> str:
    return (content_type or "unk").split(";", 1)[0].strip().lower() or "unk"


# -- the package -------------------------------------------------------------------------------------------
def warc_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ArchiveError(f"{folder} is not an archive folder")
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith((".warc.gz", ".warc")))
    if not found:
        raise ArchiveError(f"{folder} holds no WARC files (.warc.gz or .warc)")
    return found


def pack(folder: str | os.PathLike[str], out: str | os.PathLike[str], *, title: str = "",
         description: str = "") -> PackReport:
    """Write the WACZ `out` from every WARC file in the archive folder `folder`."""
    folder, out = Path(folder), Path(out)
    report = PackReport(wacz=str(out))
    with _reading(folder):
        files = warc_files(folder)
        index: list[str] = []
        pages: dict[str, str] = {}  # url: timestamp of its newest capture
        for path in files:
            for key, fields, truncated in _readable(path):
                index.append(f"{key} {json.dumps(fields)}")
                page = fields.get("mime") in HTML_TYPES and fields.get("status") == "200" and not truncated
                if page or (fields.get("mime") == "warc/revisit" and fields["url"] in pages):  # a later capture
                    pages[fields["url"]] = max(pages.get(fields["url"], ""), key.rsplit(" ", 1)[1])
        index.sort()
        tmp = out.with_name(out.name + ".part")
        try:
            _write_zip(tmp, files, index, pages, title or folder.name, description)
            os.replace(tmp, out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ArchiveError(f"cannot write {out}: {exc.strerror or exc}") from exc
    report.warc_files = [p.name for p in files]
    report.records, report.pages, report.bytes = len(index), len(pages), out.stat().st_size
    return report


def _readable(path: Path) -> Iterator[tuple[str, dict[str, str], bool]]:
    """`cdxj_lines()`, with a damaged file as a one-line error: a package with a hole in its index
    would replay some pages and silently not others."""
    from warcio.exceptions import ArchiveLoadFailed

    try:
        yield from cdxj_lines(path, path.name)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"{path}: not a readable WARC file ({' '.join(str(exc).split())[:200]}); "
                           "move it out of the folder to pack the rest") from exc


def _write_zip(target: Path, files: list[Path], index: list[str], pages: dict[str, str],
               title: str, description: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    resources = []
    with zipfile.ZipFile(target, "w") as wacz:
        for path in files:
            name = posixpath.join("archive", path.name)
            wacz.write(path, name, compress_type=zipfile.ZIP_STORED)
            resources.append(_resource(name, _sha256_file(path), path.stat().st_size))
        cdx = ("\n".join(index) + "\n").encode("utf-8")
        listing = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
        for url, ts in sorted(pages.items()):
            listing.append(json.dumps({"id": uuid.uuid5(uuid.NAMESPACE_URL, url).hex, "url": url,
                                       "ts": _iso(ts)}))
        for name, data in (("indexes/index.cdx", cdx), ("pages/pages.jsonl", ("\n".join(listing) + "\n").encode())):
            wacz.writestr(zipfile.ZipInfo(name, now.timetuple()[:6]), data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append(_resource(name, hashlib.sha256(data).hexdigest(), len(data)))
        from importlib.metadata import version

        package = {"profile": "data-package", "title": title, "resources": resources,
                   "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "wacz_version": WACZ_VERSION,
                   "software": f"polsearch {version('polsearch')}"}
        if description:
            package["description"] = description
        if pages:
            main = min(pages, key=lambda url: (len(url), url))  # the site's front or listing page
            package.update(mainPageURL=main, mainPageDate=_iso(pages[main]))
        data = json.dumps(package, indent=2).encode("utf-8")
        wacz.writestr("datapackage.json", data, compress_type=zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
        wacz.writestr("datapackage-digest.json", json.dumps(digest, indent=2), compress_type=zipfile.ZIP_DEFLATED)


def _resource(path: str, sha256: str, size: int) -> dict[str, Any]:
    return {"name": posixpath.basename(path).lower(), "path": path, "hash": f"sha256:{sha256}", "bytes": size}


def _sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _iso(ts: str) -> str:
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


@contextmanager
def _reading(folder: Path) -> Iterator[None]:
    """While packing, no `scrape` may write to the folder (its lock, shared here), so no half-written
    record goes into the package."""
    lock = folder / "scrape.lock"
    if not lock.exists():
        yield
        return
    fd = os.open(lock, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveError(f"the archive {folder} is being written by a scrape; pack it when it ends") from None
        yield
    finally:
        os.close(fd)
