"""The gateway harness lives in shared/testing/gateway.py (registered in the root conftest)."""

from shared.testing.gateway import TOKEN, GatewayHarness

__all__ = ["TOKEN", "GatewayHarness"]
