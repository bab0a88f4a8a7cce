"""Print the "which format lives where" table of ARCHITECTURE.md from the format registry.

    .venv/bin/python scripts/format_table.py        # the Markdown table (a test checks the doc)
"""

from __future__ import annotations

import importlib

from mediakit import formats


def rows() -> list[str]:
    out = [
        "| format | module | kinds | suffixes | media type | stored | extra | converts to |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in formats._module_names():
        mod = importlib.import_module(f"mediakit.formats.{name}")
        found = getattr(mod, "SPECS", None) or ((mod.SPEC,) if hasattr(mod, "SPEC") else ())
        for s in found:
            conv = sorted({t for k in s.kinds for t in s.for_kind(k).converts_to})
            out.append(
                f"| `{s.name}` | `formats/{name}.py` | {', '.join(s.kinds)} | {' '.join(s.suffixes)} | `{s.media_type}` "
                f"| {'yes' if s.stored else 'no'} | {s.extra or 'core'} | {', '.join(conv) or '-'} |"
            )
    return out


if __name__ == "__main__":
    print("\n".join(rows()))
