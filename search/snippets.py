"""Highlighted snippets as safe HTML: text escaped, matches wrapped in <mark>."""

from __future__ import annotations

from html import escape


def snippet_html(fragment: str, ranges) -> str:
    """``ranges`` are (start, end) byte offsets into the UTF-8 fragment, as Tantivy gives them."""
    data = fragment.encode("utf-8")
    out, pos = [], 0
    for start, end in sorted(ranges):
        if start < pos:
            continue
        out.append(escape(data[pos:start].decode("utf-8", "ignore")))
        out.append("<mark>" + escape(data[start:end].decode("utf-8", "ignore")) + "</mark>")
        pos = end
    out.append(escape(data[pos:].decode("utf-8", "ignore")))
    return "".join(out).strip()
