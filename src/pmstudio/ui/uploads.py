"""Uploaded files and pasted text to ingest `Material`s (nothing is written to disk)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import yaml
from pydantic import ValidationError

from pmstudio.ingest import MANIFEST_NAMES, BundleError, Manifest, infer_kind
from pmstudio.schema import MATERIAL_KINDS, Material


class Upload(Protocol):
    name: str

    def getvalue(self) -> bytes: ...


def materials_from_uploads(
    files: Iterable[Upload], pasted: str = ""
) -> tuple[list[Material], dict[str, str]]:
    """Materials from uploaded files and pasted text, plus bundle metadata from a golden-format YAML.

    A folder's `bundle.yaml` uploaded with its files works as it does for the CLI on that folder: its id,
    title, timezone and source become the metadata, and its `kinds:` name the files' material kinds.
    Raises BundleError with a one-line message naming the file for empty, binary or malformed input.
    """
    materials: list[Material] = []
    meta: dict[str, str] = {}
    files = list(files)
    kinds: dict[str, str] = {}
    for f in files:
        if f.name.rsplit("/", 1)[-1] in MANIFEST_NAMES:
            manifest = _manifest(f)
            kinds = dict(manifest.kinds)
            meta = {k: str(v) for k, v in manifest.model_dump(exclude={"kinds"}).items() if v}
            names = {g.name for g in files}
            missing = sorted(set(kinds) - names)
            if missing:
                raise BundleError(f.name, f"kinds: no uploaded file named {missing[0]!r}")
    for f in files:
        if f.name.rsplit("/", 1)[-1] in MANIFEST_NAMES:
            continue
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
        kind = kinds.get(f.name) or infer_kind(f.name, text)
        materials.append(Material(name=f.name, kind=kind, content=text))  # type: ignore[arg-type]
    if pasted.strip():
        materials.append(Material(name="pasted.txt", kind=infer_kind("pasted.txt", pasted), content=pasted))
    if not materials:
        raise BundleError("input", "paste some text or upload at least one file")
    return materials, meta


def _manifest(f: Upload) -> Manifest:
    try:
        data = yaml.safe_load(f.getvalue().decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise BundleError(f.name, "malformed YAML") from None
    if data is None:
        return Manifest()
    if not isinstance(data, dict):
        raise BundleError(f.name, "manifest must be a mapping (id, title, timezone, source, kinds)")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BundleError(f.name, f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
