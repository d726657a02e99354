"""Event contracts: the envelope, one typed payload Struct per event, and the registry."""

from shared.contracts.envelope import ContractError, Envelope, EventData, utcnow, uuid7
from shared.contracts.registry import REGISTRY, TOPICS, EventSpec, decode, encode, make_envelope, spec_for

__all__ = [
    "REGISTRY",
    "TOPICS",
    "ContractError",
    "Envelope",
    "EventData",
    "EventSpec",
    "decode",
    "encode",
    "make_envelope",
    "spec_for",
    "utcnow",
    "uuid7",
]
