"""Typed shapes of the configuration API's responses (providers, agents, projects).

Declaring them makes the OpenAPI document describe these routes field by field, so the dashboard's API types,
generated from that document, are exact; each answer is converted through its shape (`shaped`) on the way out.
A provider's key is never part of any shape: only `has_api_key` says whether one is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from shared.contracts.admin import AgentRole, ProviderType
from shared.contracts.common import Priority

ValidationStatus = Literal["pending", "validating", "connected", "error"]


class Shape(msgspec.Struct, frozen=True, kw_only=True):
    pass


class Provider(Shape):
    id: UUID
    name: str
    type: ProviderType
    base_url: str | None
    active: bool
    has_api_key: bool  # the key itself is write-only
    validation_status: ValidationStatus
    validation_error: str | None
    validated_at: datetime | None
    models: list[str]
    created_at: datetime
    updated_at: datetime


class ProviderModels(Shape):
    provider_id: UUID
    validation_status: ValidationStatus
    validation_error: str | None
    validated_at: datetime | None
    models: list[str]


class Agent(Shape):
    id: UUID
    name: str
    role: AgentRole
    provider_id: UUID | None
    model: str | None
    temperature: float
    max_tokens: int
    custom_prompt: str | None
    active: bool
    is_system: bool
    created_at: datetime
    updated_at: datetime


class AgentStats(Shape):
    agent_id: UUID
    role: AgentRole
    runs_total: int
    runs_24h: int
    runs_completed: int
    runs_failed: int
    success_rate: float | None  # completed among finished runs; None before any finished
    mean_duration_s: float | None
    items_produced_total: int
    items_produced_24h: int


class ProjectComponent(Shape):
    name: str
    keywords: list[str] = []


class ProjectPriorityRule(Shape):
    keywords: list[str]
    priority: Priority


class Project(Shape):
    id: UUID
    name: str
    description: str
    keywords: list[str]
    glossary: dict[str, str]
    components: list[ProjectComponent]
    priority_rules: list[ProjectPriorityRule]
    language: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
