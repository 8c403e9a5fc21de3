"""Uploaded files and pasted text to ingest `Material`s (nothing is written to disk)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import yaml

from pmstudio.ingest import BundleError, infer_kind
from pmstudio.schema import MATERIAL_KINDS, Material


class Upload(Protocol):
    name: str

    def getvalue(self) -> bytes: ...


def materials_from_uploads(
    files: Iterable[Upload], pasted: str = ""
) -> tuple[list[Material], dict[str, str]]:
    """Materials from uploaded files and pasted text, plus bundle metadata from a golden-format YAML.

    Raises BundleError with a one-line message naming the file for empty, binary or malformed input.
    """
    materials: list[Material] = []
    meta: dict[str, str] = {}
    for f in files:
        data = f.getvalue()
        if not data.strip():
            raise BundleError(f.name, "file is empty")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BundleError(f.name, "not UTF-8 text (binary?)") from None
        if f.name.endswith((".yaml", ".yml")):
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark is not None else ""
                raise BundleError(f.name, f"malformed YAML{where}") from None
            if isinstance(doc, dict) and "materials" in doc:
                for m in doc.get("materials") or []:
                    if not isinstance(m, dict) or m.get("kind") not in MATERIAL_KINDS:
                        kind = m.get("kind") if isinstance(m, dict) else None
                        raise BundleError(f.name, f"unknown material kind {kind!r}")
                    materials.append(
                        Material(name=str(m.get("name")), kind=m["kind"], content=str(m.get("content", "")))
                    )
                meta = {k: str(doc[k]) for k in ("id", "title", "timezone", "source") if doc.get(k)}
                continue
        materials.append(Material(name=f.name, kind=infer_kind(f.name, text), content=text))
    if pasted.strip():
        materials.append(Material(name="pasted.txt", kind=infer_kind("pasted.txt", pasted), content=pasted))
    if not materials:
        raise BundleError("input", "paste some text or upload at least one file")
    return materials, meta
