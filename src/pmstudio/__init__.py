"""Postmortem Studio: draft blameless incident post-mortems with cooperating LLM agents."""

__version__ = "0.1.0"
