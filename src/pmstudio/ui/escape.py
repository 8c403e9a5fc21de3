"""Safe display of incident text in Streamlit elements that render Markdown.

Material text is never rendered as HTML, a link or live Markdown: `escape_md` backslash-escapes every
Markdown control character (and `:` so emoji/icon shortcodes stay literal, `$` so no LaTeX), so a
link, image or HTML tag in a chat line shows as plain text. Words the Markdown renderer would turn
into links by themselves (GFM autolinks: `https://…`, `www.…`, anything with an `@` such as
`user:pass@host` or an e-mail address) are shown as inline code, which is never linked.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:&])")
# a whitespace-delimited word that an autolinker could take for a URL or an e-mail address
_LINKISH = re.compile(r"\S*(?:@|://|\bwww\.|\bmailto:|\bxmpp:)\S*", re.I)


def code_span(text: str) -> str:
    """`text` as an inline code span (a fence longer than any backtick run inside it)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _line(line: str) -> str:
    out, pos = [], 0
    for m in _LINKISH.finditer(line):
        out.append(_MD_SPECIAL.sub(r"\\\1", line[pos : m.start()]))
        out.append(code_span(m.group(0)))
        pos = m.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", line[pos:]))
    return "".join(out)


def escape_md(text: str | None) -> str:
    """`text` safe for st.markdown/st.error/labels: control characters escaped, link-like words as code,
    newlines kept as line breaks."""
    return "  \n".join(_line(line) for line in text.splitlines()) if text else ""
