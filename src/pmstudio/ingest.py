"""Load an incident bundle and parse its materials into evidence (then redact it).

Inputs: a golden-format YAML (``materials``; ``expected`` is ignored), a folder of raw files with an
optional ``bundle.yaml`` manifest, one raw file, or ``-`` for stdin. Times are resolved in two passes:
the first finds the bundle's main cluster of fully dated items (with one cluster: from the earliest
dated item), which dates bare clock times; the second parses. Bad input raises :class:`BundleError`,
whose message is one line naming the file.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError

from pmstudio.parsers import BundleError, infer_kind, parse, reference_span
from pmstudio.parsers.files import load_yaml, read_stdin, read_text
from pmstudio.redact import RedactionMap, redact_bundle
from pmstudio.schema import MATERIAL_KINDS, Bundle, Evidence, Material, MaterialKind
from pmstudio.timeparse import zone

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BundleError",
    "bundle_from_materials",
    "infer_kind",
    "load_bundle",
    "parse_material",
]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MANIFEST_NAMES = ("bundle.yaml", "bundle.yml")
_YAML_SUFFIXES = (".yaml", ".yml")


class Manifest(BaseModel):
    """``bundle.yaml`` of a folder bundle (unknown keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    title: str | None = None
    timezone: str | None = None
    source: str | None = None
    kinds: dict[str, MaterialKind] = {}


def slug(name: str) -> str:
    """kebab-case id from a file or folder name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "bundle"


def _opt_str(value: Any, name: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float | date):
        return str(value)
    raise BundleError(name, f"`{key}` must be text")


# --------------------------------------------------------------------------- building


def _material(name: str, kind: Any, content: Any, where: str) -> Material:
    what = "" if where == name else f"material {name}: "
    if not isinstance(content, str):
        raise BundleError(where, f"{what}`content` must be text")
    if not content or content.isspace():
        raise BundleError(where, f"{what}empty content")
    content = content.replace("\r\n", "\n")
    if kind is None:
        try:
            kind = infer_kind(name, content)
        except BundleError as exc:
            raise BundleError(where, str(exc)) if where != name else exc from None
    if kind not in MATERIAL_KINDS:
        raise BundleError(where, f"{what}unknown kind {kind!r} (expected one of {', '.join(MATERIAL_KINDS)})")
    return Material(name=name, kind=kind, content=content)


def _zone_name(name: str | None, where: str) -> str:
    name = name or "UTC"
    try:
        zone(name)
    except ValueError as exc:
        raise BundleError(where, str(exc)) from None
    return name


def _build(
    materials: list[Material],
    *,
    id: str,
    tz_name: str,
    title: str | None,
    source: str | None,
    source_path: str | None,
    where: str,
    container: bool = False,
) -> Bundle:
    names = [m.name for m in materials]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BundleError(where, f"duplicate material name {duplicates[0]!r}")
    if not materials:
        raise BundleError(where, "no materials")
    tz = zone(_zone_name(tz_name, where))
    try:
        ref_span = reference_span(materials, tz)
        ref_date = ref_span[0].astimezone(tz).date() if ref_span else None
        evidence: list[Evidence] = []
        for material in materials:
            evidence.extend(parse(material, tz=tz, ref_date=ref_date, ref_span=ref_span))
    except BundleError as exc:
        if not container or exc.source == where:
            raise
        raise BundleError(where, str(exc)) from None
    people = list(dict.fromkeys(e.actor for e in evidence if e.actor))
    return Bundle(
        id=id,
        title=title,
        source=source,
        timezone=tz_name,
        materials=materials,
        evidence=evidence,
        people=people,
        source_path=source_path,
    )


def _finish(bundle: Bundle, redact: bool) -> tuple[Bundle, RedactionMap | None]:
    if not redact:
        return bundle, None
    return redact_bundle(bundle)


def _from_yaml(path: Path, text: str, timezone: str | None) -> Bundle:
    name = path.name
    data = load_yaml(text, name)
    if not isinstance(data, dict):
        raise BundleError(name, "not a bundle: expected a mapping with `materials`")
    if "materials" not in data:
        raise BundleError(name, "missing `materials`")
    raw = data["materials"]
    if not isinstance(raw, list) or not raw:
        raise BundleError(name, "`materials` must be a non-empty list")
    materials: list[Material] = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise BundleError(name, f"material #{i}: needs a `name` and `content`")
        materials.append(_material(entry["name"].strip(), entry.get("kind"), entry.get("content"), name))
    bundle_id = _opt_str(data.get("id"), name, "id") or slug(path.stem)
    tz_name = timezone or _opt_str(data.get("timezone"), name, "timezone")
    return _build(
        materials,
        id=bundle_id,
        tz_name=_zone_name(tz_name, name),
        where=name,
        source_path=str(path),
        container=True,
        title=_opt_str(data.get("title"), name, "title"),
        source=_opt_str(data.get("source"), name, "source"),
    )


def _manifest(path: Path, max_bytes: int) -> Manifest:
    data = load_yaml(read_text(path, path.name, max_bytes), path.name)
    if data is None:
        return Manifest()
    if not isinstance(data, dict):
        raise BundleError(path.name, "manifest must be a mapping (id, title, timezone, source, kinds)")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BundleError(path.name, f"{where}: {first['msg']}") from None


def _from_folder(folder: Path, timezone: str | None, max_bytes: int) -> Bundle:
    label = folder.name or str(folder)
    files = sorted(
        f
        for f in folder.rglob("*")
        if f.is_file() and not any(p.startswith(".") for p in f.relative_to(folder).parts)
    )
    manifest_path = next((f for f in files if f.relative_to(folder).as_posix() in MANIFEST_NAMES), None)
    manifest = _manifest(manifest_path, max_bytes) if manifest_path else Manifest()
    files = [f for f in files if f != manifest_path]
    if not files:
        raise BundleError(label, "no material files in the folder")
    total = sum(f.stat().st_size for f in files)
    if total > max_bytes:
        raise BundleError(label, f"materials total {total} bytes, over the limit of {max_bytes} bytes")
    names = {f.relative_to(folder).as_posix(): f for f in files}
    unknown = sorted(set(manifest.kinds) - set(names))
    if unknown:
        raise BundleError(
            manifest_path.name if manifest_path else label, f"kinds: no file named {unknown[0]!r}"
        )
    materials = [_material(n, manifest.kinds.get(n), read_text(f, n, max_bytes), n) for n, f in names.items()]
    tz_name = _zone_name(timezone or manifest.timezone, manifest_path.name if manifest_path else label)
    return _build(
        materials,
        id=manifest.id or slug(label),
        tz_name=tz_name,
        title=manifest.title,
        source=manifest.source,
        source_path=str(folder),
        where=label,
    )


# --------------------------------------------------------------------------- public API


def load_bundle(
    path: str | Path,
    *,
    timezone: str | None = None,
    redact: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: TextIO | None = None,
) -> tuple[Bundle, RedactionMap | None]:
    """Load a bundle from a golden YAML, a folder, one raw file, or ``-`` (stdin)."""
    if str(path) == "-":
        text = read_stdin(stdin or sys.stdin, max_bytes)
        material = _material("stdin", None, text, "stdin")
        tz_name = _zone_name(timezone, "stdin")
        bundle = _build(
            [material], id="stdin", tz_name=tz_name, title=None, source=None, source_path=None, where="stdin"
        )
        return _finish(bundle, redact)
    p = Path(path)
    if not p.exists():
        raise BundleError(str(path), "no such file or directory")
    if p.is_dir():
        return _finish(_from_folder(p, timezone, max_bytes), redact)
    text = read_text(p, p.name, max_bytes)
    if p.suffix.lower() in _YAML_SUFFIXES:
        return _finish(_from_yaml(p, text, timezone), redact)
    material = _material(p.name, None, text, p.name)
    bundle = _build(
        [material],
        id=slug(p.stem),
        tz_name=_zone_name(timezone, p.name),
        title=None,
        source=None,
        source_path=str(p),
        where=p.name,
    )
    return _finish(bundle, redact)


def bundle_from_materials(
    materials: list[Material],
    *,
    id: str,
    timezone: str = "UTC",
    title: str | None = None,
    source: str | None = None,
    redact: bool = True,
) -> tuple[Bundle, RedactionMap | None]:
    """A bundle from in-memory materials (pasted text, uploads, golden cases)."""
    checked = [_material(m.name, m.kind, m.content, m.name) for m in materials]
    bundle = _build(
        checked,
        id=id,
        tz_name=_zone_name(timezone, id),
        title=title,
        source=source,
        source_path=None,
        where=id,
    )
    return _finish(bundle, redact)


def parse_material(
    material: Material,
    *,
    tz: str,
    ref_date: date | None,
    ref_span: tuple[datetime, datetime] | None = None,
) -> list[Evidence]:
    """Evidence of one material; bare clock times go on ``ref_date`` (or, given ``ref_span``, the
    day that puts them in that span, as :func:`load_bundle` does)."""
    try:
        zone_info = zone(tz)
    except ValueError as exc:
        raise BundleError(material.name, str(exc)) from None
    return parse(material, tz=zone_info, ref_date=ref_date, ref_span=ref_span)
