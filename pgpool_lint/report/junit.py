"""JUnit XML: one test suite per file, one failing test case per finding (CI test views)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from . import RenderContext, terminal_safe


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
        suite = ET.SubElement(root, "testsuite", name=terminal_safe(filename), tests=str(len(items)),
                              failures=str(len(items)), errors="0")
        for d in items:
            row, col = d.location
            case = ET.SubElement(suite, "testcase", name=f"{d.code} {d.name} ({row}:{col})",
                                 classname=terminal_safe(filename), file=terminal_safe(filename), line=str(row))
            failure = ET.SubElement(case, "failure", message=terminal_safe(d.message), type=d.code)
            body = terminal_safe(f"{filename}:{row}:{col}: {d.code} [{d.name}] {d.message}")
            if d.help:
                body += f"\nhelp: {terminal_safe(d.help)}"  # each line escaped: XML 1.0 cannot hold most of them
            failure.text = body
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
