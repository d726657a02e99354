"""Ask a provider for its model list: how a provider is validated (OpenAI `GET /models`, Ollama `GET /api/tags`).

Error texts name the status and the provider's own message, never the key (it only travels in a header).
"""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT_S = 10.0
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "ollama": "http://localhost:11434"}
# The offline default answers from this process: nothing to ask.
LOCAL_MODELS = ["offline"]


class ProviderUnreachable(Exception):
    """Validation failed; the message is safe to store and show."""


def models_url(provider_type: str, base_url: str) -> str:
    base = base_url.rstrip("/")
    if provider_type == "ollama":
        return f"{base.removesuffix('/v1')}/api/tags"
    return f"{base}/models"


def _error_text(response: httpx.Response) -> str:
    message = ""
    try:
        body: Any = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else str(error or "")
    except ValueError:
        message = response.text
    return f"HTTP {response.status_code}" + (f": {message[:300]}" if message else "")


def parse_models(provider_type: str, body: Any) -> list[str]:
    """Model ids from a model-list answer; anything else is a ProviderUnreachable naming what was wrong."""
    key, field = ("models", "name") if provider_type == "ollama" else ("data", "id")
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ProviderUnreachable(f"unexpected answer: no {key!r} list in the model list")
    names = [item.get(field) for item in items if isinstance(item, dict)]
    return sorted({name for name in names if isinstance(name, str) and name})


async def list_models(
    provider_type: str, base_url: str | None, api_key: str | None, *, timeout: float = TIMEOUT_S
) -> list[str]:
    if provider_type == "local":
        return list(LOCAL_MODELS)
    base = base_url or DEFAULT_BASE_URLS.get(provider_type)
    if not base:
        raise ProviderUnreachable("no base_url configured")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    url = models_url(provider_type, base)
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url, headers=headers)
    except httpx.TimeoutException:
        raise ProviderUnreachable(f"no answer from {url} within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise ProviderUnreachable(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        raise ProviderUnreachable(_error_text(response))
    try:
        body = response.json()
    except ValueError:
        raise ProviderUnreachable(f"the model list at {url} is not JSON") from None
    return parse_models(provider_type, body)
