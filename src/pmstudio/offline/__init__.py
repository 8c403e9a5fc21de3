"""The offline model: a deterministic, extractive post-mortem drafter plugged in as a pydantic-ai FunctionModel.

`offline_model()` is the product's default model (`--model offline`): it answers the same section
agents as cloud models do, drafting each section from the evidence block it is sent. It never
invents a time, number or name, cites evidence ids for every claim, and words everything blamelessly.
"""

from pmstudio.agents.messages import ParsedPrompt
from pmstudio.offline.draft import OfflineDraftError, draft_section
from pmstudio.offline.model import offline_function, offline_model

__all__ = ["OfflineDraftError", "ParsedPrompt", "draft_section", "offline_function", "offline_model"]
