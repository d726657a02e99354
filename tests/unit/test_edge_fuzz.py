"""Hypothesis at every edge where outside bytes come in: the webhook body, an export file, a bus payload and a
WebSocket frame. Each either yields something the read model can store or refuses with its own error type;
nothing else escapes (an escaping exception is a 500, a dead-lettered projection or a dropped connection)."""

from __future__ import annotations

import io
import json
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.gateway.ws import ClientAction, decode_action
from services.ingest.bot_updates import Ignored, InvalidUpdate, parse_update
from services.ingest.export_reader import ExportError, Rejected, read_export
from shared.contracts import ContractError
from shared.contracts.messages import MessageIngested, MessageUpdated
from shared.contracts.registry import decode, unstorable_field

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text as it arrives from clients: any code point, NUL and lone surrogates included.
any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
big_ints = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**15]))
json_scalars = st.one_of(st.none(), st.booleans(), big_ints, st.floats(allow_nan=False), any_text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)


def dumps(value: Any) -> bytes:
    """JSON with lone surrogates escaped (as a client could send them), never encoded raw."""
    return json.dumps(value, ensure_ascii=True).encode()


def message_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "message_id": big_ints,
            "date": st.one_of(big_ints, st.floats(allow_nan=False, allow_infinity=False)),
            "chat": st.fixed_dictionaries(
                {"id": big_ints, "type": st.sampled_from(["group", "supergroup", "channel", "bogus"])},
                optional={"title": any_text},
            ),
            "text": any_text,
        },
        optional={
            "from": st.fixed_dictionaries({"id": big_ints, "is_bot": st.booleans(), "first_name": any_text}),
            "edit_date": big_ints,
            "caption": any_text,
            "reply_to_message": st.fixed_dictionaries({"message_id": big_ints}),
        },
    )


@FUZZ
@given(kind=st.sampled_from(["message", "edited_message", "channel_post", "poll"]), message=message_fields())
def test_a_webhook_update_is_storable_or_refused_with_a_reason(kind: str, message: dict[str, Any]) -> None:
    body = dumps({"update_id": 1, kind: message})
    try:
        parsed = parse_update(body)
    except InvalidUpdate as exc:
        assert exc.reason
        return
    assert isinstance(parsed, (MessageIngested, MessageUpdated, Ignored))
    if not isinstance(parsed, Ignored):
        assert unstorable_field(parsed) is None, parsed


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), json_values.map(dumps)))
def test_any_webhook_body_is_an_update_or_an_invalid_update(body: bytes) -> None:
    try:
        parse_update(body)
    except InvalidUpdate:
        pass


@FUZZ
@given(
    messages=st.lists(
        st.fixed_dictionaries(
            {"id": big_ints, "type": st.just("message"), "date_unixtime": big_ints.map(str), "text": any_text},
            optional={"from": any_text, "from_id": any_text, "reply_to_message_id": big_ints},
        ),
        max_size=5,
    ),
    chat_id=big_ints,
)
def test_an_export_yields_storable_messages_or_rejections(messages: list[dict[str, Any]], chat_id: int) -> None:
    export = dumps({"name": "Чат", "type": "private_supergroup", "id": chat_id, "messages": messages})
    try:
        items = list(read_export(io.BytesIO(export)))
    except ExportError:
        return
    for item in items:
        assert isinstance(item, (MessageIngested, Rejected))
        if isinstance(item, MessageIngested):
            assert unstorable_field(item) is None, item


@FUZZ
@given(payload=st.one_of(st.binary(max_size=200), json_values.map(dumps)), data=json_values)
def test_a_bus_payload_decodes_to_a_storable_event_or_a_contract_error(payload: bytes, data: Any) -> None:
    for candidate in (
        payload,
        dumps(
            {
                "id": "0192a8a0-0000-7000-8000-000000000001",
                "type": "messages.ingested",
                "occurred_at": "2025-01-01T00:00:00Z",
                "correlation_id": "c",
                "producer": "fuzz",
                "data": {"key": "k", "chat_id": "1", "message_id": 1, "text": "t", "sent_at": "2025-01-01T00:00:00Z"}
                | (data if isinstance(data, dict) else {"text": data}),
            }
        ),
    ):
        try:
            envelope = decode(candidate)
        except ContractError:
            continue
        assert unstorable_field(envelope.data) is None


@FUZZ
@given(frame=st.one_of(any_text, json_values.map(lambda v: json.dumps(v, ensure_ascii=True))))
def test_a_websocket_frame_is_an_action_or_a_clear_refusal(frame: str) -> None:
    try:
        action = decode_action(frame)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return
    assert isinstance(action, ClientAction)
