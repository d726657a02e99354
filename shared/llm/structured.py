"""One schema-constrained chat call to any OpenAI-compatible endpoint, decoded into a msgspec Struct.

The JSON schema sent as `response_format` is generated from the output Struct (`msgspec.json.schema`), and
the answer is decoded strictly against the same Struct, so what the model was asked for and what is accepted
cannot drift apart. An answer that does not fit is sent back once with the validation error; a second misfit
raises `InvalidOutput` with the reason. Token usage is summed over both attempts.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from openai import AsyncOpenAI

from shared.llm.agents import AgentConfig

T = TypeVar("T")
_NO_KEY = "unused"  # never let the SDK fall back to OPENAI_API_KEY and send it to a third-party server
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def json_schema(output: type) -> dict[str, Any]:
    """The Struct's JSON schema with an object at its root (providers refuse a bare top-level `$ref`)."""
    schema = msgspec.json.schema(output)
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        defs = schema.get("$defs", {})
        root = dict(defs[ref.removeprefix("#/$defs/")])
        root["$defs"] = defs
        return root
    return schema


class InvalidOutput(ValueError):
    """The model answered twice with something that does not fit the schema."""


class Usage(msgspec.Struct, kw_only=True):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class StructuredClient:
    def __init__(self, agent: AgentConfig, *, timeout_s: float = 60.0) -> None:
        self.agent = agent
        self._client = AsyncOpenAI(
            base_url=agent.base_url, api_key=agent.api_key or _NO_KEY, timeout=timeout_s, max_retries=1
        )

    def __repr__(self) -> str:
        return f"StructuredClient({self.agent!r})"

    async def complete(self, system: str, user: str, output: type[T], name: str, usage: Usage) -> T:
        """Ask, validate against `output`, ask once more on a misfit; `usage` accumulates tokens."""
        schema = json_schema(output)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        error = ""
        for _attempt in range(2):
            response = await self._client.chat.completions.create(
                model=self.agent.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.agent.temperature,
                max_tokens=self.agent.max_tokens,
                response_format={"type": "json_schema", "json_schema": {"name": name, "schema": schema}},
            )
            if response.usage is not None:
                usage.prompt_tokens += response.usage.prompt_tokens
                usage.completion_tokens += response.usage.completion_tokens
            content = (response.choices[0].message.content or "").strip() if response.choices else ""
            try:
                return msgspec.json.decode(_FENCE.sub("", content).encode(), type=output)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                error = str(exc) if content else "empty answer"
                messages += [
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": f"The answer does not fit the JSON schema: {error}. Answer again."},
                ]
        raise InvalidOutput(f"model output does not fit the schema after a retry: {error}")

    async def aclose(self) -> None:
        await self._client.close()
