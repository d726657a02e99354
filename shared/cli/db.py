"""`tracker db migrate | rollback | status`: the read-model schema from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from shared.db import migrate
from shared.settings import Settings


def add_db_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `db` and its subcommands; each sets `func(args) -> exit code` on the namespace."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: the DATABASE_URL environment variable)"
    )
    db = subparsers.add_parser("db", help="database schema and data: migrate, rollback, status, backup, restore")
    commands = db.add_subparsers(dest="db_command", required=True, metavar="{migrate,rollback,status,backup,restore}")

    commands.add_parser("migrate", parents=[common], help="apply every pending migration").set_defaults(
        func=_run_migrate
    )
    rollback = commands.add_parser("rollback", parents=[common], help="roll back the latest migration(s)")
    rollback.add_argument("--steps", type=int, default=1, help="how many migrations to roll back (default 1)")
    rollback.set_defaults(func=_run_rollback)
    commands.add_parser("status", parents=[common], help="list migrations and whether each is applied").set_defaults(
        func=_run_status
    )


def describe(database_url: str) -> str:
    """Where a URL points, without its credentials (they never reach the terminal or logs)."""
    parts = urlsplit(database_url)
    host = parts.hostname or parse_qs(parts.query).get("host", ["local socket"])[0]
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


def _database_url(args: argparse.Namespace) -> str | None:
    url = args.database_url or Settings.from_env().database_url
    if not url:
        print("error: no database: set DATABASE_URL or pass --database-url", file=sys.stderr)
    return url or None


def _guarded(action: Callable[[str], int], args: argparse.Namespace) -> int:
    url = _database_url(args)
    if url is None:
        return 2
    try:
        return action(url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # connection refused, bad credentials, a failing migration, a held lock
        print(f"error: {describe(url)}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _run_migrate(args: argparse.Namespace) -> int:
    def action(url: str) -> int:
        applied = migrate.apply(url)
        for migration_id in applied:
            print(f"applied      {migration_id}")
        total = len(migrate.status(url))
        print(f"{describe(url)}: {len(applied)} applied now, schema up to date ({total} migrations)")
        return 0

    return _guarded(action, args)


def _run_rollback(args: argparse.Namespace) -> int:
    def action(url: str) -> int:
        rolled_back = migrate.rollback(url, steps=args.steps)
        for migration_id in rolled_back:
            print(f"rolled back  {migration_id}")
        if not rolled_back:
            print(f"{describe(url)}: nothing to roll back")
        return 0

    return _guarded(action, args)


def _run_status(args: argparse.Namespace) -> int:
    def action(url: str) -> int:
        rows = migrate.status(url)
        for migration_id, applied in rows:
            print(f"{'applied' if applied else 'pending':<12} {migration_id}")
        pending = sum(not applied for _, applied in rows)
        print(f"{describe(url)}: {len(rows) - pending} applied, {pending} pending")
        return 0

    return _guarded(action, args)
