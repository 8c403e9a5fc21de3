"""Test doubles shipped with the engine (as pydantic-ai ships `TestModel`): a fake LLM provider server.

`FakeProviderServer` speaks the real OpenAI and Anthropic wire protocols on 127.0.0.1, so tests,
benchmarks and demos exercise the real SDK code paths without a key or a network.
"""

from pmstudio.testing.fake_server import REDACTED, FakeProviderServer, Fault, ServerConfig

__all__ = ["REDACTED", "FakeProviderServer", "Fault", "ServerConfig"]
