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
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, ValidationError

from pmstudio.parsers import BundleError, dated_minutes, infer_kind, parse, reference_span
from pmstudio.parsers.common import first_char
from pmstudio.parsers.echoes import align_dateless
from pmstudio.parsers.files import load_yaml, read_stdin, read_text
from pmstudio.parsers.zones import (
    Conflict,
    ZoneChoice,
    choose_zone,
    cross_check,
    describe,
    offset_at,
    overrides_for,
    reading,
    shifted_zone,
)
from pmstudio.redact import RedactionMap, redact_bundle
from pmstudio.schema import MATERIAL_KINDS, Bundle, Evidence, Material, MaterialKind, SourceTime
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
    timezones: dict[str, str] = {}


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


def _material(name: str, kind: Any, content: Any, where: str, timezone: Any = None) -> Material:
    what = "" if where == name else f"material {name}: "
    if timezone is not None:
        if not isinstance(timezone, str) or not timezone.strip():
            raise BundleError(where, f"{what}`timezone` must be an IANA zone name")
        try:
            zone(timezone.strip())
        except ValueError as exc:
            raise BundleError(where, f"{what}{exc}") from None
        timezone = timezone.strip()
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
    return Material(name=name, kind=kind, content=content, timezone=timezone)


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
    source_timezones: Mapping[str, str] | None = None,
    default_date: date | None = None,
    zone_given: bool = False,
) -> Bundle:
    names = [m.name for m in materials]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BundleError(where, f"duplicate material name {duplicates[0]!r}")
    if not materials:
        raise BundleError(where, "no materials")
    tz = zone(_zone_name(tz_name, where))
    overrides = _checked_overrides(materials, source_timezones, where)
    choices = {
        m.name: choose_zone(
            m, bundle_tz=tz, bundle_tz_name=tz_name, override=overrides.get(m.name), given=zone_given
        )
        for m in materials
    }
    try:
        counted_in = {m.name: choices[m.name].tz for m in materials}
        dated = {m.name: dated_minutes(m, counted_in[m.name]) for m in materials}
        ref_span = reference_span(dated)
        ref_date = ref_span[0].astimezone(tz).date() if ref_span else default_date
        parsed = {
            m.name: parse(m, tz=choices[m.name].tz, ref_date=ref_date, ref_span=ref_span) for m in materials
        }
        readings = {m.name: reading(m, choices[m.name]) for m in materials}
        notes = _reconcile(materials, choices, parsed, readings, ref_date=ref_date, ref_span=ref_span)
        for m in materials:  # a source the cross-source check re-zoned has its zone-less dated lines counted again
            if choices[m.name].tz is not counted_in[m.name]:
                dated[m.name] = dated_minutes(m, choices[m.name].tz)
        parsed = align_dateless(materials, parsed, {n: c.tz for n, c in choices.items()}, dated)
        for m in materials:
            if not readings[m.name].shifted_hours and _all_zoned(m, parsed[m.name]):
                readings[m.name] = readings[m.name].model_copy(update={"zoned": True})
    except BundleError as exc:
        if not container or exc.source == where:
            raise
        raise BundleError(where, str(exc)) from None
    evidence = [e for m in materials for e in parsed[m.name]]
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
        time_readings=[readings[m.name] for m in materials],
        time_conflicts=notes,
    )


def _checked_overrides(
    materials: list[Material], overrides: Mapping[str, str] | None, where: str
) -> dict[str, str]:
    try:
        checked = overrides_for(materials, overrides)
    except KeyError as exc:
        raise BundleError(where, f"--source-timezone: no material named {exc.args[0]!r}") from None
    for name, tz_name in checked.items():
        try:
            zone(tz_name)
        except ValueError as exc:
            raise BundleError(where, f"--source-timezone {name}: {exc}") from None
    return checked


_ZONED = re.compile(r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|\b[A-Z]{3,4}T?)\s*$")


def _trusted(material: Material, choice: ZoneChoice, items: list[Evidence]) -> bool:
    """A source whose times do not depend on a guessed zone (named, structured, or written with zones); a source whose
    zoned times all name one zone has its bare ones read in it (`written_zone`): a shift would put its bare times in
    another zone than the one its own author writes ("Date: ... +0200" over "down right after 20:00")."""
    if choice.explicit or choice.source == "written" or _structured(material):
        return True
    written = [e.time_text for e in items if e.time_text]
    return bool(written) and sum(bool(_ZONED.search(t)) for t in written) >= 0.8 * len(written)


def _structured(material: Material) -> bool:
    """Exports whose timestamps are absolute (PagerDuty, Slack epochs, Alertmanager JSON)."""
    return material.kind in ("pagerduty", "slack_export") or (
        material.kind == "alerts" and first_char(material.content) in ("{", "[")
    )


def _all_zoned(material: Material, items: list[Evidence]) -> bool:
    """Every time in the material states its own zone or offset, so no zone was chosen for it."""
    if _structured(material):
        return True
    written = [e.time_text for e in items if e.at is not None]
    return bool(written) and all(t is not None and _ZONED.search(t) for t in written)


def _reconcile(
    materials: list[Material],
    choices: dict[str, ZoneChoice],
    parsed: dict[str, list[Evidence]],
    readings: dict[str, SourceTime],
    *,
    ref_date: date | None,
    ref_span: tuple[datetime, datetime] | None,
) -> list[str]:
    """The cross-source check: report whole-hour disagreements; re-read a source whose zone was a
    default when shifting it agrees with every source it overlaps (all of them trusted)."""
    conflicts = cross_check([e for m in materials for e in parsed[m.name]])
    if not conflicts:
        return []
    by_name = {m.name: m for m in materials}
    trusted = {m.name: _trusted(m, choices[m.name], parsed[m.name]) for m in materials}
    literal = _literal_rereads(conflicts, by_name, choices, parsed, readings, trusted, ref_date=ref_date, ref_span=ref_span)
    if literal:  # re-read at its abbreviation's own offset: what still disagrees is checked again
        conflicts = cross_check([e for m in materials for e in parsed[m.name]])
        if not conflicts:
            return literal
    conflicted = {c.material for c in conflicts}
    notes: list[str] = []
    resolved: set[str] = set()
    for c in conflicts:
        m = by_name[c.material]
        if trusted[m.name] or not all(trusted[o] or o not in conflicted for o in c.others):
            continue
        when = next((e.at for e in parsed[m.name] if e.at is not None), None)
        if when is None:
            continue
        choice = shifted_zone(choices[m.name], c.hours, when)
        choices[m.name] = choice
        parsed[m.name] = parse(m, tz=choice.tz, ref_date=ref_date, ref_span=ref_span)
        note = describe(c, resolved=True)
        readings[m.name] = reading(m, choice, shifted=-c.hours, why=note)
        notes.append(note)
        resolved.add(m.name)
    for c in conflicts:
        if c.material in resolved or set(c.others) <= resolved:
            continue
        if trusted[c.material] and not any(o in conflicted for o in c.others):
            continue  # a source written with zones, matched by chance: the other side shows no shift
        if any(o in conflicted and o not in resolved and o < c.material for o in c.others):
            continue  # the same disagreement, already reported from the other side
        notes.append(describe(c, resolved=False))
    return literal + notes


def _literal_rereads(
    conflicts: list[Conflict],
    by_name: dict[str, Material],
    choices: dict[str, ZoneChoice],
    parsed: dict[str, list[Evidence]],
    readings: dict[str, SourceTime],
    trusted: dict[str, bool],
    *,
    ref_date: date | None,
    ref_span: tuple[datetime, datetime] | None,
) -> list[str]:
    """A source declaring a standard-time abbreviation ("times PST") is read as its region (Pacific time, UTC-7 in
    September); when that puts its events a whole hour off sources read without a guess, and the abbreviation's own
    fixed offset (UTC-8) is exactly the reading that agrees with them, it is re-read at that offset, and says so."""
    notes: list[str] = []
    for c in conflicts:
        choice = choices[c.material]
        if choice.literal is None or not any(trusted[o] for o in c.others):
            continue
        when = next((e.at for e in parsed[c.material] if e.at is not None), None)
        if when is None:
            continue
        fixed, name = choice.literal
        if offset_at(fixed, when) != offset_at(choice.tz, when) + timedelta(hours=c.hours):
            continue
        m = by_name[c.material]
        choices[m.name] = ZoneChoice(fixed, name, choice.source, choice.reason)
        # bare times are read at the fixed offset; times that name the abbreviation ("6:47:06 PST") are moved to it
        named = re.compile(rf"\b{re.escape(name)}\b")
        parsed[m.name] = [
            e.model_copy(update={"at": e.at + offset_at(choice.tz, e.at) - offset_at(fixed, e.at)})
            if e.at is not None and e.time_text and named.search(e.time_text) else e
            for e in parse(m, tz=fixed, ref_date=ref_date, ref_span=ref_span)
        ]
        note = f"{describe(c, resolved=True)} It was read at {name}'s own offset, not as the region's clock."
        readings[m.name] = reading(m, choices[m.name], shifted=-c.hours, why=note)
        notes.append(note)
    return notes


def _finish(bundle: Bundle, redact: bool) -> tuple[Bundle, RedactionMap | None]:
    if not redact:
        return bundle, None
    return redact_bundle(bundle)


def _from_yaml(path: Path, text: str, timezone: str | None, extra: dict[str, Any]) -> Bundle:
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
        materials.append(
            _material(
                entry["name"].strip(), entry.get("kind"), entry.get("content"), name, entry.get("timezone")
            )
        )
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
        **extra,
    )


def _manifest(path: Path, max_bytes: int) -> Manifest:
    data = load_yaml(read_text(path, path.name, max_bytes), path.name)
    if data is None:
        return Manifest()
    if not isinstance(data, dict):
        raise BundleError(
            path.name, "manifest must be a mapping (id, title, timezone, source, kinds, timezones)"
        )
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BundleError(path.name, f"{where}: {first['msg']}") from None


def _from_folder(folder: Path, timezone: str | None, max_bytes: int, extra: dict[str, Any]) -> Bundle:
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
    unknown_tz = sorted(set(manifest.timezones) - set(names))
    if unknown_tz:
        raise BundleError(
            manifest_path.name if manifest_path else label, f"timezones: no file named {unknown_tz[0]!r}"
        )
    materials = [
        _material(
            n,
            manifest.kinds.get(n),
            read_text(f, n, max_bytes),
            manifest_path.name if manifest_path and n in manifest.timezones else n,
            manifest.timezones.get(n),
        )
        for n, f in names.items()
    ]
    tz_name = _zone_name(timezone or manifest.timezone, manifest_path.name if manifest_path else label)
    return _build(
        materials,
        id=manifest.id or slug(label),
        tz_name=tz_name,
        title=manifest.title,
        source=manifest.source,
        source_path=str(folder),
        where=label,
        **extra,
    )


# --------------------------------------------------------------------------- public API


def load_bundle(
    path: str | Path,
    *,
    timezone: str | None = None,
    redact: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: TextIO | None = None,
    source_timezones: Mapping[str, str] | None = None,
    default_date: date | None = None,
) -> tuple[Bundle, RedactionMap | None]:
    """Load a bundle from a golden YAML, a folder, one raw file, or ``-`` (stdin).

    ``source_timezones`` names the zone of one material's bare times (material name -> IANA zone;
    a name that matches no material, or an unknown zone, is a :class:`BundleError`);
    ``default_date`` dates bare times when nothing in the materials gives a date."""
    extra: dict[str, Any] = {
        "source_timezones": source_timezones,
        "default_date": default_date,
        "zone_given": timezone is not None,
    }
    if str(path) == "-":
        text = read_stdin(stdin or sys.stdin, max_bytes)
        material = _material("stdin", None, text, "stdin")
        tz_name = _zone_name(timezone, "stdin")
        bundle = _build(
            [material],
            id="stdin",
            tz_name=tz_name,
            title=None,
            source=None,
            source_path=None,
            where="stdin",
            **extra,
        )
        return _finish(bundle, redact)
    p = Path(path)
    if not p.exists():
        raise BundleError(str(path), "no such file or directory")
    if p.is_dir():
        return _finish(_from_folder(p, timezone, max_bytes, extra), redact)
    text = read_text(p, p.name, max_bytes)
    if p.suffix.lower() in _YAML_SUFFIXES:
        return _finish(_from_yaml(p, text, timezone, extra), redact)
    material = _material(p.name, None, text, p.name)
    bundle = _build(
        [material],
        id=slug(p.stem),
        tz_name=_zone_name(timezone, p.name),
        title=None,
        source=None,
        source_path=str(p),
        where=p.name,
        **extra,
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
    source_timezones: Mapping[str, str] | None = None,
    default_date: date | None = None,
) -> tuple[Bundle, RedactionMap | None]:
    """A bundle from in-memory materials (pasted text, uploads, golden cases); ``source_timezones``
    and ``default_date`` as for :func:`load_bundle` (a dashboard's zone per file and incident date)."""
    checked = [_material(m.name, m.kind, m.content, m.name, m.timezone) for m in materials]
    bundle = _build(
        checked,
        id=id,
        tz_name=_zone_name(timezone, id),
        title=title,
        source=source,
        source_path=None,
        where=id,
        source_timezones=source_timezones,
        default_date=default_date,
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
