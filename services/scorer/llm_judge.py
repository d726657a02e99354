"""Optional LLM judge: an importance_scorer agent on an OpenAI-compatible provider scores messages in batches.

Every failure (network, HTTP status, malformed JSON, an out-of-enum class, a missing item) leaves the
affected messages to the heuristic; the judge can only improve a score, never block one.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Sequence
from typing import Annotated, Final, Literal

import asyncpg
import msgspec
from openai import AsyncOpenAI
from prometheus_client import Counter

from services.scorer.read_model import JudgeAgentRow, fetch_judge_agent
from services.scorer.scoring import Thresholds
from shared.crypto import SecretBox, SecretError
from shared.logging import get_logger

log = get_logger(__name__)

JUDGE_OUTCOMES = Counter("tt_scorer_judge_total", "Messages sent to the LLM judge, by outcome", ["outcome"])

Unit = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
MAX_TEXT: Final = 2_000  # characters of one message sent to the model; the rest adds cost, not judgement
OPENAI_URL: Final = "https://api.openai.com/v1"

SYSTEM_PROMPT: Final = """You rate the importance of team chat messages (Ukrainian, Russian or English) for a
knowledge base and task tracker. For every input message return an object:
{"id": <the input id>, "score": <0..1>, "classification": "signal" | "weak_signal" | "noise",
 "reasoning": <one short sentence>,
 "factors": {"knowledge_value": <0..1>, "actionability": <0..1>, "urgency": <0..1>}}
noise: greetings, thanks, agreement, reactions, laughter, small talk (score < {noise}).
signal: decisions, bugs and incidents with details, requirements, deadlines, concrete technical
questions or answers (score > {signal}). Everything in between is weak_signal.
Answer with JSON only: {"results": [ ...one object per input message, same ids... ]}"""


class VerdictFactors(msgspec.Struct, frozen=True, kw_only=True):
    knowledge_value: Unit
    actionability: Unit
    urgency: Unit


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    score: Unit
    classification: Literal["signal", "weak_signal", "noise"]
    reasoning: str = ""
    factors: VerdictFactors


class JudgeOutputError(ValueError):
    """The model's answer as a whole is unusable (not JSON, no results list)."""


class JudgeItem(msgspec.Struct, frozen=True):
    id: str
    text: str


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def parse_verdicts(content: str | None) -> dict[str, Verdict]:
    """Valid verdicts by id; invalid items are dropped (their messages fall back), a broken answer raises."""
    if not content:
        raise JudgeOutputError("empty answer")
    try:
        payload = json.loads(_FENCE.sub("", content.strip()))
    except json.JSONDecodeError as exc:
        raise JudgeOutputError(f"answer is not JSON: {exc.msg} at {exc.pos}") from None
    items = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise JudgeOutputError("answer has no 'results' list")
    verdicts: dict[str, Verdict] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), int):
            item = {**item, "id": str(item["id"])}  # models often turn "3" into 3
        try:
            verdict = msgspec.convert(item, Verdict)
        except msgspec.ValidationError as exc:
            log.info("judge_item_rejected", error=str(exc))
            continue
        verdicts.setdefault(verdict.id, verdict)
    return verdicts


def reconciled_score(verdict: Verdict, thresholds: Thresholds) -> float:
    """The model's score moved into its own class's band, so the stored label agrees with the thresholds."""
    score = verdict.score
    if verdict.classification == "noise":
        score = min(score, thresholds.noise - 0.001)
    elif verdict.classification == "signal":
        score = max(score, thresholds.signal + 0.001)
    else:
        score = min(max(score, thresholds.noise), thresholds.signal)
    return round(min(1.0, max(0.0, score)), 4)


class JudgeConfig(msgspec.Struct, frozen=True, kw_only=True):
    agent: str
    base_url: str
    model: str
    api_key: str | None
    temperature: float = 0.0
    max_tokens: int = 2048
    custom_prompt: str | None = None

    def __repr__(self) -> str:  # the API key never reaches a log line
        return f"JudgeConfig(agent={self.agent!r}, base_url={self.base_url!r}, model={self.model!r})"


def config_from_row(row: JudgeAgentRow, box: SecretBox | None) -> JudgeConfig | None:
    """A usable config, or None (with the reason logged) when the agent cannot be called."""
    base = row.base_url or (OPENAI_URL if row.provider_type == "openai" else None)
    if not base:
        log.warning("judge_disabled", agent=row.agent, reason="provider has no base_url")
        return None
    base = base.rstrip("/")
    if row.provider_type == "ollama" and not base.endswith("/v1"):
        base += "/v1"  # Ollama's OpenAI-compatible API lives under /v1
    model = row.model or (row.provider_models[0] if row.provider_models else None)
    if not model:
        log.warning("judge_disabled", agent=row.agent, reason="no model on the agent or its provider")
        return None
    api_key = None
    if row.api_key_encrypted:
        try:
            if box is None:
                raise SecretError("no secret key configured")
            api_key = box.decrypt(row.api_key_encrypted)
        except SecretError as exc:
            log.warning("judge_disabled", agent=row.agent, reason=str(exc))
            return None
    return JudgeConfig(
        agent=row.agent,
        base_url=base,
        model=model,
        api_key=api_key,
        temperature=row.temperature,
        max_tokens=row.max_tokens,
        custom_prompt=row.custom_prompt,
    )


class LlmJudge:
    def __init__(self, config: JudgeConfig, thresholds: Thresholds, *, batch_size: int = 20, timeout_s: float = 30.0):
        self.config = config
        self.batch_size = batch_size
        prompt = SYSTEM_PROMPT.replace("{noise}", f"{thresholds.noise:g}").replace("{signal}", f"{thresholds.signal:g}")
        # A custom prompt is appended, never replacing the built-in contract of the answer format.
        self._system = f"{prompt}\n\n{config.custom_prompt}" if config.custom_prompt else prompt
        self._client = AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",  # local servers accept any key; the SDK insists on one
            timeout=timeout_s,
            max_retries=1,
        )

    async def judge(self, items: Sequence[JudgeItem]) -> list[Verdict | None]:
        """One verdict (or None: use the heuristic) per item, asking the model once per chunk."""
        chunks = [items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)]
        answers = await asyncio.gather(*(self._judge_chunk(chunk) for chunk in chunks))
        return [verdict for answer in answers for verdict in answer]

    async def _judge_chunk(self, chunk: Sequence[JudgeItem]) -> list[Verdict | None]:
        user = json.dumps([{"id": item.id, "text": item.text[:MAX_TEXT]} for item in chunk], ensure_ascii=False)
        try:
            response = await self._client.chat.completions.create(
                model=self.config.model,
                messages=[{"role": "system", "content": self._system}, {"role": "user", "content": user}],
                temperature=self.config.temperature,
                max_tokens=self.config.max_tokens,
            )
            verdicts = parse_verdicts(response.choices[0].message.content if response.choices else None)
        except Exception as exc:  # any failure of the judge means "use the heuristic", never a lost message
            log.warning("judge_failed", agent=self.config.agent, size=len(chunk), error=f"{type(exc).__name__}")
            JUDGE_OUTCOMES.labels("failed").inc(len(chunk))
            return [None] * len(chunk)
        out = [verdicts.get(item.id) for item in chunk]
        judged = sum(v is not None for v in out)
        JUDGE_OUTCOMES.labels("judged").inc(judged)
        JUDGE_OUTCOMES.labels("invalid").inc(len(chunk) - judged)
        return out

    async def aclose(self) -> None:
        await self._client.close()


class JudgeSource:
    """The judge for the currently configured agent, re-read every `refresh_s` so config changes apply live."""

    def __init__(self, pool: asyncpg.Pool, thresholds: Thresholds, *, refresh_s: float = 60.0) -> None:
        self._pool = pool
        self._thresholds = thresholds
        self._refresh_s = refresh_s
        self._checked_at = float("-inf")
        self._judge: LlmJudge | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> LlmJudge | None:
        async with self._lock:
            if time.monotonic() - self._checked_at >= self._refresh_s:
                await self._reload()
            return self._judge

    async def _reload(self) -> None:
        self._checked_at = time.monotonic()
        try:
            row = await fetch_judge_agent(self._pool)
        except Exception as exc:
            log.warning("judge_config_unreadable", error=f"{type(exc).__name__}: {exc}")
            return  # keep whatever we had
        config = None if row is None else config_from_row(row, _secret_box())
        if config == (self._judge.config if self._judge else None):
            return
        if self._judge is not None:
            await self._judge.aclose()
        self._judge = None if config is None else LlmJudge(config, self._thresholds)
        log.info("judge_configured", judge=repr(config) if config else None)

    async def aclose(self) -> None:
        if self._judge is not None:
            await self._judge.aclose()


def _secret_box() -> SecretBox | None:
    try:
        return SecretBox.from_env()
    except SecretError:
        return None
