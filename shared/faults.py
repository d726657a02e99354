"""Which failures belong to the infrastructure (a broker or database going away) rather than to the data.

Such a failure says nothing about the message being handled: it is retried in place until the server is
back, never counted towards dead-lettering. Everything else keeps the retry-then-dead-letter path.
"""

from __future__ import annotations

import asyncpg
import nats.errors
import nats.js.errors

_BUS = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.TooManyStalledMsgsError,
)
_DATABASE = (
    asyncpg.PostgresConnectionError,  # class 08: connection does not exist, failure, rejected
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def is_infrastructure_error(exc: BaseException) -> bool:
    """True when retrying the same work later can succeed because only a server was unreachable."""
    if isinstance(exc, _BUS + _DATABASE):
        return True
    if isinstance(exc, nats.js.errors.APIError) and exc.code == 503:
        return True
    # Refused/reset sockets and timeouts; not every OSError (a missing file is not the network).
    return isinstance(exc, (ConnectionError, TimeoutError))


def retry_delay(attempt: int, base: float = 0.2, cap: float = 5.0) -> float:
    """Delay before the next in-place retry after `attempt` failures (0-based), doubling up to `cap`."""
    return float(min(cap, base * 2 ** min(attempt, 16)))
