"""The Compare page's two charts as plain Vega-Lite specs (dicts): metric means with their 95 % CIs per
variant, and cost / latency / tokens per draft against its quality.

Plain dicts, not Altair objects: Altair validates every channel against the Vega-Lite schema on each
page run (a third of a second per chart on a loaded 2-core machine) and is a slow import for the first
page. The specs carry no data; the page passes the frame next to them.

Sized for a phone as well as a desktop: the y-axis labels are capped, the legend sits below the plot, so
at 390 px the plot area keeps most of the width (tests/test_browser_models.py measures it).
"""

from __future__ import annotations

from typing import Any

COST_AXES = ("latency_ms", "cost_usd", "input_tokens")
LABEL_LIMIT = 96  # px of a y-axis label (metric ids are cut with an ellipsis; the tooltip has them whole)
VARIANT_STEP = 6  # px per variant inside a metric's row (Vega-Lite's default, 20, made a 30-metric chart 3,700 px tall)
SVG = {"embedOptions": {"renderer": "svg"}}  # a few hundred marks: SVG is light, and tests can measure the plot


def _legend() -> dict[str, Any]:
    return {"orient": "bottom", "direction": "vertical", "labelLimit": 300, "title": "variant"}


def metric_ci_spec() -> dict[str, Any]:
    """Per metric, one row per variant: the mean as a dot on its 95 % CI as a rule, on a 0-1 axis.

    Expects columns variant, metric, mean, ci_low, ci_high, pass_rate (rows without a mean dropped)."""
    color = {"field": "variant", "type": "nominal", "legend": _legend()}
    y = {"field": "metric", "type": "nominal", "title": None, "axis": {"labelLimit": LABEL_LIMIT}}
    y_offset = {"field": "variant", "type": "nominal"}
    return {
        "height": {"step": VARIANT_STEP, "for": "offset"},
        "usermeta": SVG,
        "layer": [
            {
                "mark": {"type": "rule"},
                "encoding": {
                    "x": {"field": "ci_low", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": "mean"},
                    "x2": {"field": "ci_high"},
                    "y": y, "yOffset": y_offset, "color": color,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 30},
                "encoding": {
                    "x": {"field": "mean", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": "mean"},
                    "y": y, "yOffset": y_offset, "color": color,
                    "tooltip": [{"field": f} for f in ("variant", "metric", "mean", "ci_low", "ci_high", "pass_rate")],
                },
            },
        ],
    }


def cost_spec(axis: str) -> dict[str, Any]:
    """One dot per draft: `axis` (latency_ms, cost_usd or input_tokens) against its mean score.

    Expects columns case_id, variant, latency_ms, cost_usd, input_tokens, quality, status."""
    if axis not in COST_AXES:
        raise ValueError(f"unknown cost axis {axis!r} (one of {', '.join(COST_AXES)})")
    return {
        "usermeta": SVG,
        "mark": {"type": "circle", "size": 70},
        "encoding": {
            "x": {"field": axis, "type": "quantitative"},
            "y": {"field": "quality", "type": "quantitative", "title": "mean score"},
            "color": {"field": "variant", "type": "nominal", "legend": _legend()},
            "tooltip": [{"field": f} for f in ("case_id", "variant", "latency_ms", "cost_usd", "quality", "status")],
        },
    }
