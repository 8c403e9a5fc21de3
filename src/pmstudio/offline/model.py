"""The offline model as a pydantic-ai `FunctionModel`: it answers every section agent like a cloud model.

It reads the user prompt (evidence block + task) the agent sent, drafts the named section with the
deterministic drafter, and answers with a call to the agent's output tool. On a retry (schema
errors come back as a `RetryPromptPart`, the grounding validator's problems as a `ToolReturnPart`
of the output tool) it drafts again and drops exactly what was complained about.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from pydantic_ai import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.messages import ModelMessage, ModelRequest, RetryPromptPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from pmstudio.agents.messages import EVIDENCE_HEADER, ParsedPrompt, parse_prompt
from pmstudio.agents.sections import FullDraft
from pmstudio.offline.draft import ALL, OfflineDraftError, draft_section
from pmstudio.offline.feedback import apply_problems
from pmstudio.schema import SECTION_TYPES

MODEL_NAME = "offline"


@lru_cache(maxsize=4)
def _parse_evidence(text: str) -> ParsedPrompt:
    return parse_prompt(text)


def _user_texts(messages: list[ModelMessage]) -> list[str]:
    texts: list[str] = []
    for msg in messages:
        if not isinstance(msg, ModelRequest):
            continue
        for part in msg.parts:
            if not isinstance(part, UserPromptPart):
                continue
            content = part.content
            if isinstance(content, str):
                texts.append(content)
            else:
                texts.extend(c for c in content if isinstance(c, str))
    return texts


def parse_messages(messages: list[ModelMessage]) -> ParsedPrompt:
    """The evidence and task the agent sent (the evidence block is parsed once per content)."""
    evidence: ParsedPrompt | None = None
    rest: list[str] = []
    for text in _user_texts(messages):
        if text.startswith(EVIDENCE_HEADER) and evidence is None:
            evidence = _parse_evidence(text)
        else:
            rest.append(text)
    task = parse_prompt("\n".join(rest)) if rest else ParsedPrompt()
    if evidence is None:
        return task
    return ParsedPrompt(
        evidence=evidence.evidence if not task.evidence else [*evidence.evidence, *task.evidence],
        incident_id=evidence.incident_id or task.incident_id,
        title=evidence.title or task.title,
        section=task.section or evidence.section,
        context=task.context or evidence.context,
        feedback=task.feedback or evidence.feedback,
    )


def _retry_feedback(messages: list[ModelMessage], tool_name: str | None) -> tuple[list[str], list[dict[str, Any]]]:
    """Problems from the last request when it is a retry: grounding lines and schema error dicts."""
    if not messages or not isinstance(messages[-1], ModelRequest):
        return [], []
    problems: list[str] = []
    errors: list[dict[str, Any]] = []
    for part in messages[-1].parts:
        if isinstance(part, RetryPromptPart):
            if isinstance(part.content, str):
                problems += part.content.splitlines()
            else:
                errors += [dict(e) for e in part.content]
        elif isinstance(part, ToolReturnPart) and (tool_name is None or part.tool_name == tool_name):
            content = part.content if isinstance(part.content, str) else json.dumps(part.content, default=str)
            problems += content.splitlines()
    return problems, errors


def _output_schema(info: AgentInfo) -> dict[str, Any]:
    """The JSON schema the agent asks its answer in (output tool, or native / prompted output object)."""
    if info.output_tools:
        return info.output_tools[0].parameters_json_schema
    obj = info.model_request_parameters.output_object
    return dict(obj.json_schema) if obj is not None else {}


def _section_from_schema(info: AgentInfo) -> str:
    """The section an output tool's schema describes, when the task does not say."""
    schema = _output_schema(info)
    props = set(schema.get("properties", {}))
    if props == set(FullDraft.model_fields) and set(schema.get("required", [])) == props:
        return ALL
    for name, model in SECTION_TYPES.items():
        if props == set(model.model_fields):
            return name
    return ""


def _answer(messages: list[ModelMessage], info: AgentInfo) -> tuple[str | None, str]:
    """(output tool name or None for text output, JSON payload) for the request in `messages`."""
    parsed = parse_messages(messages)
    if not parsed.section:
        parsed.section = _section_from_schema(info)
    if not parsed.section:
        raise OfflineDraftError("offline model: the prompt names no section (expected a `# TASK` block)")
    tool = info.output_tools[0].name if info.output_tools else None
    data = draft_section(parsed)
    problems, errors = _retry_feedback(messages, tool)
    if problems or errors:
        data = apply_problems(data, parsed.section, problems, errors)
    model = FullDraft if parsed.section == ALL else SECTION_TYPES[parsed.section]
    payload = model.model_validate(data).model_dump_json()
    if parsed.section != ALL and set(SECTION_TYPES) < set(_output_schema(info).get("properties", {})):
        payload = f'{{"{parsed.section}": {payload}}}'  # the shared answer type: only the section asked for
    return tool, payload


def offline_function(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The FunctionModel body: draft the requested section and answer through the output tool."""
    tool, payload = _answer(messages, info)
    if tool is not None:
        return ModelResponse(parts=[ToolCallPart(tool, payload)])
    return ModelResponse(parts=[TextPart(payload)])


async def offline_stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
    """The same answer for `run_stream`, in one chunk."""
    tool, payload = await asyncio.to_thread(_answer, messages, info)
    if tool is not None:
        yield {0: DeltaToolCall(name=tool, json_args=payload)}
    else:
        yield payload


def offline_model() -> FunctionModel:
    """The built-in deterministic model: no network, no key, same agents as the cloud models."""
    return FunctionModel(offline_function, stream_function=offline_stream, model_name=MODEL_NAME)
