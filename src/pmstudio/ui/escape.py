"""Safe display of incident text in Streamlit elements that render Markdown.

Material text is never rendered as HTML or live Markdown: `escape_md` backslash-escapes every
Markdown control character (and `:` so emoji/icon shortcodes stay literal, `$` so no LaTeX), so a
link, image or HTML tag in a chat line shows as plain text.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&])")


def escape_md(text: str | None) -> str:
    """`text` safe for st.markdown/st.error/labels: control characters escaped, newlines kept as line breaks."""
    return "  \n".join(_MD_SPECIAL.sub(r"\\\1", line) for line in text.splitlines()) if text else ""
