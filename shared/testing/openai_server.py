"""A tiny OpenAI-compatible HTTP server for tests: the real chat-completions wire format, scripted answers.

Serve `OpenAICompatible(...).app()` with `shared.testing.running.serving(app, health_path="/health")`
and point the `openai` SDK at `<base>/v1`. Each request is recorded so tests can check batching and auth.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, get, post

# What the server answers to one chat-completions request: the assistant's content, or (status, message)
# for an error response in OpenAI's error shape. A reply may be a coroutine (a test holds a call open).
Reply = str | tuple[int, str]


@dataclass
class OpenAICompatible:
    reply: Callable[[dict[str, Any]], Reply | Awaitable[Reply]]
    model: str = "test-model"
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Litestar:
        server = self

        @post("/v1/chat/completions", status_code=200)
        async def completions(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            body = await request.json()
            server.requests.append({"authorization": request.headers.get("authorization"), "body": body})
            answer = server.reply(body)
            if inspect.isawaitable(answer):
                answer = await answer
            if isinstance(answer, tuple):
                status, message = answer
                return Response(
                    {"error": {"message": message, "type": "server_error", "param": None, "code": None}},
                    status_code=status,
                )
            prompt_tokens = sum(len(str(m.get("content", ""))) // 4 for m in body.get("messages", []))
            completion_tokens = len(answer) // 4
            return Response(
                {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", server.model),
                    "system_fingerprint": None,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": answer, "refusal": None},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            )

        @get("/v1/models")
        async def models() -> dict[str, Any]:
            return {"object": "list", "data": [{"id": server.model, "object": "model", "created": 0, "owned_by": "tt"}]}

        @get("/health")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        # logging_config=None: a default Litestar app re-points the root logger at the stderr of the moment (a
        # test's captured stream, closed after it), and later records fail with "I/O operation on closed file".
        return Litestar(route_handlers=[completions, models, health], logging_config=None)
