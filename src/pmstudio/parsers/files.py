"""Reading inputs safely: size limit checked before reading, UTF-8 only, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import yaml

from pmstudio.parsers.common import BundleError


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise BundleError(name, "not UTF-8 text (binary?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BundleError(name, "not UTF-8 text (binary?)") from None
    if not text or text.isspace():
        raise BundleError(name, "empty file" if not text else "empty file (only whitespace)")
    return text.replace("\r\n", "\n")


def read_text(path: Path, name: str, max_bytes: int) -> str:
    """The UTF-8 text of ``path``; its size is checked against ``max_bytes`` before reading."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BundleError(name, f"file is {size} bytes, over the limit of {max_bytes} bytes")
        if size == 0:
            raise BundleError(name, "empty file")
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(name, f"cannot read: {exc.strerror or exc}") from None
    return _decode(data, name)


def read_stdin(stream: TextIO, max_bytes: int) -> str:
    """At most ``max_bytes`` of text from ``stream`` (more is an error, not a truncation)."""
    try:
        text = stream.read(max_bytes + 1)
    except UnicodeDecodeError:
        raise BundleError("stdin", "not UTF-8 text (binary?)") from None
    except OSError as exc:
        raise BundleError("stdin", f"cannot read: {exc}") from None
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise BundleError("stdin", f"input is over the limit of {max_bytes} bytes")
    if "\x00" in text[:8192]:
        raise BundleError("stdin", "not UTF-8 text (binary?)")
    if not text or text.isspace():
        raise BundleError("stdin", "empty input")
    return text.lstrip("\ufeff").replace("\r\n", "\n")


def load_yaml(text: str, name: str) -> Any:
    """``yaml.safe_load`` with the parser's line in the error."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BundleError(name, f"malformed YAML{where}: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise BundleError(name, f"malformed YAML: {exc}") from None
