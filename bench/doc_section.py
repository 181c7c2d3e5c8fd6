# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""doc_section.py: the one way a bench script puts its generated section into
a document: the text between "<!-- NAME:begin" and "<!-- NAME:end -->" is
replaced (the section is appended when both markers are missing); and
publish(), the common end of such a script: the data as JSON, then the
section (or the text on stdout)."""
import json
import sys


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


def publish(tool, name, data, text, json_path=None, doc_path=None):
    """Writes data to json_path (if given), then text as section NAME of
    doc_path, or to stdout without one. Returns the exit status (1 with a
    message on stderr when the document's markers are broken)."""
    if json_path:
        with open(json_path, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
    if not doc_path:
        sys.stdout.write(text)
        return 0
    try:
        write_section(doc_path, name, text)
    except MarkerError as e:
        print(f"{tool}: {e}", file=sys.stderr)
        return 1
    return 0
