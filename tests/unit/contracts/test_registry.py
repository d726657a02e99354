"""Every registered event round-trips through the codec; anything else is rejected with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contracts import REGISTRY, TOPICS, ContractError, EventSpec, decode, encode, make_envelope
from shared.contracts.tasks import TaskCreated

aware_datetimes = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
# Text as chat really is: Ukrainian, Russian, English, emoji. Not NUL: a payload with one is refused at decode
# (PostgreSQL cannot store it), see test_a_payload_the_database_cannot_store_is_refused_at_decode.
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40
)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


def strategy(t: mi.Type) -> st.SearchStrategy[object]:
    """A hypothesis strategy for a msgspec type, read from msgspec's own type information."""
    match t:
        case mi.StrType():
            return texts
        case mi.IntType():
            return st.integers(-(2**53), 2**53)
        case mi.FloatType():
            return st.floats(allow_nan=False, allow_infinity=False, width=64)
        case mi.BoolType():
            return st.booleans()
        case mi.NoneType():
            return st.none()
        case mi.DateTimeType():
            return aware_datetimes
        case mi.LiteralType(values=values):
            return st.sampled_from(values)
        case mi.ListType(item_type=item):
            return st.lists(strategy(item), max_size=3)
        case mi.DictType(key_type=key, value_type=value):
            return st.dictionaries(strategy(key), strategy(value), max_size=3)
        case mi.UnionType(types=types):
            return st.one_of(*(strategy(u) for u in types))
        case mi.StructType(cls=cls, fields=fields):
            return st.builds(cls, **{f.name: strategy(f.type) for f in fields})
        case mi.AnyType():
            return json_values
    raise TypeError(f"no strategy for {t}")


@pytest.mark.parametrize("spec", list(REGISTRY.values()), ids=lambda s: s.type)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_registered_event_round_trips(spec: EventSpec, data: st.DataObject) -> None:
    payload = data.draw(strategy(mi.type_info(spec.data)))
    envelope = make_envelope(payload, producer="test", event_type=spec.type)
    decoded = decode(encode(envelope), subject=spec.subject("tt"))
    assert decoded == envelope
    assert type(decoded.data) is spec.data


def test_every_topic_of_the_operations_guide_is_registered() -> None:
    assert set(TOPICS) == {
        "agents",
        "tasks",
        "providers",
        "analysis",
        "proposals",
        "messages",
        "experiments",
        "knowledge",
        "noise_filtering",
        "projects",  # ours: project configuration (keywords, glossary) changes like agents and providers do
    }
    assert all(spec.topic is None for spec in REGISTRY.values() if spec.kind == "command")
    assert all(spec.subject("tt").startswith("tt.cmd.") for spec in REGISTRY.values() if spec.kind == "command")


def _envelope_bytes(**overrides: object) -> bytes:
    envelope = make_envelope(TaskCreated(task_id="1", title="Fix"), producer="test")
    raw = msgspec.json.decode(encode(envelope))
    raw.update(overrides)
    return msgspec.json.encode(raw)


def test_an_unknown_event_type_is_rejected_by_name() -> None:
    with pytest.raises(ContractError, match=r"unknown event type 'tasks\.exploded'"):
        decode(_envelope_bytes(type="tasks.exploded"))


def test_a_payload_that_breaks_its_contract_says_which_field() -> None:
    with pytest.raises(ContractError, match=r"invalid tasks.created payload: .*\$\.title"):
        decode(_envelope_bytes(data={"task_id": "1", "title": 42}))


def test_unknown_fields_are_rejected_not_dropped() -> None:
    with pytest.raises(ContractError, match="unknown field `priority_score`"):
        decode(_envelope_bytes(data={"task_id": "1", "title": "x", "priority_score": 3}))


def test_a_type_that_does_not_match_its_subject_is_rejected() -> None:
    with pytest.raises(ContractError, match="does not match subject"):
        decode(_envelope_bytes(), subject="tt.tasks.updated")


def test_naive_timestamps_are_rejected() -> None:
    with pytest.raises(ContractError, match="timezone"):
        decode(_envelope_bytes(occurred_at="2026-01-01T10:00:00"))


def test_garbage_is_a_contract_error_not_a_crash() -> None:
    with pytest.raises(ContractError, match="invalid envelope"):
        decode(b"\xff\x00 not json")


def test_a_payload_the_database_cannot_store_is_refused_at_decode() -> None:
    nul = encode(make_envelope(TaskCreated(task_id="t", title="a\x00b"), producer="test"))
    clean = encode(make_envelope(TaskCreated(task_id="t", title="ok", source_message_keys=["k"]), producer="test"))
    with pytest.raises(ContractError, match=r"\$\.data\.title: contains a NUL"):
        decode(nul)
    assert decode(clean).data.title == "ok"
