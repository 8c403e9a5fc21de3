"""Token usage and estimated cost of model runs.

`usage_from_run(result.usage, model_ref)` turns pydantic-ai's `RunUsage` into `schema.Usage` with an
estimated `cost_usd`: first from the project's price table (`pmstudio/data/prices.yaml`: overrides,
models the library lacks, and self-hosted servers at 0), then from genai-prices (the price library
pydantic-ai ships: by provider for anthropic/openai, by base URL for openai-compatible), else None
(unknown is never reported as 0). `offline` costs 0.

Token convention (as pydantic-ai and genai-prices): `input_tokens` includes cache-read and
cache-write tokens. Cost is computed on the run's totals, so providers' long-context price tiers
(per request) are approximated.
"""

from __future__ import annotations

import fnmatch
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml
from pydantic import BaseModel, Field

from pmstudio.models import ModelRef, parse_model_ref
from pmstudio.resources import data_file
from pmstudio.schema import Usage

PRICE_FILE = "prices.yaml"


class Price(BaseModel):
    """USD per million tokens."""

    match: str
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)

    def cost(self, usage: Usage) -> float:
        uncached = max(usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens, 0)
        read = self.input if self.cache_read is None else self.cache_read
        write = self.input if self.cache_write is None else self.cache_write
        total = (
            uncached * self.input
            + usage.output_tokens * self.output
            + usage.cache_read_tokens * read
            + usage.cache_write_tokens * write
        )
        return total / 1_000_000


class PriceTable(BaseModel):
    prices: list[Price] = Field(default_factory=list)


@lru_cache(maxsize=1)
def price_table() -> PriceTable:
    """The bundled price table (validated; a broken file is a clear error naming it)."""
    text = data_file(PRICE_FILE).read_text(encoding="utf-8")
    try:
        return PriceTable.model_validate(yaml.safe_load(text) or {})
    except Exception as exc:  # yaml or validation error: one line naming the file
        raise ValueError(f"pmstudio/data/{PRICE_FILE}: {str(exc).splitlines()[0]}") from exc


def _subject(ref: ModelRef) -> str:
    base = f"{ref.kind}:{ref.name}"
    return f"{base}@{ref.base_url}" if ref.kind == "openai-compatible" and ref.base_url else base


def table_price(ref: ModelRef, table: PriceTable | None = None) -> Price | None:
    subject = _subject(ref)
    for price in (table or price_table()).prices:
        if fnmatch.fnmatchcase(subject, price.match):
            return price
    return None


def _genai_price(usage: Usage, ref: ModelRef) -> float | None:
    from genai_prices import Usage as GenaiUsage
    from genai_prices import calc_price

    g = GenaiUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    try:
        if ref.kind == "openai-compatible":
            if not ref.base_url:
                return None
            calc = calc_price(g, ref.name, provider_api_url=ref.base_url)
        else:
            calc = calc_price(g, ref.name, provider_id=ref.kind)
    except LookupError:
        return None
    return float(Decimal(calc.total_price))


def estimate_cost(usage: Usage, model_ref: str | ModelRef) -> float | None:
    """USD for `usage` on `model_ref`, or None when no price is known."""
    ref = model_ref if isinstance(model_ref, ModelRef) else parse_model_ref(model_ref)
    if ref.kind == "offline":
        return 0.0
    price = table_price(ref)
    if price is not None:
        return round(price.cost(usage), 8)
    value = _genai_price(usage, ref)
    return None if value is None else round(value, 8)


def usage_from_run(result_usage: Any, model_ref: str | ModelRef) -> Usage:
    """`schema.Usage` (tokens, requests, estimated cost) from a pydantic-ai `RunUsage` (or None)."""

    def n(name: str) -> int:
        return int(getattr(result_usage, name, 0) or 0) if result_usage is not None else 0

    usage = Usage(
        input_tokens=n("input_tokens"),
        output_tokens=n("output_tokens"),
        cache_read_tokens=n("cache_read_tokens"),
        cache_write_tokens=n("cache_write_tokens"),
        requests=n("requests"),
    )
    usage.cost_usd = estimate_cost(usage, model_ref)
    return usage
