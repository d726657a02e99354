"""Noise filtering: statistics, score distribution, scoring on demand and manual classification overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from services.gateway.auth import bearer_from, token_identity
from services.gateway.noise.stats import Distribution, NoiseStats, noise_stats, score_distribution
from services.gateway.rate_limit import RATE_LIMITED
from services.scorer.context import MessageContext, scoring_input
from services.scorer.model import configured_model
from services.scorer.scoring import Thresholds, score_message
from shared.contracts.commands import ScoreUnscored
from shared.contracts.noise_filtering import ClassificationOverridden

MAX_TEXT = 20_000  # a chat message, not a document


class ScoreRequest(msgspec.Struct, frozen=True, kw_only=True):
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
    language: str | None = None
    is_reply: bool = False
    seconds_since_previous: Annotated[float, msgspec.Meta(ge=0)] | None = None
    author_signal_ratio: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None


class ScoreResult(msgspec.Struct, frozen=True, kw_only=True):
    score: float
    classification: str
    factors: dict[str, float]
    thresholds: dict[str, float]
    scorer: str = "heuristic"


class ScoreBatchRequest(msgspec.Struct, frozen=True, kw_only=True):
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100


class CommandAccepted(msgspec.Struct, frozen=True, kw_only=True):
    command_id: str
    type: str
    batch_size: int


class OverrideRequest(msgspec.Struct, frozen=True, kw_only=True):
    classification: Literal["signal", "weak_signal", "noise"]
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    overridden_by: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class OverrideAccepted(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    classification: str
    overridden_by: str
    event_id: str


def thresholds_of(state: State) -> Thresholds:
    settings = state.settings
    return Thresholds(noise=settings.noise_threshold, signal=settings.signal_threshold)


TREND_DAYS = (date(1970, 1, 1), date(9000, 12, 31))  # what `until` may be


class NoiseController(Controller):
    path = "/api/v1"
    tags = ["noise"]

    @get("/noise/stats", operation_id="noiseStats")
    async def stats(
        self,
        state: State,
        days: Annotated[int, QueryParameter(ge=1, le=90, description="days in the per-day trend")] = 7,
        top: Annotated[int, QueryParameter(ge=1, le=50, description="how many noisy chats to list")] = 5,
        until: Annotated[
            date | None, QueryParameter(description="last day of the trend (default today), e.g. the newest message's")
        ] = None,
    ) -> NoiseStats:
        """Counts per class (overrides win), signal ratio, per-day trend and the noisiest chats."""
        if until is not None and not TREND_DAYS[0] <= until <= TREND_DAYS[1]:
            # The driver sends date.min / date.max as ±infinity, and a day series ending at infinity never ends.
            raise ClientException(detail=f"until must lie between {TREND_DAYS[0]} and {TREND_DAYS[1]}, got {until}")
        today = until or datetime.now(UTC).date()
        return await noise_stats(state.pool, thresholds_of(state), today=today, days=days, top=top)

    @get("/noise/distribution", operation_id="noiseDistribution")
    async def distribution(
        self, state: State, bins: Annotated[int, QueryParameter(ge=2, le=100, description="histogram bins")] = 10
    ) -> Distribution:
        """Histogram of importance scores over [0, 1]."""
        return await score_distribution(state.pool, thresholds_of(state), bins=bins)

    @post("/noise/score", operation_id="noiseScoreText", status_code=200, opt={"scope": "read", **RATE_LIMITED})
    async def score(self, state: State, data: JSONBody[ScoreRequest]) -> ScoreResult:
        """Score one text in-process with the scorer's own code; changes nothing, so a read token is enough."""
        thresholds = thresholds_of(state)
        context = MessageContext(
            author_signal_ratio=data.author_signal_ratio,
            is_reply=data.is_reply,
            seconds_since_previous=data.seconds_since_previous,
        )
        model = configured_model(state.settings.scorer_model) or False  # the scorer stage's content model
        result = score_message(scoring_input(data.text, data.language, context), thresholds=thresholds, model=model)
        return ScoreResult(
            score=result.score,
            classification=result.classification,
            factors=result.factors,
            thresholds={"noise": thresholds.noise, "signal": thresholds.signal},
        )

    @post("/noise/score-batch", operation_id="noiseScoreUnscored", status_code=HTTP_202_ACCEPTED, opt=RATE_LIMITED)
    async def score_batch(self, state: State, data: JSONBody[ScoreBatchRequest | None] = None) -> CommandAccepted:
        """Ask the scorer to score every unscored message; progress arrives as `noise_filtering.batch_scored`."""
        batch_size = (data or ScoreBatchRequest()).batch_size
        envelope = await state.publisher.emit(ScoreUnscored(batch_size=batch_size))
        return CommandAccepted(command_id=envelope.id, type=envelope.type, batch_size=batch_size)

    @post(
        "/messages/{key:str}/classification",
        operation_id="messageOverrideClassification",
        status_code=HTTP_202_ACCEPTED,
        opt={"scope": "review"},
    )
    async def override(
        self, request: Request[Any, Any, Any], state: State, key: FromPath[str], data: JSONBody[OverrideRequest]
    ) -> OverrideAccepted:
        """Set a message's class by hand; the scorer's label is kept and both appear in the history."""
        if await state.pool.fetchval("SELECT 1 FROM messages WHERE key = $1", key) is None:
            raise NotFoundException(f"no message with key {key!r}")
        who = data.overridden_by or token_identity(bearer_from(request) or "")
        event = ClassificationOverridden(
            key=key,
            classification=data.classification,
            overridden_by=who,
            reason=data.reason,
            overridden_at=datetime.now(UTC),
        )
        envelope = await state.publisher.emit(event)
        return OverrideAccepted(key=key, classification=data.classification, overridden_by=who, event_id=envelope.id)
