"""The command line (``python run_bot.py ...`` or ``chatbot ...``); contract in DESIGN.md.

Errors are one line on stderr plus a hint; exit code 2 for bad usage or input, 1 for a
failure at run time. Nothing already stored is lost on either.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatbot.config import Config, ConfigError, load_config
from chatbot.importers.base import ImportFailed
from chatbot.preflight import (
    ArchiveError,
    RecapNotWritten,
    archive_errors,
    before_run,
    open_archive,
    open_waiting,
    without_recap,
)
from chatbot.store import Store, StoreError

log = logging.getLogger("chatbot")


class UsageError(Exception):
    """Bad usage or input: exit code 2."""


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name longer than a file name
        raise UsageError(
            f"--timezone: unknown time zone {name[:60]!r} (use an IANA name like America/New_York)"
        ) from None


def _config(path: str | None) -> Config | None:
    return load_config(path) if path else None


def _store(db: str | None, config: Config | None, *, write: bool = True, wait: float = 0) -> Store:
    """The archive: ``--db`` (the command's, else the global one), else the config's, else
    ./chatbot.db; checked usable (and, for ``write``, writable) before the command does any work,
    waiting up to ``wait`` seconds (``--wait``) while another program holds it locked."""
    path = db or (config.db if config else "chatbot.db")
    if wait > 0 and write:
        return open_waiting(path, time.time() + wait, after=f"the end of --wait {wait:g}", hosting=False)
    return open_archive(path, write=write)


def cmd_import(args: argparse.Namespace) -> int:
    from chatbot.importing import import_files

    config = _config(args.config)
    paths = [Path(p) for p in args.files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")
    from chatbot.recap.publish import outside_recaps

    store = _store(args.db, config, wait=args.wait)
    try:
        with archive_errors(store.path):
            report = import_files(
                store,
                paths,
                config=config,
                tz=_zone(args.timezone),
                warn=lambda w: print(f"warning: {w}", file=sys.stderr),
            )
            outside = outside_recaps(store) if report.unassigned else ""
    finally:
        store.close()
    for path, fmt, read, new in report.files:
        skipped = report.skipped.get(path, 0)
        print(
            f"{path}: {fmt}, {read} messages read, {new} new, {skipped} record(s) skipped (see the warnings)"
            if skipped
            else f"{path}: {fmt}, {read} messages read, {new} new, none skipped"
        )
    print(
        f"{len(report.sessions)} session(s): {', '.join(report.sessions) or '-'}"
        + (
            f"; {report.unassigned} message(s) outside any chat kept in the archive"
            if report.unassigned
            else ""
        )
    )
    if outside:
        print(outside)
    return 0


def cmd_recap(args: argparse.Namespace) -> int:
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("html", "json", "md")]
    if bad or not formats:
        raise UsageError(f"--format: unknown format {bad[0] if bad else args.format!r} (use html, json, md)")
    store = _store(args.db, None, write=False)  # a recap only reads the archive
    try:
        with archive_errors(store.path):
            report = _publish(store, args, formats)
    finally:
        store.close()
    print(report)
    return 0


def _publish(store: Store, args: argparse.Namespace, formats: tuple[str, ...]) -> object:
    """Render the sessions ``args`` names (every one when none); what was written."""
    from chatbot.recap.publish import publish

    known = {r["id"]: r for r in store.sessions()}
    known.update({r["slug"]: r for r in store.sessions()})
    for s in args.sessions:
        if s not in known:
            raise UsageError(
                f"no session {s!r} in {store.path} (known: {', '.join(sorted(known)[:6]) or 'none'})"
            )
    ids = [known[s]["id"] for s in args.sessions] or [r["id"] for r in store.sessions()]
    if not ids:
        raise UsageError(f"no sessions in {store.path}: import a chat first (python run_bot.py import FILE)")
    return publish(
        store,
        Path(args.out),
        ids,
        formats=formats,
        force=args.force,
        progress=sys.stderr.isatty() or args.progress,
    )


def cmd_redact(args: argparse.Namespace) -> int:
    store = _store(args.db, None, wait=args.wait)
    try:
        with archive_errors(store.path):
            if args.what == "message":
                uid = store.message_uid(args.target)
                if uid is None:
                    raise UsageError(f"no message {args.target!r} in {store.path}")
                store.redact("message", uid, by=args.by, reason=args.reason or "")
            else:
                store.redact("participant", args.target, by=args.by, reason=args.reason or "")
    finally:
        store.close()
    print(f"{args.what} {args.target} hidden from recaps, exports and search; run `recap` to re-render")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from chatbot.startup import run_config

    config = load_config(args.config)
    if args.db:  # the global --db overrides the config's archive
        config = dataclasses.replace(config, db=Path(args.db))
    before_run(config, late=args.late)
    with archive_errors(config.db):
        code = asyncio.run(run_config(config))
        unrendered = without_recap(config)
    if unrendered:
        raise RecapNotWritten(
            f"{', '.join(unrendered)}: the chat ended and is stored in {config.db}, but its recap could "
            f"not be written to {config.transcripts}/ (see the log); once it can, run: python run_bot.py "
            f"--db {config.db} recap {' '.join(unrendered)} --out {config.transcripts}"
        )
    return code


def cmd_replay(args: argparse.Namespace) -> int:
    import asyncio

    from chatbot.hosting.rehearse import replay

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if args.speed < 0:
        raise UsageError(f"--speed: must be 0 (as fast as possible) or more, not {args.speed}")
    db = args.db or ":memory:"
    config = _config(args.config)
    if db != ":memory:":
        _store(db, None).close()  # usable and writable before the rehearsal starts
    with archive_errors(db):
        return asyncio.run(replay(path, config=config, speed=args.speed, db=db))


def cmd_serve(args: argparse.Namespace) -> int:
    from chatbot.web.serve import run_serve

    db = Path(args.db or "chatbot.db")
    with archive_errors(db):
        return run_serve(db, args.host, args.port, Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chatbot", description="Host live hashtag chats and archive them.")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    p.add_argument("--host", default="127.0.0.1", help="demo: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="demo: port (default 8080)")
    p.add_argument(
        "--db",
        dest="global_db",
        help="SQLite archive of the demo and of every command (default ./chatbot.db)",
    )
    sub = p.add_subparsers(dest="command")

    i = sub.add_parser("import", help="ingest recorded chats (format detected from content)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--config", help="chat.toml describing the session(s)")
    i.add_argument("--db", help="SQLite archive (default ./chatbot.db)")
    i.add_argument("--timezone", help="the chat's time zone, for local times without offset")
    _wait_option(i)
    i.set_defaults(func=cmd_import)

    r = sub.add_parser("recap", help="render recaps of stored sessions")
    r.add_argument("sessions", nargs="*", metavar="SESSION")
    r.add_argument("--db", help="SQLite archive (default ./chatbot.db)")
    r.add_argument("--out", default="transcripts", help="output folder (default transcripts/)")
    r.add_argument("--format", default="html", help="comma-separated: html,json,md (default html)")
    r.add_argument("--force", action="store_true", help="re-render even unchanged sessions")
    r.add_argument("--progress", action="store_true", help="show progress even when not on a terminal")
    r.set_defaults(func=cmd_recap)

    d = sub.add_parser("redact", help="hide a message or a participant from recaps (kept for hosts)")
    d.add_argument("what", choices=("message", "participant"))
    d.add_argument("target", help="message id (or platform:id), or participant handle")
    d.add_argument("--db", help="SQLite archive (default ./chatbot.db)")
    d.add_argument("--by", default="host", help="who asked for it (recorded)")
    d.add_argument("--reason", help="why (recorded, never published)")
    _wait_option(d)
    d.set_defaults(func=cmd_redact)

    run = sub.add_parser("run", help="host the chat(s) a config describes")
    run.add_argument("config", metavar="CONFIG.toml")
    run.add_argument(
        "--late", action="store_true", help="host a session whose start has passed (what is left of it)"
    )
    run.set_defaults(func=cmd_run)

    rp = sub.add_parser("replay", help="feed a recorded chat through the live runner (a rehearsal)")
    rp.add_argument("file", metavar="FILE")
    rp.add_argument("--config", help="chat.toml whose first session is rehearsed")
    rp.add_argument("--speed", type=float, default=60.0, help="times faster than real time (0: at once)")
    rp.add_argument("--db", help="keep the rehearsal in this archive (default: none)")
    rp.set_defaults(func=cmd_replay)

    sv = sub.add_parser("serve", help="serve recaps, search, feed and the API over an archive")
    sv.add_argument("--db", help="SQLite archive (default ./chatbot.db)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    sv.add_argument("--out", default="transcripts", help="rendered recaps folder (default transcripts/)")
    sv.set_defaults(func=cmd_serve)
    return p


def _wait_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS while another program holds the archive locked (default: fail at once)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:  # also NaN
        raise argparse.ArgumentTypeError(f"must be seconds from 0 to 86400, not {text[:40]!r}")
    return value


def _resolve_db(args: argparse.Namespace) -> None:
    """``chatbot --db x.db import F`` writes to x.db: the global ``--db`` (given before the command)
    applies to every command, and a command's own ``--db`` (given after it) wins over it."""
    args.demo_db = args.global_db or "chatbot.db"
    if args.command is not None:
        args.db = getattr(args, "db", None) or args.global_db


def setup_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * verbosity
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _resolve_db(args)
    setup_logging(args.verbose)
    if args.command is None:
        from chatbot.demo import run_demo

        try:
            return run_demo(args)
        except KeyboardInterrupt:
            return 0
    try:
        return int(args.func(args))
    except (ArchiveError, RecapNotWritten) as e:  # the machine's state, not the command's: no usage hint
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (UsageError, ConfigError, ImportFailed, StoreError) as e:
        print(f"error: {e}", file=sys.stderr)
        print("hint: python run_bot.py --help, or see README.md", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; everything stored so far is kept", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
