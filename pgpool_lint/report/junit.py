"""JUnit XML: one test suite per file, one failing test case per finding (CI test views)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from . import RenderContext

# characters XML 1.0 cannot hold at all (even escaped)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def render(diagnostics, out, ctx: RenderContext) -> None:
    by_file: dict[str, list] = {}
    for d in diagnostics:
        by_file.setdefault(d.filename, []).append(d)
    root = ET.Element("testsuites", name="pgpool-lint", tests=str(max(1, len(diagnostics))),
                      failures=str(len(diagnostics)), errors="0")
    if not diagnostics:
        suite = ET.SubElement(root, "testsuite", name="pgpool-lint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No findings", classname="pgpool-lint")
    for filename, items in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=_xml_safe(filename), tests=str(len(items)),
                              failures=str(len(items)), errors="0")
        for d in items:
            row, col = d.location
            case = ET.SubElement(suite, "testcase", name=f"{d.code} {d.name} ({row}:{col})",
                                 classname=_xml_safe(filename), file=_xml_safe(filename), line=str(row))
            failure = ET.SubElement(case, "failure", message=_xml_safe(d.message), type=d.code)
            body = f"{filename}:{row}:{col}: {d.code} [{d.name}] {d.message}"
            if d.help:
                body += f"\nhelp: {d.help}"
            failure.text = _xml_safe(body)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
