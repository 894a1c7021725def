"""The ``kefu`` command. Every failure ends with one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

EXIT_USAGE = 2
EXIT_FAIL = 1


class CommandError(Exception):
    """A failure to report as one line."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    from kefu import config

    try:
        config.validate()
        django.setup()
    except config.ConfigError as exc:
        raise CommandError(str(exc)) from None


def _needs_schema() -> None:
    """Refuse to go on against a database that `kefu init` has not prepared."""
    from pathlib import Path

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        raise CommandError("there is no database yet: run `kefu init` first")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        raise CommandError(f"cannot reach the database: {_one_line(exc)}") from None
    if pending:
        raise CommandError("the database is not ready: run `kefu init` first")


def _debug() -> bool:
    """KEFU_DEBUG is on (a malformed value counts as off: it was reported already)."""
    from kefu import config

    try:
        return config.flag("KEFU_DEBUG")
    except config.ConfigError:
        return False


def _is_database_error(exc: BaseException) -> bool:
    """The database refused or dropped the connection (not a bug in kefu)."""
    db = sys.modules.get("django.db")
    return db is not None and isinstance(exc, db.OperationalError | db.InterfaceError)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


# ---------------------------------------------------------------- commands


def cmd_init(args) -> None:
    _setup_django()
    from kefu.core import setup

    setup.initialise(admin_password=args.admin_password, out=print)


def cmd_serve(args) -> None:
    _setup_django()
    _needs_schema()
    from django.conf import settings

    from kefu import config
    from kefu.core.server import JobWorkerChild, serve

    bind = config.bind()
    workers = args.workers if args.workers is not None else config.web_workers()
    with_worker = not args.no_worker and not settings.REDIS_URL
    worker = None
    if with_worker:
        worker = JobWorkerChild([sys.executable, "-m", "kefu.cli", "worker", "--quiet"])
        worker.start()
    print(f"kefu is serving on http://{bind}/", flush=True)
    try:
        threads = args.threads if args.threads is not None else config.web_threads()
        serve(bind=str(bind), workers=workers, threads=threads)
    finally:
        if worker is not None:
            worker.stop()


def cmd_worker(args) -> None:
    _setup_django()
    _needs_schema()
    from django.core.management import call_command

    options = {"workers": args.workers} if args.workers else {}
    if args.quiet:
        options["verbose"] = False
    call_command("run_huey", **options)


def cmd_demo(args) -> None:
    _setup_django()
    _needs_schema()
    from kefu.core.demo import DemoError, load_demo

    try:
        load_demo(
            customers=args.customers,
            reset=args.reset,
            seed=args.seed,
            password=args.password,
            out=lambda line: print(line, flush=True),
        )
    except DemoError as exc:
        raise CommandError(str(exc)) from None


def cmd_token(args) -> None:
    _setup_django()
    _needs_schema()
    from kefu.core.models import User
    from kefu.core.tokens import create_token

    try:
        user = User.objects.get(username=args.user)
    except User.DoesNotExist:
        raise CommandError(f"no user named {args.user!r}") from None
    if not user.is_active:
        raise CommandError(f"user {args.user!r} is deactivated")
    print(create_token(actor=None, user=user, name=args.name or "cli"))


def cmd_backup(args) -> None:
    _setup_django()
    from kefu.core.backup import BackupError, backup

    try:
        path = backup(args.output, out=lambda line: print(line, file=sys.stderr, flush=True))
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(path)


def cmd_import_orders(args) -> None:
    from pathlib import Path

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"no file {args.file!r}")
    _setup_django()
    _needs_schema()
    import time

    from kefu.core.errors import NotFound
    from kefu.orders import services

    try:
        shop = services.find_shop(args.shop)
    except NotFound:
        raise CommandError(f"no shop with id or slug {args.shop!r}") from None
    started = time.monotonic()

    def progress(stage, batch) -> None:
        took = time.monotonic() - started
        if stage == "started":
            line = f"reading {path.name}: {batch.layout} layout, about {batch.rows_expected:,} rows"
        else:
            line = (
                f"read {batch.rows_total:,} rows: {batch.orders_done:,} orders done, "
                f"{batch.rows_failed:,} rows refused [{took:.1f}s]"
            )
        print(line, file=sys.stderr, flush=True)

    batch = services.import_file(
        shop=shop, path=path, filename=path.name, layout=args.layout, progress=progress
    )
    took = time.monotonic() - started
    if batch.status != batch.Status.DONE:
        raise CommandError(batch.message or "the import failed")
    for error in batch.errors[: args.show_refused]:
        print(f"row {error['line']}: {error['reason']}", file=sys.stderr)
    if len(batch.errors) > args.show_refused:
        more = len(batch.errors) - args.show_refused
        print(f"… and {more:,} more refused rows (import #{batch.pk})", file=sys.stderr)
    rate = batch.orders_done / took if took > 0 else 0
    print(
        f"imported {path.name} into {shop.slug} ({batch.layout} layout, import #{batch.pk}): "
        f"{batch.orders_created:,} orders created, {batch.orders_updated:,} updated, "
        f"{batch.orders_unchanged:,} unchanged, {batch.orders_failed:,} refused; "
        f"{batch.items_written:,} items, {batch.customers_created:,} new customers; "
        f"{batch.rows_failed:,} rows refused; {took:.1f}s ({rate:,.0f} orders/s)"
    )


def cmd_import_workload(args) -> None:
    from pathlib import Path

    directory = Path(args.directory)
    if not directory.is_dir():
        raise CommandError(f"no directory {args.directory!r}")
    _setup_django()
    _needs_schema()
    import time

    from kefu.core.errors import DomainError
    from kefu.tickets.workload import import_workload

    started = time.monotonic()

    def progress(line: str) -> None:
        print(f"{line} [{time.monotonic() - started:.1f}s]", file=sys.stderr, flush=True)

    try:
        result = import_workload(directory, out=progress, chunk=args.chunk)
    except DomainError as exc:
        raise CommandError(exc.message) from None
    took = time.monotonic() - started
    tickets_s = result["seconds"].get("tickets") or 0
    rate = result["tickets"] / tickets_s if tickets_s > 0 else 0
    print(
        f"imported {directory}: {result['customers']:,} customers, {result['orders']:,} "
        f"orders, {result['tickets']:,} tickets ({result['skipped_tickets']:,} already there "
        f"or without customer), {result['messages']:,} messages; {took:.1f}s "
        f"({rate:,.0f} tickets/s over the ticket phase)"
    )
    if args.json:
        import json

        print(json.dumps({**result, "total_seconds": round(took, 2)}))


def cmd_check(args) -> None:
    from kefu.core.checks import run_checks

    problems = run_checks()
    for level, message in problems:
        print(f"{level}: {message}")
    if any(level == "error" for level, _ in problems):
        raise SystemExit(EXIT_FAIL)
    if not problems:
        print("kefu configuration looks fine.")


def cmd_manage(args) -> None:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu manage", *args.rest])


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu",
        description=(
            "kefu: customer service for online shops. Configuration comes from KEFU_* "
            "environment variables (KEFU_DATA_DIR, KEFU_DATABASE_URL, KEFU_REDIS_URL, "
            "KEFU_SECRET_KEY, KEFU_ALLOWED_HOSTS, KEFU_TIME_ZONE, KEFU_BIND)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(fn=fn)
        return p

    p = add(
        "init",
        cmd_init,
        "Create the data directory, migrate the database and make the first admin.",
    )
    p.add_argument(
        "--admin-password",
        help=(
            "password for the first admin "
            "(default: KEFU_ADMIN_PASSWORD, else one is generated and printed)"
        ),
    )

    p = add(
        "serve",
        cmd_serve,
        "Serve kefu with gunicorn on KEFU_BIND; "
        "with the embedded default also runs the job worker.",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="web worker processes (default: KEFU_WEB_WORKERS, else 2 per CPU core, 2 to 8)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per web worker (default: KEFU_WEB_THREADS, else 1)",
    )
    p.add_argument(
        "--no-worker", action="store_true", help="do not start the job worker beside the web server"
    )

    p = add("worker", cmd_worker, "Run the background job worker and the minute tick (Huey).")
    p.add_argument("--workers", type=int, default=0, help="worker threads (default from settings)")
    p.add_argument("--quiet", action="store_true", help="log only warnings")

    p = add(
        "demo",
        cmd_demo,
        "Load a demo shop: users for each role, customers, orders, tickets in zh/ko/en.",
    )
    p.add_argument(
        "--customers", type=int, default=400, help="how many demo customers (default 400)"
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    p.add_argument(
        "--reset", action="store_true", help="delete the previous demo data first (demo data only)"
    )
    p.add_argument(
        "--password",
        help="password of the demo users (default: generated and printed; admin keeps its own)",
    )

    p = add("token", None, "API tokens.")
    tsub = p.add_subparsers(dest="token_command", metavar="ACTION")
    tc = tsub.add_parser("create", help="Create an API token and print only the token.")
    tc.add_argument("--user", required=True, help="user name the token acts as")
    tc.add_argument("--name", help="what the token is for")
    tc.set_defaults(fn=cmd_token)
    p.set_defaults(
        fn=lambda a: (_ for _ in ()).throw(CommandError("say `kefu token create --user NAME`"))
    )

    p = add(
        "backup",
        cmd_backup,
        "Write a consistent copy of the database (SQLite online backup, or pg_dump) "
        "and print its path.",
    )
    p.add_argument(
        "--output", "-o", help="file to write (default: DATA_DIR/backups/kefu-TIMESTAMP…)"
    )

    p = add("import", None, "Import data from files.")
    isub = p.add_subparsers(dest="import_command", metavar="WHAT")
    io = isub.add_parser(
        "orders",
        help="Import an order export (CSV or XLSX) into a shop.",
        description=(
            "Import an order export (CSV or XLSX: kefu's layout, a Taobao/Tmall seller "
            "export or a Shopify orders export) into a shop. Re-importing a file updates "
            "the orders, never duplicates them. Progress goes to stderr, the summary to stdout."
        ),
    )
    io.add_argument("file", help="the CSV or XLSX file")
    io.add_argument("--shop", required=True, help="the shop's id or slug")
    io.add_argument(
        "--layout",
        choices=["auto", "kefu", "taobao", "shopify"],
        default="auto",
        help="the file's layout (default: recognised from the headers)",
    )
    io.add_argument(
        "--show-refused",
        type=int,
        default=20,
        metavar="N",
        help="list at most N refused rows on stderr (default 20)",
    )
    io.set_defaults(fn=cmd_import_orders)
    iw = isub.add_parser(
        "workload",
        help="Bulk-load a customer-service history (workload JSONL directory).",
        description=(
            "Bulk-load a directory of agents.jsonl, customers.jsonl, orders.jsonl and "
            "tickets.jsonl (the shared benchmark workload) through kefu's bulk path, with "
            "the search index. Running it again skips what is already loaded. Progress goes "
            "to stderr, the summary to stdout."
        ),
    )
    iw.add_argument("directory", help="the workload directory")
    iw.add_argument(
        "--chunk", type=int, default=5000, help="tickets per transaction (default 5000)"
    )
    iw.add_argument(
        "--json", action="store_true", help="also print the counts and timings as one JSON line"
    )
    iw.set_defaults(fn=cmd_import_workload)
    p.set_defaults(
        fn=lambda a: (_ for _ in ()).throw(
            CommandError("say `kefu import orders FILE --shop S` or `kefu import workload DIR`")
        )
    )

    add("check", cmd_check, "Check the configuration and say what is wrong in plain words.")

    p = add("manage", cmd_manage, "Run a Django management command (for administrators).")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        args.fn(args)
    except CommandError as exc:
        print(f"kefu {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from kefu import config

        if isinstance(exc, config.ConfigError):
            print(f"kefu {args.command}: {exc}", file=sys.stderr)
            return EXIT_FAIL
        if _is_database_error(exc):
            print(
                f"kefu {args.command}: cannot reach the database: {_one_line(exc)}", file=sys.stderr
            )
        else:
            print(f"kefu {args.command}: failed: {_one_line(exc)}", file=sys.stderr)
        if _debug():
            raise
        return EXIT_FAIL
    return 0


if __name__ == "__main__":
    sys.exit(main())
