"""Helpers the dashboard pages share (pages in dashboard/views stay thin): escaping incident text,
uploads to materials, and the section layout of a post-mortem."""

from pmstudio.ui.escape import escape_md
from pmstudio.ui.sections import METRIC_SECTIONS, SECTION_TITLES, WHOLE_DRAFT, metric_section, schema_sections
from pmstudio.ui.uploads import Upload, materials_from_uploads

__all__ = [
    "METRIC_SECTIONS",
    "SECTION_TITLES",
    "WHOLE_DRAFT",
    "Upload",
    "escape_md",
    "materials_from_uploads",
    "metric_section",
    "schema_sections",
]
