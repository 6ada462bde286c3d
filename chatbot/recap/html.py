"""Session recap pages, and rendering a whole archive of them.

A pure function (``chatbot.recap.view.session_view``) turns the export into what the page shows (a
``SessionView``); jinja2 renders it with autoescape and ``StrictUndefined`` (``render_session``).
``write_session`` writes a session's HTML, JSON and Markdown atomically, each streamed to its file;
``render_all`` does that for every session whose export or templates changed
(``out_dir/.manifest.json``), then the index, search and feed. Each takes an ``Export`` in memory or
a ``Recap`` read from the archive as it is written (``chatbot.recap.source``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

from chatbot.recap import check_slug, environment, page_assets, put_in_place, stage, write_atomic
from chatbot.recap.feed import (
    SEARCH_DIR,
    index_entry,
    render_index,
    search_shard,
    split_search_index,
    write_feed,
    write_search_index,
    write_search_lines,
)
from chatbot.recap.jsonout import json_bytes, recap_json_chunks, written_json
from chatbot.recap.markdown import markdown_chunks
from chatbot.recap.onepass import Written, page_markup, splice, sweep
from chatbot.recap.pages import PAGE_MAP, page_count, page_file, page_map, pager
from chatbot.recap.source import Recap
from chatbot.recap.types import Export
from chatbot.recap.view import (
    deleted_note,
    message_view,
    page_context,
    page_view,
    prompt_sections,
    session_view,
    transcript_mark,
    usage_line,
)
from chatbot.recap.viewtypes import ManifestRecord, PageAssets, SessionView

__all__ = [
    "FORMATS",
    "MANIFEST",
    "TEMPLATE_VERSION",
    "RenderReport",
    "deleted_note",
    "export_digest",
    "export_json",
    "message_view",
    "page_chunks",
    "prompt_sections",
    "render_all",
    "render_fingerprint",
    "render_session",
    "session_view",
    "usage_line",
    "write_pages",
    "write_session",
]

#: Bump to re-render every recap when nothing in this package changed (e.g. a dependency did).
TEMPLATE_VERSION = "1"
FORMATS = ("html", "json", "md")
MANIFEST = ".manifest.json"


def _recap(export: Export | Recap) -> Recap:
    return export if isinstance(export, Recap) else Recap.of(export)


def render_session(
    export: Export,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str | None = "index.html",
) -> str:
    """One self-contained HTML recap page (no network requests) for a session export.

    ``exports`` are the sibling formats to link to (``<slug>.json``, ``<slug>.md``);
    ``index_href`` links back to the archive index (None for no link).
    """
    return "".join(page_chunks(Recap.of(export), exports=exports, index_href=index_href))


def page_chunks(
    recap: Recap, *, exports: Sequence[str] = ("json", "md"), index_href: str | None = "index.html"
) -> Iterator[str]:
    """``render_session`` of a ``Recap``, a piece at a time, after one pass over its transcript (a
    long channel record's first page: ``write_pages`` writes them all)."""
    ctx = page_context(recap)
    written = sweep(recap, ctx, html=True)
    page = page_view(recap, ctx, written.page, exports=exports, index_href=index_href)
    return page_markup([environment().get_template("session.html").render(page=page, **_assets())], written)


def _assets() -> PageAssets:
    """A recap page's CSS, JS and policy: its images are the copies beside it (``recap.media``)."""
    return page_assets("recap.js", img_src="'self' data:")


def write_pages(
    recap: Recap,
    out_dir: Path,
    *,
    exports: Sequence[str] = ("json", "md"),
    index_href: str = "index.html",
    swept: Written | None = None,
) -> list[Path]:
    """Write the session's page (``<slug>.html``), and a long channel record's further pages
    (``<slug>/page-2.html``... and their map, ``chatbot.recap.pages``), each atomically; the
    export's images are copied beside them. Pages a record no longer has are removed. ``swept``:
    the pass over the transcript already made (``chatbot.recap.onepass``; made here without)."""
    out = Path(out_dir)
    written = swept or sweep(recap, page_context(recap, out), html=True)
    page = page_view(recap, written.ctx, written.page, exports=exports, index_href=index_href)
    slug, pager_view, env, assets = page["slug"], page["pager"], environment(), _assets()
    # Rendered whole: without its answers and transcript (marked, copied in by ``splice``) a page is small.
    first = splice([env.get_template("session.html").render(page=page, **assets)], written)
    files = [write_atomic(out / f"{slug}.html", first, errors="backslashreplace")]
    count = pager_view["count"] if pager_view else 1
    for n in range(2, count + 1):
        part: SessionView = {
            **page,
            "transcript": transcript_mark(n),
            "pager": pager(slug, n, count, recap.message_count),
            "up": "../",
        }
        chunks = splice([env.get_template("transcript-page.html").render(page=part, **assets)], written)
        files.append(write_atomic(out / page_file(slug, n), chunks, errors="backslashreplace"))
    if count > 1:
        files.append(write_atomic(out / slug / PAGE_MAP, page_map(page["page_starts"])))
    _drop_pages(out / slug, count)
    if swept is None:
        written.close()
    return files


def _drop_pages(folder: Path, count: int) -> None:
    """Remove the pages past ``count`` (and the map, when one page is all there is)."""
    if not folder.is_dir():
        return
    for path in folder.glob("page-*.html"):
        number = path.name.removeprefix("page-").removesuffix(".html")
        if not number.isdigit() or int(number) > count:
            path.unlink(missing_ok=True)
    if count == 1:
        (folder / PAGE_MAP).unlink(missing_ok=True)


def export_json(export: Export) -> bytes:
    """The JSON export file's bytes (UTF-8; the envelope indented, one line per message and per
    item of every list: ``chatbot.recap.jsonout``; stray surrogates kept as JSON escapes)."""
    return json_bytes(export)


def write_session(
    export: Export | Recap,
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    links: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``<slug>.html``, ``<slug>.json`` and/or ``<slug>.md`` into ``out_dir``, each atomically
    and streamed (an ``Export`` in memory or a ``Recap`` read from the archive as it is written).
    The page links to the siblings among ``links`` (default: ``formats``)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown recap format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    recap = _recap(export)
    out = Path(out_dir)
    siblings = [fmt for fmt in ("json", "md") if fmt in (formats if links is None else links)]
    written = sweep(recap, page_context(recap, out), html="html" in formats, json="json" in formats)
    try:
        return _write_files(recap, out, formats, siblings, written)
    finally:
        written.close()


def _write_files(
    recap: Recap, out: Path, formats: Sequence[str], siblings: Sequence[str], written: Written
) -> list[Path]:
    """``write_session``'s files, from the pass over the transcript (``written``)."""
    slug = check_slug(recap.head["session"]["slug"])
    files: list[Path] = []
    if "html" in formats:
        files += write_pages(recap, out, exports=siblings, swept=written)
    if "json" in formats:
        pieces = itertools.chain(written_json(recap, written), ["\n"])
        files.append(write_atomic(out / f"{slug}.json", pieces, errors="backslashreplace"))
    if "md" in formats:
        files.append(write_atomic(out / f"{slug}.md", markdown_chunks(recap), errors="backslashreplace"))
    return files


def render_fingerprint() -> str:
    """Changes whenever the output could: the version constant, the templates and the renderer's
    own modules (so editing a template or this code re-renders every recap on the next run)."""
    digest = hashlib.sha256(TEMPLATE_VERSION.encode())
    package = resources.files("chatbot.recap")
    sources = [*package.iterdir(), *package.joinpath("templates").iterdir()]
    for item in sorted(sources, key=lambda t: (t.name, str(t))):
        if item.is_file() and item.name.endswith((".py", ".html", ".xml", ".js", ".css")):
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def export_digest(export: Export | Recap, fingerprint: str, formats: Sequence[str] = FORMATS) -> str:
    """sha256 of the export's JSON file, the render fingerprint and the formats written; read a
    piece at a time, so a big chat is hashed without being held."""
    digest = hashlib.sha256()
    for piece in _json_file(_recap(export)):
        digest.update(piece if isinstance(piece, bytes) else piece.encode("utf-8", "backslashreplace"))
    return _digest_of(digest, fingerprint, formats)


def _json_file(recap: Recap) -> Iterator[str | bytes]:
    return itertools.chain(recap_json_chunks(recap), ["\n"])


def _digest_of(json_digest: Any, fingerprint: str, formats: Sequence[str]) -> str:
    json_digest.update(f"{fingerprint}\n{','.join(formats)}".encode())
    return str(json_digest.hexdigest())


@dataclass(frozen=True)
class RenderReport:
    """What ``render_all`` did: sessions written and skipped (by slug), and every file written."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.written)} recap(s) rendered, {len(self.skipped)} unchanged or not selected, in "
            f"{self.out_dir}/ (index.html, search-index.js and feed.xml updated)"
        )


def _read_manifest(path: Path) -> dict[str, ManifestRecord]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sessions = data.get("sessions") if isinstance(data, dict) else None
    if not isinstance(sessions, dict):
        return {}
    # As this module wrote it (older manifests may lack "entry" or "formats").
    return {k: cast(ManifestRecord, v) for k, v in sessions.items() if isinstance(v, dict)}


def render_all(
    exports: Iterable[Export | Recap],
    out_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = FORMATS,
    only: Collection[str] | None = None,
    base_url: str | None = None,
    title: str = "Chat recaps",
    total: int | None = None,
    outside: str = "",
) -> RenderReport:
    """Write each session's files unless unchanged (or ``force``), then ``index.html``,
    ``search-index.js`` and ``feed.xml`` over every recap whose page is in ``out_dir``.

    ``exports`` are taken one at a time (a generator keeps one session in memory); sessions not
    among them stay as they are on disk, listed as the manifest has them. ``only`` (slugs; empty or
    None means all) limits which of them are rendered. A session's formats already on disk are
    rewritten with the ones asked for. ``progress(done, total)`` is called after each session
    (``total``: how many ``exports`` there are, when they are not a sized collection).
    ``outside``: what the index says of the archive's messages no recap holds (``outside_recaps``).
    """
    if unknown := set(formats) - set(FORMATS):
        raise ValueError(f"unknown recap format(s) {', '.join(sorted(unknown))}; use {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if total is None:
        exports = exports if isinstance(exports, Sequence) else list(exports)
        total = len(exports)
    manifest = _read_manifest(out / MANIFEST)
    fingerprint = render_fingerprint()
    report = RenderReport(out)
    split_search_index(out, set(manifest))
    for done, item in enumerate(exports, 1):
        recap = _recap(item)
        export = recap.head
        slug = check_slug(export["session"]["slug"])
        if only and slug not in only:
            manifest.setdefault(slug, {"sha256": None, "entry": index_entry(export)})
            report.skipped.append(slug)
        else:
            # Formats already on disk are kept up to date too, so a page never links to a stale export.
            kept = [fmt for fmt in FORMATS if fmt in formats or (out / f"{slug}.{fmt}").is_file()]
            on_disk = [out / f"{slug}.{fmt}" for fmt in kept] + [out / search_shard(slug)]
            if "html" in kept:  # a long channel record's other pages
                pages = page_count(export["session"].get("kind"), recap.message_count)
                on_disk += [out / page_file(slug, n) for n in range(2, pages + 1)]
            # One pass over the transcript makes every file; when they may all be as they are, the
            # JSON alone first, its digest saying whether the rest needs making.
            maybe_fresh = not force and slug in manifest and all(p.is_file() for p in on_disk)
            ctx = page_context(recap, out)
            making = not maybe_fresh
            written = sweep(recap, ctx, json=True, html=making and "html" in kept, search=making)
            try:
                hashed = hashlib.sha256()
                json_file = itertools.chain(written_json(recap, written), ["\n"])
                staged = stage(out / f"{slug}.json", json_file, errors="backslashreplace", digest=hashed)
                digest = _digest_of(hashed, fingerprint, kept)
                if maybe_fresh and manifest[slug].get("sha256") == digest:
                    staged.unlink()
                    report.skipped.append(slug)
                else:
                    if maybe_fresh:  # changed after all: the page and the search need the pass too
                        written.close()
                        written = sweep(recap, ctx, html="html" in kept, search=True)
                    if "json" in kept:
                        report.files.append(put_in_place(staged, out / f"{slug}.json"))
                    else:
                        staged.unlink()
                    rest = [fmt for fmt in kept if fmt != "json"]
                    siblings = [fmt for fmt in ("json", "md") if fmt in kept]
                    report.files.extend(_write_files(recap, out, rest, siblings, written))
                    report.files.append(write_search_lines(written.search.read(), slug, out))
                    report.written.append(slug)
            finally:
                written.close()
            manifest[slug] = {"sha256": digest, "formats": kept, "entry": index_entry(export)}
        if progress is not None:
            progress(done, total)
    listed = {slug: m for slug, m in manifest.items() if (out / f"{slug}.html").is_file() and "entry" in m}
    for shard in (out / SEARCH_DIR).glob("*.js") if (out / SEARCH_DIR).is_dir() else ():
        if shard.stem not in listed:  # its recap is gone: so are its messages from the search
            shard.unlink()
    entries = [m["entry"] for m in listed.values()]
    report.files.append(render_index(entries, out, title=title, outside=outside))
    searchable = [slug for slug in sorted(listed) if (out / search_shard(slug)).is_file()]
    report.files.append(write_search_index(searchable, out))
    report.files.append(write_feed(entries, out, base_url=base_url, title=title))
    payload = {"version": 1, "template_version": TEMPLATE_VERSION, "sessions": listed}
    write_atomic(out / MANIFEST, json.dumps(payload, ensure_ascii=True, indent=1, sort_keys=True) + "\n")
    return report
