"""Test doubles shipped with the engine (as pydantic-ai ships `TestModel`): a fake LLM provider server.

`FakeProviderServer` speaks the real OpenAI and Anthropic wire protocols on 127.0.0.1, so tests,
benchmarks and demos exercise the real SDK code paths without a key or a network. Names are loaded
lazily, so `python -m pmstudio.testing.fake_server` runs the module cleanly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmstudio.testing.fake_server import REDACTED, FakeProviderServer, Fault, ServerConfig
    from pmstudio.testing.fake_tracker import FakeTrackerServer

__all__ = ["REDACTED", "FakeProviderServer", "FakeTrackerServer", "Fault", "ServerConfig"]


def __getattr__(name: str) -> Any:
    if name == "FakeTrackerServer":
        from pmstudio.testing import fake_tracker

        return fake_tracker.FakeTrackerServer
    if name in __all__:
        from pmstudio.testing import fake_server

        return getattr(fake_server, name)
    raise AttributeError(f"module 'pmstudio.testing' has no attribute {name!r}")
