"""Output formats of `pmstudio check`: text, json, sarif (SARIF 2.1.0 for code scanning) and github
(workflow-command annotations that GitHub shows inline in pull requests).

Every format carries the same facts per finding: file, line, column, rule, severity, the span, the
message, the suggestion, and whether the finding fails the check (see `pmstudio.check.fails`).
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pmstudio.check import CheckReport, Located, fails

Format = Literal["text", "json", "sarif", "github"]
FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/postmortem-studio/pmstudio"


def _version() -> str:
    try:
        return version("pmstudio")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _level(loc: Located, declared: bool) -> str:
    """SARIF level: error when the finding fails the check, warning for other high/medium, note for low."""
    if fails(loc.finding, declared=declared):
        return "error"
    return "note" if loc.finding.severity == "low" else "warning"


def _text_line(path: str, loc: Located) -> str:
    f = loc.finding
    where = f"{path}:{loc.line}:{loc.column}" if loc.line else path
    hint = f" Suggested: {f.suggestion}" if f.suggestion else ""
    return f'{where}: [{f.severity}] {f.rule} in {f.section}: "{f.span}" - {f.message}{hint}'


def _summary(reports: dict[str, CheckReport]) -> str:
    found = [loc.finding for r in reports.values() for loc in r.findings]
    high = sum(f.severity == "high" for f in found)
    med = sum(f.severity == "medium" for f in found)
    failing = sum(r.exit_code for r in reports.values())
    files = f"{len(reports)} file{'s' if len(reports) != 1 else ''}"
    return f"check: {high} high, {med} medium, {len(found) - high - med} low in {files}; {failing} failing"


def to_json(reports: dict[str, CheckReport], declared: bool = False) -> str:
    rows = [
        {
            "path": path,
            "line": loc.line,
            "column": loc.column,
            **loc.finding.model_dump(include={"rule", "severity", "section", "span", "message", "replacement"}),
            "advice": loc.finding.advice,
            "fails": fails(loc.finding, declared=declared),
        }
        for path, report in reports.items()
        for loc in report.findings
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def to_sarif(reports: dict[str, CheckReport], declared: bool = False) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for path, report in reports.items():
        for loc in report.findings:
            f = loc.finding
            rules.setdefault(
                f.rule,
                {
                    "id": f.rule,
                    "name": f.rule.split("-", 1)[-1].replace("-", " "),
                    "shortDescription": {"text": f.message},
                    "helpUri": INFO_URI,
                },
            )
            region: dict[str, int] = {"startLine": max(loc.line, 1)}
            if loc.column:
                region |= {"startColumn": loc.column, "endColumn": max(loc.end_column, loc.column + 1)}
            text = f"{f.message} Span: \"{f.span}\"." + (f" Suggested: {f.suggestion}" if f.suggestion else "")
            results.append(
                {
                    "ruleId": f.rule,
                    "level": _level(loc, declared),
                    "message": {"text": text},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": path}, "region": region}}
                    ],
                    "properties": {"severity": f.severity, "section": f.section},
                }
            )
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pmstudio check",
                        "version": _version(),
                        "informationUri": INFO_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(reports: dict[str, CheckReport], declared: bool = False) -> str:
    """`::error file=…,line=…,col=…,title=…::message` lines (notice for low findings)."""
    kinds = {"error": "error", "warning": "warning", "note": "notice"}
    out = []
    for path, report in reports.items():
        for loc in report.findings:
            f = loc.finding
            props = [f"file={_escape_property(path)}"]
            if loc.line:
                props.append(f"line={loc.line}")
            if loc.column:
                props += [f"col={loc.column}", f"endColumn={max(loc.end_column, loc.column + 1)}"]
            props.append(f"title={_escape_property(f'{f.rule} ({f.severity})')}")
            message = f'{f.message} "{f.span}"' + (f" Suggested: {f.suggestion}" if f.suggestion else "")
            out.append(f"::{kinds[_level(loc, declared)]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(out)


def render(reports: dict[str, CheckReport], fmt: str, declared: bool = False) -> str:
    """All reports in one output format (text ends with a one-line summary)."""
    if fmt == "json":
        return to_json(reports, declared)
    if fmt == "sarif":
        return to_sarif(reports, declared)
    if fmt == "github":
        return to_github(reports, declared)
    lines = [_text_line(path, loc) for path, report in reports.items() for loc in report.findings]
    return "\n".join([*lines, _summary(reports)])
