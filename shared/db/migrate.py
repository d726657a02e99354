"""Apply, roll back and inspect the read-model schema with yoyo-migrations."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yoyo import get_backend, read_migrations
from yoyo.backends import DatabaseBackend
from yoyo.migrations import MigrationList

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Several services may start together and each migrate first; the loser waits rather than fails.
LOCK_TIMEOUT_S = 60

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+asyncpg", "postgres+asyncpg"}


def yoyo_url(database_url: str) -> str:
    """Our libpq-style URL as yoyo wants it: the psycopg 3 backend, everything else unchanged.

    yoyo hands query parameters to psycopg as connection keywords and skips an empty host, so the
    Unix-socket form `postgresql://postgres:@/db?host=/socket/dir` needs no further rewriting.
    """
    parts = urlsplit(database_url)
    if parts.scheme not in _POSTGRES_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r}); expected postgresql://…")
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, parts.query, parts.fragment))


def migrations() -> MigrationList:
    return read_migrations(str(MIGRATIONS_DIR))


def _backend(database_url: str) -> DatabaseBackend:
    return get_backend(yoyo_url(database_url))


def apply(database_url: str) -> list[str]:
    """Apply every pending migration in order; returns the ids applied (empty when up to date)."""
    with _backend(database_url) as backend, backend.lock(LOCK_TIMEOUT_S):
        pending = backend.to_apply(migrations())
        backend.apply_migrations(pending)
        return [m.id for m in pending]


def rollback(database_url: str, steps: int = 1) -> list[str]:
    """Roll back the latest `steps` applied migrations, newest first; returns the ids rolled back."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    with _backend(database_url) as backend, backend.lock(LOCK_TIMEOUT_S):
        chosen = backend.to_rollback(migrations())[:steps]
        backend.rollback_migrations(chosen)
        return [m.id for m in chosen]


def status(database_url: str) -> list[tuple[str, bool]]:
    """Every known migration in order, with whether it is applied."""
    with _backend(database_url) as backend:
        applied = set(backend.get_applied_migration_hashes())
        return [(m.id, m.hash in applied) for m in migrations()]
