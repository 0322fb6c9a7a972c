"""The ``chatops`` command: the product's CLI, and how tests and benchmarks drive the core.

This is a boundary: every :class:`ChatopsError` becomes one line on stderr and a non-zero exit,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import concerns, turns
from .bot import Bot, Messenger
from .contacts import check_contacts, load_contacts
from .councils import DEFAULT_COUNCIL, Library, protocol_files
from .errors import ChatopsError, ProtocolDataError, SettingsError
from .loading import load_protocol
from .model import Protocol
from .reply import Reply
from .settings import Settings
from .vocabulary import unreachable

EXIT_PROBLEMS, EXIT_USAGE = 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatops",
        description="A council's Protocol on Member/Officer Relations, in chat.",
        epilog=f"The council is --council, else CHATOPS_COUNCIL, else {DEFAULT_COUNCIL}.",
    )
    sub = parser.add_subparsers(dest="action", metavar="COMMAND")
    sub.required = True

    def council(p: argparse.ArgumentParser) -> None:
        p.add_argument("--council", metavar="ID", help="council id, e.g. llangunnor or telford-and-wrekin")

    p = sub.add_parser("console", help="chat with the bot in this terminal (no account needed)")
    council(p)
    p = sub.add_parser("command", help='answer "/protocol ARGS", e.g. chatops command "expectations officer"')
    p.add_argument("args", nargs="*", metavar="ARGS")
    council(p)
    p.add_argument("--json", action="store_true", help="print the reply as JSON")
    p = sub.add_parser("search", help="rank the protocol's clauses for a question")
    p.add_argument("text", nargs="+", metavar="TEXT")
    council(p)
    p.add_argument("--limit", type=_limit, default=5, metavar="N", help="how many results (1-50, default 5)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p = sub.add_parser("triage", help="read a concern described in free text and give the protocol's route")
    p.add_argument("text", nargs="+", metavar="TEXT")
    council(p)
    p.add_argument("--json", action="store_true", help="print the reading, route and reply as JSON")
    p = sub.add_parser("serve", help="the web server: Slack at /slack/events, Teams at /api/messages, /healthz")
    council(p)
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, help="port (default PORT, else 3978)")
    p.add_argument("--socket-mode", action="store_true", help="connect to Slack over Socket Mode (SLACK_APP_TOKEN)")
    p = sub.add_parser("publish", help="announce a changed protocol to the channels that follow it")
    p.add_argument("--send", action="store_true", help="also deliver now (otherwise chatops serve delivers)")
    p = sub.add_parser("outbox", help="announcements and reminders pending or failed")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("diff", help="what changed between two versions of a protocol file, clause by clause")
    p.add_argument("old", type=Path, metavar="OLD.yaml")
    p.add_argument("new", type=Path, metavar="NEW.yaml")
    p.add_argument("--json", action="store_true", help='print {"added": [ref], "removed": [ref], "changed": [ref]}')
    p = sub.add_parser("manifest", help="build a platform's app package (teams)")
    p.add_argument("platform", choices=["teams"])
    p.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    p.add_argument("--app-id", metavar="GUID", help="the bot's app id (default MICROSOFT_APP_ID)")
    p = sub.add_parser("validate", help="check protocol (and contacts*.yaml) files; prints file:line: problem lines")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: every council's file)")
    p = sub.add_parser("check", help="self-test a council's file: roles, concerns, procedures, expectations, help")
    p.add_argument("council", nargs="?", metavar="COUNCIL", help="council id (default: the default council)")
    p.add_argument("--json", action="store_true", help='print {"council", "ok", "checks": [{"ok", "what", "fix"}]}')
    p = sub.add_parser("import", help="draft a council's file from its own document (.docx, .pdf, .html, .txt, .md)")
    p.add_argument("source", type=Path, metavar="SOURCE")
    p.add_argument("--council", metavar="ID", help="the new council's id (default: from the file's name)")
    p.add_argument("--out", type=Path, metavar="PATH", help="where to write the draft (default: ID.yaml here)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p = sub.add_parser("schema", help="print the JSON Schema of protocol files")
    p.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")
    return parser


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 50:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 50")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
        library = Library(settings.protocol_dirs, default=settings.council)
        result: int = _ACTIONS[args.action](args, library, settings)
        return result
    except ChatopsError as exc:
        print(f"chatops: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS if isinstance(exc, ProtocolDataError) else EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _bot(library: Library, settings: Settings, messenger: Messenger | None = None) -> Bot:
    return Bot(
        library,
        admins=settings.admins,
        database_url=settings.database_url,
        contacts=load_contacts(settings.contacts),
        messenger=messenger,
        ttl_hours=settings.state_ttl_hours,
    )


async def _answer(bot: Bot, turn: turns.Turn) -> Reply:
    try:
        return await bot.handle(turn)
    finally:
        await bot.close()


def _console(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from adapters import console

    for stream in (sys.stdin, sys.stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="replace")
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history at the prompt)
    bot = _bot(library, settings, console.Messenger(sys.stdout))
    asyncio.run(console.run(bot, args.council, sys.stdin, sys.stdout, interactive, user_name=getpass.getuser()))
    return 0


def _command(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    council = library.resolve(args.council)
    library.protocol(council)  # a broken file is a clear error here, not a generic apology
    turn = turns.command(" ".join(args.args), council=council, user_name=getpass.getuser())  # /protocol optional
    reply = asyncio.run(_answer(_bot(library, settings), turn))
    if args.json:
        _print_json({**reply.model_dump(mode="json"), "text": reply.as_text()})
    else:
        print(reply.as_text(), end="")
    return 0


def _triage(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    """The recommendation for a concern in free text; nothing is stored and the text is not kept."""
    protocol = library.protocol(args.council)
    ctx = concerns.Context(
        protocol, load_contacts(settings.contacts), "console", getpass.getuser(), settings.state_ttl_hours
    )
    transition = concerns.step(None, " ".join(args.text), ctx)
    state = transition.state or concerns.start(ctx)
    if not args.json:
        print(transition.reply.as_text(), end="")
        return 0
    alarm = concerns.assess(" ".join(args.text))
    plan = concerns.route(state, protocol, ctx.contacts)

    def steps(kind: str) -> list[dict[str, Any]]:
        return [
            {"contact": s.contact, "detail": s.detail, "ref": s.ref, "people": [p.name for p in s.people]}
            for s in plan.of(kind)
        ]

    _print_json(
        {
            "council": protocol.id,
            "reporter": state.reporter,
            "subject": state.subject,
            "category": state.category,
            "informal_tried": state.informal_tried,
            "gender": state.gender,
            "scope": state.scope,
            "witness": state.witness,
            "safety": {"danger": alarm.danger, "self_harm": alarm.self_harm},
            "concerns": [
                {"ref": q.ref, "heading": q.heading, "text": " ".join(q.paragraphs + q.items)}
                for q in concerns.cited(state, protocol)
            ],
            "route": {
                "informal": steps("informal"),
                "formal": steps("formal"),
                "outcome": steps("outcome"),
                "related": steps("related"),
            },
            "procedure": plan.procedure.ref if plan.procedure else None,
            "needs": concerns.needs(state, ctx),
            "reply": {**transition.reply.model_dump(mode="json"), "text": transition.reply.as_text()},
        }
    )
    return 0


def _serve(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from adapters.serve import serve

    # fail at start, in one line, not at a person's first question; and build the reading's patterns now
    concerns.read("", library.protocol(library.resolve(args.council)))
    if args.council:
        library = Library(settings.protocol_dirs, default=args.council)
    serve(_bot(library, settings), settings, host=args.host, port=args.port, socket_mode=args.socket_mode)
    return 0


def _publish(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from .channels import Channels
    from .outbox import Courier

    async def run() -> None:
        bot = _bot(library, settings)
        try:
            channels = Channels(bot.store)
            queued = await channels.publish(library)
            for council in library.ids:
                if council not in queued:
                    state = "unchanged"
                elif (count := queued[council]) is None:
                    state = "first version recorded; channels will be told when it changes"
                else:
                    state = f"new version, {count} announcements queued"
                print(f"{council}: {state}")
            if args.send:
                from adapters.platforms import connect_all
                from adapters.serve import deliverers

                await Courier(channels.outbox, deliverers(connect_all(bot, settings))).drain()
                print(_outbox_line(await channels.outbox.counts()))
        finally:
            await bot.close()

    asyncio.run(run())
    return 0


OUTBOX_STATUSES = ("pending", "claimed", "sending", "sent", "failed")
"""Every outbox row state, in the order a message goes through them (``claimed``: taken, nothing sent yet)."""


def _outbox_line(counts: dict[str, int]) -> str:
    return "outbox: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in OUTBOX_STATUSES)


def _outbox(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from .outbox import Outbox
    from .store import Store

    async def run() -> tuple[dict[str, int], list[dict[str, Any]]]:
        store = Store(settings.database_url)
        try:
            box = Outbox(store)
            return await box.counts(), await box.rows()
        finally:
            await store.close()

    counts, rows = asyncio.run(run())
    if args.json:
        _print_json({"counts": counts, "items": rows})
        return 0
    print(_outbox_line(counts))
    for row in rows:
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        print(f"#{row['id']} {row['status']:<8} {row['platform']} {row['channel']} attempts={row['attempts']}{error}")
    return 0


def _diff(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from .versions import changed_lines, diff

    problems: list[str] = []
    versions = []
    for path in (args.old, args.new):
        try:
            versions.append(load_protocol(path))
        except ProtocolDataError as exc:
            problems += exc.problems
    if problems:
        raise ProtocolDataError(problems)
    changes = diff(versions[0], versions[1])
    if args.json:
        _print_json(changes.summary())
        return 0
    if changes.empty:
        print("No change to what the protocol says.")
    for label, items in (("Added", changes.added), ("Removed", changes.removed), ("Changed", changes.changed)):
        for change in items:
            heading = f" {change.heading}" if change.heading else ""
            print(f"{label} §{change.ref}{heading}")
            old, new = changed_lines(change)
            for line in new:
                print(f"  + {line}")
            for line in old:
                print(f"  - {line}")
    for label, pair in (("Adopted", changes.adopted), ("Minute", changes.minute)):
        if pair:
            print(f"{label}: {pair[0] or '—'} → {pair[1] or '—'}")
    return 0


def _manifest(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from adapters.teams.package import build_for

    print(f"wrote {build_for(settings, args.app_id, args.out)}")
    return 0


def _search(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    council = library.resolve(args.council)
    hits = library.lookup(council).searcher.search(" ".join(args.text), limit=args.limit)
    if args.json:
        results = [
            {"ref": h.passage.ref, "heading": h.passage.heading, "text": h.passage.text, "score": h.score} for h in hits
        ]
        _print_json({"council": council, "results": results})
        return 0
    print(library.protocol(council).council)
    if not hits:
        print("No clause matches that. Try other words.")
    for h in hits:
        heading = f" {h.passage.heading}" if h.passage.heading else ""
        print(f"\n§{h.passage.ref}{heading}  (score {h.score})\n{h.passage.text}")
    return 0


def _validate(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    paths: list[Path] = []
    problems: list[str] = []
    for given in args.paths:
        path = Path(given)
        if path.is_dir():
            paths += protocol_files(path) + sorted(path.glob("contacts*.y*ml"))
        elif path.is_file():
            paths.append(path)
        else:
            problems.append(f"{path}:0: no such file or folder")
    if not args.paths:
        paths = [library.paths[council] for council in library.ids]
        paths += [settings.contacts] if settings.contacts else []
    councils: dict[str, Protocol | None] = {}
    for path in sorted(paths, key=lambda p: p.name.startswith("contacts")):  # councils first, then contacts
        try:
            if path.name.startswith("contacts"):
                contacts = check_contacts(path, {**_councils(library), **councils})
                print(f"ok {path}: contacts for {', '.join(contacts.root) or 'no council'}")
                continue
            councils[path.stem] = None
            councils[path.stem] = protocol = load_protocol(path)
        except ProtocolDataError as exc:
            problems += exc.problems
            continue
        print(f"ok {path}: {protocol.council}, {len(protocol.clauses)} clauses")
        for warning in unreachable(protocol):
            print(f"{path}: warning: {warning}")
    for problem in problems:
        print(problem)
    return EXIT_PROBLEMS if problems else 0


def _councils(library: Library) -> dict[str, Protocol | None]:
    """Every council this deployment serves, for checking a contacts file (None: its file is broken)."""
    out: dict[str, Protocol | None] = {}
    for council in library.ids:
        try:
            out[council] = library.protocol(council)
        except ProtocolDataError:
            out[council] = None
    return out


def _check(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    """The self-test a clerk runs after editing: one line per check, exit 1 if any fails."""
    from . import selfcheck

    protocol = library.protocol(args.council)
    checks = selfcheck.run(protocol)
    failed = any(not c.ok for c in checks)
    if args.json:
        _print_json({"council": protocol.id, "ok": not failed, "checks": [vars(c) for c in checks]})
    else:
        print("\n".join(c.line for c in checks))
    return EXIT_PROBLEMS if failed else 0


def _import(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    """Draft a council's file from its document; print what to review, each with where it came from."""
    from .importing import import_source

    imported = import_source(args.source, args.council)
    out: Path = args.out or Path(f"{imported.protocol.id}.yaml")
    if out.exists() and not args.force:
        raise SettingsError(f"{out} exists; choose another --out or add --force to replace it")
    try:
        out.write_text(imported.yaml, encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot write {out} ({exc.strerror or type(exc).__name__})") from None
    protocol = imported.protocol
    print(
        f"wrote {out}: {protocol.council}, {len(protocol.sections)} sections, {len(protocol.clauses)} clauses, "
        f"{len(protocol.roles)} roles, {len(protocol.procedures)} procedures, {len(protocol.concerns)} kinds of concern"
    )
    print(f"review these {len(imported.review)} points (also at the top of the file):")
    for note in imported.review:
        print(f"  {note.line}")
    print(f"then: chatops validate {out} && CHATOPS_PROTOCOL_DIR={out.parent} chatops check {protocol.id}")
    return 0


def _schema(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    text = json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


def schema() -> dict[str, Any]:
    """The JSON Schema another council's protocol file is checked against."""
    out = Protocol.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "chatops protocol file"
    return out


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


_ACTIONS = {
    "console": _console,
    "command": _command,
    "search": _search,
    "triage": _triage,
    "validate": _validate,
    "import": _import,
    "check": _check,
    "schema": _schema,
    "serve": _serve,
    "manifest": _manifest,
    "diff": _diff,
    "publish": _publish,
    "outbox": _outbox,
}
