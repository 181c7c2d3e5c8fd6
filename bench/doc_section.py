# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""doc_section.py: the one way a bench script puts its generated section into
a document: the text between "<!-- NAME:begin" and "<!-- NAME:end -->" is
replaced (the section is appended when both markers are missing)."""


class MarkerError(Exception):
    pass


def write_section(doc_path, name, text):
    """Replaces section NAME of doc_path with text (which carries its own
    markers). Raises MarkerError when only one marker is there."""
    begin, end = f"<!-- {name}:begin", f"<!-- {name}:end -->"
    with open(doc_path) as f:
        doc = f.read()
    b, e = doc.find(begin), doc.find(end)
    if (b < 0) != (e < 0):
        raise MarkerError(f"{doc_path} has one {name} marker without the other: "
                          f"put back both '{begin} ... -->' and '{end}'")
    if b >= 0:
        doc = doc[:b] + text + doc[e + len(end) + 1:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(doc_path, "w") as f:
        f.write(doc)
