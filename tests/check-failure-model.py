#!/usr/bin/env python3
"""The table "Crash and stop points" of docs/failure-model.md names, for each
point, the tests that check it: each of them must exist, and every test of
tests/element/test-stop.c and test-journal.c must be named in the table.

Usage: check-failure-model.py SOURCE_ROOT (TAP output)."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
doc = (root / "docs" / "failure-model.md").read_text()
section = doc.split("## Crash and stop points", 1)[1].split("\n## ", 1)[0]
rows = [line for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| point")]

element_tests = set()
for path in (root / "tests" / "element").glob("test-*.c"):
    element_tests |= set(re.findall(r"GST_START_TEST \((\w+)\)",
                                    path.read_text()))
unit = (root / "tests" / "unit" / "test-recover.c").read_text()
unit_tests = set(re.findall(r'g_test_add_func \("([^"]+)"', unit))

checks = []
named = set()
for row in rows:
    cells = [c.strip() for c in row.strip("|").split("|")]
    names = re.findall(r"`([^`]+)`", cells[-1])
    checks.append((cells[0], bool(names), "names no test"))
    for name in names:
        named.add(name)
        known = name in element_tests or name in unit_tests
        checks.append((name, known, "no such test"))
for name in ("test-stop.c", "test-journal.c"):
    text = (root / "tests" / "element" / name).read_text()
    for test in re.findall(r"GST_START_TEST \((\w+)\)", text):
        checks.append((test, test in named, "not in the table"))

if not rows:
    checks.append(("the table", False, "not found"))
print("1..%d" % len(checks))
failed = 0
for i, (what, ok, why) in enumerate(checks, 1):
    print("%s %d - %s%s" % ("ok" if ok else "not ok", i, what,
                            "" if ok else ": " + why))
    failed += not ok
sys.exit(1 if failed else 0)
