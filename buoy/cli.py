"""The `buoy` command: serve, users, demo data, audit export, checks, benchmarks.

Every Django management command stays reachable as `buoy manage <command> ...`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buoy.config.settings")
    import django

    django.setup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buoy", description="Buoy: resilience casework for hospital social workers."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, then run the production web server")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo department when the database has no cases",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=4)

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["worker", "supervisor", "researcher", "admin"]
    )
    add.add_argument(
        "--team",
        action="append",
        default=[],
        metavar="WARD",
        help="ward code; repeat for several wards",
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    add.add_argument("--first-name", default="")
    add.add_argument("--last-name", default="")
    password = user_commands.add_parser(
        "password",
        help="set a new password (signs the user out everywhere, revokes their API tokens)",
    )
    password.add_argument("username")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (default: ask twice)",
    )
    token = user_commands.add_parser(
        "token", help="print a new API token (revokes older ones), or --revoke them all"
    )
    token.add_argument("username")
    token.add_argument(
        "--revoke", action="store_true", help="revoke every API token of the user; make none"
    )

    demo = commands.add_parser("demo", help="load the demo department")
    demo.add_argument("--cases", type=int, default=40)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    export = audit_commands.add_parser("export", help="write the audit trail as CSV")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.add_argument("--since", help="first day, YYYY-MM-DD")
    export.add_argument("--until", help="last day, YYYY-MM-DD")
    export.add_argument("--actor", default="")
    export.add_argument("--action", default="", help="dotted prefix, e.g. cases.case")

    commands.add_parser("check", help="check configuration, database and migrations")

    from buoy.instruments.commands import add_parser as add_instruments_parser

    add_instruments_parser(commands)

    from buoy.coding.commands import add_parser as add_qda_parser

    add_qda_parser(commands)

    score = commands.add_parser(
        "score", help="score a CSV of answers without a database (docs/instruments/format.md)"
    )
    score.add_argument(
        "instrument", help="a bundled instrument id (cdrisc10) or a .json definition"
    )
    score.add_argument("file", help="CSV: an id column, then one column per item id; - for stdin")
    score.add_argument("-o", "--output", help="file to write (default: standard output)")
    score.add_argument(
        "--format", choices=["csv", "json"], default="csv", help="csv, or json (JSON Lines)"
    )
    score.add_argument("--id-column", metavar="NAME", help="the id column (default: the first)")

    from buoy.outcomes.commands import add_parser as add_stats_parser

    add_stats_parser(commands)

    from buoy.bench.commands import add_parser as add_bench_parser

    add_bench_parser(commands)

    manage = commands.add_parser("manage", help="run any Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`buoy ... | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "manage":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buoy.config.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["buoy manage", *args.args])
        return 0
    if args.command == "bench":
        # Before Django is set up: the benchmarks run in their own temporary BUOY_HOME.
        return _bench(args)
    if args.command == "stats":
        # Before Django is set up: statistics on a CSV need no database and no settings.
        from buoy.outcomes.commands import run as run_stats

        return run_stats(args)
    if args.command == "score":
        # Before Django is set up: batch scoring needs no database and no settings.
        from buoy.instruments.domain.batch import run

        return run(
            args.instrument, args.file, args.output, fmt=args.format, id_column=args.id_column
        )
    _setup_django()
    from buoy.audit.context import acting_from

    handler = {
        "serve": _serve,
        "user": _user,
        "demo": _demo,
        "audit": _audit,
        "check": _check,
        "instruments": _instruments,
        "qda": _qda,
    }[args.command]
    from django.db import DatabaseError

    try:
        if args.command in ("user", "audit", "instruments", "qda"):
            problem = _database_problem()
            if problem:
                return _fail(problem)
        with acting_from(None, "cli"):
            return handler(args)
    except DatabaseError as error:
        return _fail("the database could not be used: " + " ".join(str(error).split()))


def _database_problem() -> str | None:
    """Why the database is not ready for use, or None when it is."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return (
            "the database has migrations that are not applied: run `buoy serve` once, "
            "or `buoy manage migrate`"
        )
    return None


def _fail(message: str) -> int:
    print(f"buoy: {message}", file=sys.stderr)
    return 2


def _print_demo_accounts(passwords: dict[str, str], passwords_file: Path, url: str) -> None:
    print(f"\nBuoy demo department is ready. Log in at {url}")
    for username, password in passwords.items():
        print(f"  {username:<18} {password}")
    print(f"(These passwords are kept in {passwords_file}.)\n")


def _serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from buoy.config.environment import prepare_data_folder

    # Before the server's workers start, so they find one folder and one secret key.
    prepare_data_folder(settings.BUOY_HOME)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{args.host}:{args.port}/"
    if args.demo:
        from buoy.demo.department import load_demo_department

        result = load_demo_department(settings.BUOY_HOME)
        _print_demo_accounts(result.passwords, result.passwords_file, url)
    else:
        print(f"Buoy is starting at {url}")
    from gunicorn.app.base import BaseApplication

    class BuoyServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("timeout", 60)
            # Newer gunicorn opens a control socket in ~/.gunicorn; Buoy needs none.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from buoy.config.wsgi import application

            return application

    BuoyServer().run()
    return 0


def _user(args: argparse.Namespace) -> int:
    from buoy.access import services
    from buoy.access.domain.roles import Role
    from buoy.access.models import User
    from buoy.core.errors import InvalidInput

    if args.user_command == "add":
        password = None
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                return _fail("no password on standard input")
        try:
            user = services.add_user(
                actor=None,
                username=args.username,
                role=Role(args.role),
                ward_codes=args.team,
                password=password,
                first_name=args.first_name,
                last_name=args.last_name,
            )
        except InvalidInput as error:
            return _fail(str(error))
        print(f"created {user.username} ({user.role})")
        return 0
    holder = User.objects.filter(username=args.username).first()
    if holder is None:
        return _fail(f"no user named {args.username!r}")
    if args.user_command == "password":
        return _set_password(holder, from_stdin=args.password_stdin)
    if args.revoke:
        count = services.revoke_api_tokens(actor=None, user=holder)
        print(f"Revoked {count} API token{'' if count == 1 else 's'} of {holder.username}.")
        return 0
    try:
        key = services.issue_api_token(actor=None, user=holder)
    except InvalidInput as error:
        return _fail(str(error))
    print(f"New API token for {holder.username} (older tokens are revoked):")
    print(key)
    return 0


def _set_password(holder: Any, *, from_stdin: bool) -> int:
    """`buoy user password`: the operator's way to reset a password (also a forgotten admin's)."""
    import getpass

    from buoy.access import services
    from buoy.core.errors import InvalidInput

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            return _fail("no password on standard input")
    else:
        password = getpass.getpass(f"New password for {holder.username}: ")
        if getpass.getpass("The same again: ") != password:
            return _fail("the two passwords differ; nothing was changed")
    try:
        revoked = services.set_password(actor=None, user=holder, password=password)
    except InvalidInput as error:
        return _fail(str(error))
    print(
        f"Password set for {holder.username}: signed out everywhere, "
        f"{revoked} API token{'' if revoked == 1 else 's'} revoked."
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from buoy.demo.department import load_demo_department

    result = load_demo_department(settings.BUOY_HOME, cases=args.cases)
    print(f"demo department: {result.cases} cases added")
    _print_demo_accounts(result.passwords, result.passwords_file, "http://127.0.0.1:8000/")
    return 0


def _audit(args: argparse.Namespace) -> int:
    import datetime as dt

    from buoy.audit.selectors import AuditFilter, audit_events, write_csv
    from buoy.audit.services import record

    try:
        since = dt.date.fromisoformat(args.since) if args.since else None
        until = dt.date.fromisoformat(args.until) if args.until else None
    except ValueError as error:
        return _fail(f"dates are YYYY-MM-DD: {error}")
    filters = AuditFilter(actor=args.actor, action=args.action, since=since, until=until)
    events = audit_events(filters).iterator()
    record(actor=None, action="audit.trail.exported", context={"channel": "cli"})
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8") as handle:
            count = write_csv(events, handle)
        print(f"wrote {count} events to {args.output}", file=sys.stderr)
    else:
        write_csv(events, sys.stdout)
    return 0


def _check(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connection

    call_command("check")
    connection.ensure_connection()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    problem = _database_problem()
    if problem:
        print(f"migrations: {problem}")
        return 1
    print("migrations: all applied")
    return 0


def _instruments(args: argparse.Namespace) -> int:
    from buoy.instruments.commands import run

    return run(args)


def _qda(args: argparse.Namespace) -> int:
    from buoy.coding.commands import run

    return run(args)


def _bench(args: argparse.Namespace) -> int:
    from buoy.bench.commands import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
