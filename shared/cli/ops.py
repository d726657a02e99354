"""Operator commands: `db backup | restore`, backup-before-migrate, `jobs reset-stuck`, `admin wipe`.

Registered by `add_ops_commands(sub)`, which must run after `add_db_commands(sub)`: it adds `backup` and
`restore` beside `db migrate` and wraps `db migrate` so it takes a backup first (`--no-backup` opts out).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from shared.settings import Settings

WIPE_TOKEN_TTL = timedelta(minutes=5)
# Configuration survives a data wipe: the seeded system agents, providers (with their encrypted keys),
# projects and schedules are set up by hand and are not data. yoyo's bookkeeping and the tokens stay too.
WIPE_KEEPS = frozenset({"admin_wipe_tokens", "llm_providers", "agents", "projects", "scheduled_extractions"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


# -- registration -------------------------------------------------------------------------------
def add_ops_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the operator commands; call after `add_db_commands` on the same subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: DATABASE_URL or the running `tracker up`)"
    )
    db_commands = _subcommands(subparsers.choices["db"])

    backup = db_commands.add_parser("backup", parents=[common], help="dump the database with pg_dump (plain SQL)")
    backup.add_argument("--out", type=Path, default=None, help="file to write (default: <TT_DATA_DIR>/backups/…)")
    backup.set_defaults(func=_run_backup)
    restore = db_commands.add_parser("restore", parents=[common], help="load a `tracker db backup` file with psql")
    restore.add_argument("file", type=Path)
    restore.set_defaults(func=_run_restore)

    migrate_parser = db_commands.choices["migrate"]
    migrate_parser.add_argument(
        "--no-backup", action="store_true", help="skip the backup taken before pending migrations are applied"
    )
    migrate_parser.set_defaults(func=_backup_then(migrate_parser.get_default("func")))

    jobs = subparsers.add_parser("jobs", help="ingestion jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    reset = jobs_commands.add_parser(
        "reset-stuck", parents=[common], help="fail ingestion jobs that have been running too long"
    )
    reset.add_argument("--older-than", default="1h", type=parse_duration, help="e.g. 30m, 1h, 2d (default 1h)")
    reset.add_argument("--nats-url", default=None, help="NATS URL (default: NATS_URL or the running `tracker up`)")
    reset.set_defaults(func=_run_reset_stuck)

    admin = subparsers.add_parser("admin", help="administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    wipe = admin_commands.add_parser(
        "wipe",
        parents=[common],
        help="delete all data (configuration kept): run once for a 5-minute token, again with --confirm TOKEN",
    )
    wipe.add_argument("--confirm", metavar="TOKEN", default=None, help="the token printed by the first step")
    wipe.set_defaults(func=_run_wipe)


def _already_added(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> bool:
    return "admin" in subparsers.choices


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("`db` has no subcommands: call add_db_commands before add_ops_commands")


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `1h`, `2d` → timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (expected e.g. 30m, 1h, 2d)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


# -- connection details -------------------------------------------------------------------------
def _settings_url(args: argparse.Namespace) -> str:
    # Same fallback as the runtime commands: the environment, else the running embedded `tracker up`.
    from shared.cli.runtime import resolve_settings

    url = getattr(args, "database_url", None) or resolve_settings().database_url
    if not url:
        raise SystemExit("error: no database: set DATABASE_URL or pass --database-url")
    return url


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """A URL libpq tools accept, with the password moved to PGPASSWORD so it never shows in `ps`.

    Handles TCP (`postgresql://u:p@host:5432/db`) and Unix-socket URLs (`postgresql://u:@/db?host=/dir`).
    """
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
    env: dict[str, str] = {}
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        user, _, password = userinfo.partition(":")
        if password:
            env["PGPASSWORD"] = unquote(password)
        netloc = f"{user}@{hostport}" if user else hostport
    return urlunsplit(("postgresql", netloc, parts.path, parts.query, "")), env


def pg_tool(name: str) -> str:
    """pg_dump / psql from the pgserver wheel (always installed with the project), else from PATH."""
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found: install the pgserver package or PostgreSQL client tools")
    return found


def _run_tool(command: list[str], env: dict[str, str]) -> int:
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stderr.strip() or f"{Path(command[0]).name} exited with {result.returncode}", file=sys.stderr)
    return result.returncode


# -- backup and restore -------------------------------------------------------------------------
def default_backup_path(database_url: str) -> Path:
    name = urlsplit(database_url).path.strip("/") or "postgres"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Settings.from_env().data_dir / "backups" / f"{name}-{stamp}.sql"


def backup(database_url: str, out: Path | None = None) -> Path:
    """Plain-SQL dump that drops and recreates every object, so it restores over a wiped or dropped schema."""
    target, env = libpq_target(database_url)
    out = out or default_backup_path(database_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # a failed dump never looks like a finished backup
    command = [
        pg_tool("pg_dump"),
        "--format=plain",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        f"--file={partial}",
        f"--dbname={target}",
    ]
    if _run_tool(command, env) != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError("pg_dump failed")
    partial.replace(out)
    return out


def restore(database_url: str, file: Path) -> None:
    """Load a backup in one transaction: either all of it applies or nothing changes."""
    if not file.is_file():
        raise FileNotFoundError(f"no such backup file: {file}")
    target, env = libpq_target(database_url)
    command = [
        pg_tool("psql"),
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set=ON_ERROR_STOP=1",
        f"--file={file}",
        f"--dbname={target}",
    ]
    if _run_tool(command, env) != 0:
        raise RuntimeError("psql failed; the database was left as it was")


def _run_backup(args: argparse.Namespace) -> int:
    from shared.cli.db import describe

    url = _settings_url(args)
    try:
        path = backup(url, args.out)
    except (RuntimeError, ValueError) as exc:
        print(f"error: {describe(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"{describe(url)}: backup written to {path} ({path.stat().st_size} bytes)")
    return 0


def _run_restore(args: argparse.Namespace) -> int:
    from shared.cli.db import describe

    url = _settings_url(args)
    try:
        restore(url, args.file)
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        print(f"error: {describe(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"{describe(url)}: restored from {args.file}")
    return 0


def _backup_then(migrate_func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """`db migrate` that first dumps the database when a migration is pending (unless --no-backup)."""

    def run(args: argparse.Namespace) -> int:
        if not args.no_backup:
            code = _backup_before_migrate(args)
            if code != 0:
                return code
        return int(migrate_func(args))

    return run


def _backup_before_migrate(args: argparse.Namespace) -> int:
    from shared.cli.db import describe
    from shared.db import migrate

    url = args.database_url or Settings.from_env().database_url
    if not url:
        return 0  # the wrapped command reports the missing URL
    try:
        pending = [m for m, applied in migrate.status(url) if not applied]
    except Exception:
        return 0  # unreachable database: let `migrate` report it with its own message
    if not pending:
        return 0  # nothing will change, so a backup would only cost time and disk
    try:
        path = backup(url)
    except (RuntimeError, ValueError) as exc:
        print(f"error: backup before migrating failed ({exc}); fix it or pass --no-backup", file=sys.stderr)
        return 1
    print(f"{describe(url)}: backup before {len(pending)} migration(s) written to {path}")
    return 0


# -- stuck ingestion jobs -----------------------------------------------------------------------
def _run_reset_stuck(args: argparse.Namespace) -> int:
    from shared.cli.runtime import resolve_settings

    settings = resolve_settings()
    url = args.database_url or settings.database_url
    nats_url = args.nats_url or settings.nats_url
    if not url or not nats_url:
        print("error: need both DATABASE_URL and NATS_URL (or a running `tracker up`)", file=sys.stderr)
        return 2
    failed = asyncio.run(reset_stuck(url, nats_url, settings.subject_prefix, args.older_than))
    for job_id in failed:
        print(f"failed       {job_id}")
    print(f"{len(failed)} stuck job(s) marked failed (running longer than {args.older_than})")
    return 0


async def reset_stuck(database_url: str, nats_url: str, prefix: str, older_than: timedelta) -> list[str]:
    """Publish `messages.ingestion.failed` for each job running longer than `older_than`.

    The gateway is the only writer of read models, so the job is failed through the bus like any other
    state change; the event is in the log and survives `tracker replay`. The dedupe id makes a second run
    for the same stuck attempt a no-op, and the current counters are carried so the failure keeps them.
    """
    import nats
    import psycopg

    from shared.bus.publisher import Publisher
    from shared.contracts.messages import IngestionFailed

    with psycopg.connect(libpq_target(database_url)[0], **_password(database_url)) as conn:
        rows = conn.execute(
            """
            SELECT id::text, started_at, fetched, stored, skipped, errors FROM ingestion_jobs
            WHERE status = 'running' AND started_at < now() - %s::interval
            ORDER BY started_at
            """,
            (older_than,),
        ).fetchall()
    if not rows:
        return []
    nc = await nats.connect(nats_url, name="tracker-ops")
    try:
        publisher = Publisher(nc.jetstream(), producer="ops", prefix=prefix)
        for job_id, started_at, fetched, stored, skipped, errors in rows:
            error = f"stuck: running since {started_at.isoformat()} (over {older_than}); reset by operator"
            event = IngestionFailed(
                job_id=job_id, error=error, fetched=fetched, stored=stored, skipped=skipped, errors=errors
            )
            await publisher.emit(event, msg_id=f"ingestion-reset:{job_id}:{started_at.isoformat()}")
    finally:
        await nc.drain()
    return [row[0] for row in rows]


def _password(database_url: str) -> dict[str, str]:
    password = libpq_target(database_url)[1].get("PGPASSWORD")
    return {"password": password} if password else {}


# -- two-step data wipe -------------------------------------------------------------------------
def _run_wipe(args: argparse.Namespace) -> int:
    url = _settings_url(args)
    if args.confirm is None:
        token = request_wipe(url, requested_by=os.environ.get("USER", "cli"))
        print("This deletes every message, topic, atom, task, run and the event log (configuration is kept).")
        print(f"To confirm within {int(WIPE_TOKEN_TTL.total_seconds() // 60)} minutes, run:")
        print(f"  tracker admin wipe --confirm {token}")
        return 0
    try:
        wiped = confirm_wipe(url, args.confirm)
    except PermissionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wiped {len(wiped)} tables: {', '.join(wiped)}")
    return 0


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_wipe(database_url: str, requested_by: str = "cli") -> str:
    """Step one: store the hash of a fresh token valid for five minutes; returns the token itself."""
    import psycopg

    token = secrets.token_hex(24)  # hex: a token starting with "-" would read as a flag
    with psycopg.connect(libpq_target(database_url)[0], **_password(database_url)) as conn:
        conn.execute(
            "INSERT INTO admin_wipe_tokens (token_hash, requested_by, expires_at) VALUES (%s, %s, now() + %s)",
            (_token_hash(token), requested_by, WIPE_TOKEN_TTL),
        )
    return token


def confirm_wipe(database_url: str, token: str) -> list[str]:
    """Step two: spend a valid, unexpired, unused token and empty every data table in one transaction."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(libpq_target(database_url)[0], **_password(database_url)) as conn:
        spent = conn.execute(
            """
            UPDATE admin_wipe_tokens SET used_at = now()
            WHERE token_hash = %s AND used_at IS NULL AND expires_at > now()
            RETURNING token_hash
            """,
            (_token_hash(token),),
        ).fetchone()
        if spent is None:
            raise PermissionError("token unknown, expired or already used: run `tracker admin wipe` again")
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            ).fetchall()
            if name not in WIPE_KEEPS and not name.startswith(("_yoyo", "yoyo"))
        ]
        if tables:
            conn.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
            )
    return tables


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.cli.ops …`: the full `tracker` CLI with these commands, until main.py registers them."""
    from shared.cli.main import build_parser

    parser = build_parser()
    subparsers = _subcommands(parser)
    if not _already_added(subparsers):
        add_ops_commands(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
