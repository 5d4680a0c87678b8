#!/usr/bin/python3
"""The suite's dependency test: every GStreamer element, program, Python
module, pkg-config module and runtime file that the build, the emulator,
the demo, the docs and the tests use comes from a Debian package that the
install step (tools/debian-packages.txt) declares.

A green suite on a machine that someone has touched by hand proves nothing
about a fresh one: a package installed by hand makes every other test pass
here and fail everywhere else.  This test fails instead, naming the element
or program and the package that holds it.

Element names are read from the code, so that a new one cannot be
forgotten: gst_element_factory_make/find and the emulator's
make_element/add_element calls, every pipeline description in a C string
(adjacent literals joined), every gst-launch-1.0 line of the scripts and
documents, Gst.parse_launch and ElementFactory.make in Python, and the
emulator's own table (wanr2v-emulator --list-elements).  Elements picked at
run time by decodebin, which no code names, are listed in elements.txt.

A package counts as declared when it is listed, or when a listed package
depends on it (Depends/Pre-Depends, followed through installed packages):
the install step installs those too, and nothing else.

Usage: check-deps.py SOURCE_ROOT EMULATOR_BINARY
Prints one line per check and "N checked, M problems"; exits 1 on any
problem.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
EMULATOR = sys.argv[2] if len(sys.argv) > 2 else None
HERE = os.path.join(ROOT, "tests", "deps")
# The self-test points this at a copy with a package left out.
PACKAGE_LIST = os.environ.get("WANR2V_PACKAGE_LIST",
                              os.path.join(ROOT, "tools",
                                           "debian-packages.txt"))

# Ours: built by the project, not installed from a package.
OWN_ELEMENTS = {"wanr2vsrc"}

problems = []
checked = 0


def problem(text):
    problems.append(text)
    print("FAIL: " + text)


def ok(text):
    global checked
    checked += 1
    print("ok: " + text)


def read_table(name):
    """Lines "key package  # why" of tests/deps/NAME."""
    table = {}
    with open(os.path.join(HERE, name)) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 2:
                sys.exit("%s:%d: expected 'name package'" % (name, number))
            table[fields[0]] = fields[1]
    return table


def declared_packages():
    with open(PACKAGE_LIST) as f:
        listed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    # Installed packages and what they depend on, to follow the closure.
    out = subprocess.run(
        ["dpkg-query", "-W", "-f",
         "${Package}\t${db:Status-Status}\t${Essential}\t${Provides}\t"
         "${Depends}, ${Pre-Depends}\n"],
        capture_output=True, text=True, check=True).stdout
    installed, provides, depends = set(), {}, {}
    essential = set()
    for line in out.splitlines():
        name, status, ess, prov, deps = (line.split("\t") + [""] * 4)[:5]
        if status != "installed":
            continue
        installed.add(name)
        # Every Debian system has the essential packages (coreutils...).
        if ess == "yes":
            essential.add(name)
        for p in prov.split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, set()).add(name)
        alternatives = []
        for clause in deps.split(","):
            for alt in clause.split("|"):
                alt = alt.strip().split(" ")[0].split(":")[0]
                if alt:
                    alternatives.append(alt)
        depends[name] = alternatives
    closure, todo = set(), list(listed) + list(essential)
    while todo:
        p = todo.pop()
        names = ({p} if p in installed else set()) | provides.get(p, set())
        for n in names:
            if n not in closure:
                closure.add(n)
                todo.extend(depends.get(n, []))
    return listed, closure


def owners(paths):
    """{path: package} from dpkg -S, trying each path as given and resolved
    (Debian 12 merges /lib into /usr/lib; dpkg knows one of the two).  One
    dpkg-query for all: each call reads every package's file list."""
    candidates = {}
    for path in paths:
        real = os.path.realpath(path)
        tries = [path, real]
        # Merged /usr: dpkg may know /bin/x for /usr/bin/x, or the reverse.
        for p in (path, real):
            tries.append(p[len("/usr"):] if p.startswith("/usr/")
                         else "/usr" + p)
        candidates[path] = tries
    every = sorted({c for tries in candidates.values() for c in tries})
    if not every:
        return {}
    r = subprocess.run(["dpkg-query", "-S"] + every, capture_output=True,
                       text=True)
    known = {}
    for line in r.stdout.splitlines():
        if line.startswith("diversion by ") or ": " not in line:
            continue
        package, path = line.split(": ", 1)
        known.setdefault(path, package.split(",")[0].strip().split(":")[0])
    result = {}
    for path, tries in candidates.items():
        for candidate in tries:
            if candidate in known:
                result[path] = known[candidate]
                break
    return result


# ---- finding element names in the code --------------------------------------

C_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
C_CALLS = [
    re.compile(r'gst_element_factory_(?:make|find)\s*\(\s*"([^"]+)"'),
    re.compile(r'\b(?:make|add)_element\s*\([^;"]*"([^"]+)"'),
]
ELEMENT_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


def elements_of_description(desc):
    """First word of every '!'-separated part of a pipeline description:
    caps (video/x-raw...), pad references (d.video_0) and printf
    conversions are not elements."""
    names = []
    for part in desc.split("!"):
        words = part.replace("(", " ").split()
        if not words:
            continue
        word = words[0].strip("'\"")
        if ELEMENT_WORD.match(word):
            names.append(word)
    return names


def joined_c_strings(text):
    """Every C string, with adjacent literals joined, and its offset."""
    joined = []
    pos = 0
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*',
                         text):
        parts = C_STRING.findall(m.group(0))
        joined.append((m.start(), "".join(parts)))
        pos = m.end()
    return joined


def strip_c_comments(text):
    # Keep the line count: comments become blank of the same newlines.
    return re.sub(r"/\*.*?\*/",
                  lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


def registry_elements():
    """Names of every element this machine's registry knows."""
    out = subprocess.run(["gst-inspect-1.0"], capture_output=True,
                         text=True).stdout
    return {m.group(1) for m in re.finditer(r"^[^:\s]+:\s+([a-z0-9_]+):",
                                            out, re.M)}


def scan_c(path, found, known):
    with open(path, errors="replace") as f:
        text = strip_c_comments(f.read())

    def line_of(offset):
        return text.count("\n", 0, offset) + 1

    # Names handed around before they reach a factory (arrays of names,
    # "%s" arguments of descriptions): any literal that is exactly the
    # name of an installed element.  The patterns below also catch names
    # that this machine lacks.
    for m in re.finditer(r'"([a-z][a-z0-9_]*)"', text):
        if m.group(1) in known:
            found.setdefault(m.group(1), []).append(
                "%s:%d" % (path, line_of(m.start())))

    for pattern in C_CALLS:
        for m in pattern.finditer(text):
            found.setdefault(m.group(1), []).append(
                "%s:%d" % (path, line_of(m.start())))
    for offset, s in joined_c_strings(text):
        # A description names elements around a ' ! '; messages that
        # merely contain '!' do not have that shape.
        if not re.search(r"(^|\s)!(\s|$)", s):
            continue
        for name in elements_of_description(s):
            found.setdefault(name, []).append(
                "%s:%d" % (path, line_of(offset)))


def launch_lines(path):
    """gst-launch-1.0 commands of a script or document, continuations
    joined, with their line numbers."""
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    logical, start = "", 0
    for number, line in enumerate(lines, 1):
        if not logical:
            start = number
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        if "gst-launch-1.0" in logical:
            yield start, logical.split("gst-launch-1.0", 1)[1]
        logical = ""


def scan_launch(path, found):
    for number, command in launch_lines(path):
        words = command.split()
        while words and words[0].startswith("-"):
            words.pop(0)
        for name in elements_of_description(" ".join(words)):
            found.setdefault(name, []).append("%s:%d" % (path, number))


def scan_python(path, found):
    with open(path, errors="replace") as f:
        text = f.read()
    for m in re.finditer(r'ElementFactory\.make\(\s*["\']([^"\']+)', text):
        found.setdefault(m.group(1), []).append(
            "%s:%d" % (path, text.count("\n", 0, m.start()) + 1))
    for m in re.finditer(r'parse_launch\(\s*((?:["\'][^"\']*["\']\s*)+)',
                         text):
        desc = "".join(re.findall(r'["\']([^"\']*)["\']', m.group(1)))
        for name in elements_of_description(desc):
            found.setdefault(name, []).append(
                "%s:%d" % (path, text.count("\n", 0, m.start()) + 1))


def sources(patterns):
    files = []
    for p in patterns:
        files.extend(glob.glob(os.path.join(ROOT, p), recursive=True))
    return sorted(f for f in set(files)
                  if "/build" not in f[len(ROOT):] and os.path.isfile(f))


def elements_in_code():
    found = {}
    known = registry_elements()
    for path in sources(["src/**/*.c", "gst/**/*.c", "tests/**/*.c"]):
        scan_c(path, found, known)
    for path in sources(["tools/*.sh", ".ci/run", "README.md", "docs/*.md",
                         "tests/**/*.sh"]):
        scan_launch(path, found)
    for path in sources(["docs/examples/*.py", "tests/**/*.py", "tools/*.py"]):
        scan_python(path, found)
    # Report paths relative to the root.
    return {name: [w[len(ROOT) + 1:] if w.startswith(ROOT) else w
                   for w in where] for name, where in found.items()}


def emulator_table():
    if EMULATOR is None:
        return {}
    out = subprocess.run([EMULATOR, "--list-elements"], capture_output=True,
                         text=True, check=True).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


# ---- the checks ---------------------------------------------------------------

def element_file(name):
    """The plugin file that provides element @name, from the registry."""
    r = subprocess.run(["gst-inspect-1.0", name], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return None
    m = re.search(r"^\s+Filename\s+(\S+)", r.stdout, re.M)
    if m is None:
        return None
    if m.group(1) == "(null)":
        # bin, pipeline: built into the core library itself.
        core = glob.glob("/usr/lib/*/libgstreamer-1.0.so.0")
        return core[0] if core else None
    return m.group(1)


def check_owned(what, path, expected, listed, closure, owner):
    package = owner.get(path)
    if package is None:
        problem("%s (%s) belongs to no Debian package: installed by hand? "
                "The install step cannot provide it" % (what, path))
    elif package not in closure:
        problem("%s comes from Debian package %s, which %s does not declare: "
                "add it there" % (what, package, PACKAGE_LIST))
    elif expected is not None and package != expected:
        problem("%s comes from %s, but tests/deps says %s: correct the table"
                % (what, package, expected))
    else:
        ok("%s: %s (%s)" % (what, package,
                            "listed" if package in listed else
                            "a dependency of a listed package"))


def check_elements(listed, closure):
    table = read_table("elements.txt")
    emulator = emulator_table()
    for name, package in emulator.items():
        if name in table and table[name] != package:
            problem("element %s: the emulator's table says %s, "
                    "tests/deps/elements.txt says %s" %
                    (name, package, table[name]))
        table.setdefault(name, package)

    used = elements_in_code()
    for name, where in sorted(used.items()):
        if name in OWN_ELEMENTS or name in table:
            continue
        problem("element %s (used at %s) has no entry in "
                "tests/deps/elements.txt: find its package with "
                "'gst-inspect-1.0 %s' and 'dpkg -S' on its Filename" %
                (name, ", ".join(where[:3]), name))

    files = {}
    for name, package in sorted(table.items()):
        path = element_file(name)
        if path is None:
            problem("GStreamer element %s is not installed: it is in Debian "
                    "package %s%s" % (name, package,
                                      "" if package in listed else
                                      ", which tools/debian-packages.txt "
                                      "does not list"))
        else:
            files[name] = path
    owner = owners(set(files.values()))
    for name, path in sorted(files.items()):
        check_owned("element %s" % name, path, table[name], listed, closure,
                    owner)


def check_programs(listed, closure):
    table = read_table("programs.txt")
    # Programs the C code and meson files run by name must be in the table.
    used = {}
    for path in sources(["src/**/*.c", "gst/**/*.c", "tests/**/*.c"]):
        with open(path, errors="replace") as f:
            text = strip_c_comments(f.read())
        # The program of a spawn: g_find_program_in_path, the first
        # argument of g_subprocess_launcher_spawn, the first entry of an
        # argv array, the first string added to an argv GPtrArray.
        for pattern in (r'g_find_program_in_path\s*\(\s*"([^"]+)"',
                        r'g_subprocess_launcher_spawn\s*\([^"]*"([^"]+)"',
                        r'argv\[\]\s*=\s*\{\s*"([^"]+)"',
                        r'g_ptr_array_add\s*\(\s*(?:argv|args)\s*,\s*'
                        r'"(gst-[a-z0-9.-]+)"\)'):
            for m in re.finditer(pattern, text):
                used.setdefault(m.group(1), []).append(path[len(ROOT) + 1:])
    for path in sources(["meson.build", "**/meson.build"]):
        with open(path) as f:
            for m in re.finditer(r"find_program\(\s*'([^']+)'", f.read()):
                if "/" not in m.group(1) and not m.group(1).endswith(".sh"):
                    used.setdefault(m.group(1), []).append(
                        path[len(ROOT) + 1:])
    for name, where in sorted(used.items()):
        # argv arrays also hold a gst-launch line's words: a name counts
        # as a program when one by that name is installed.  (A missing one
        # makes the test that runs it fail anyway.)
        if shutil.which(name) is None and not name.startswith("gst-"):
            continue
        if name not in table:
            problem("program %s (run at %s) has no entry in "
                    "tests/deps/programs.txt" % (name, ", ".join(where[:3])))

    paths = {}
    for name, package in sorted(table.items()):
        path = name if name.startswith("/") else shutil.which(
            name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
            "/sbin:/bin")
        if path is None or not os.path.exists(path):
            problem("program %s is not installed: it is in Debian package %s"
                    % (name, package))
        else:
            paths[name] = path
    owner = owners(set(paths.values()))
    for name, path in sorted(paths.items()):
        check_owned("program %s" % name, path, table[name], listed, closure,
                    owner)


PYTHON_PROBE = r"""
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GIRepository", "2.0")
from gi.repository import Gst, GIRepository
import gi.overrides.Gst
Gst.init(None)
print("gi", gi.__file__)
print("typelib", GIRepository.Repository.get_default().get_typelib_path("Gst"))
print("overrides", gi.overrides.Gst.__file__)
"""


def check_python(listed, closure):
    table = read_table("python.txt")
    r = subprocess.run(["/usr/bin/python3", "-c", PYTHON_PROBE],
                       capture_output=True, text=True)
    if r.returncode != 0:
        problem("/usr/bin/python3 cannot import gi and Gst (docs/examples/"
                "generate.py needs them; packages %s): %s" %
                (" ".join(sorted(set(table.values()))),
                 r.stderr.strip().splitlines()[-1:]))
        return
    found = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    owner = owners(set(found.values()))
    for what, package in sorted(table.items()):
        check_owned("python %s" % what, found.get(what, "?"), package,
                    listed, closure, owner)


def check_pkgconfig(listed, closure):
    modules = set()
    for path in sources(["meson.build", "**/meson.build"]):
        with open(path) as f:
            modules.update(re.findall(r"dependency\(\s*'([^']+)'", f.read()))
    paths = {}
    for module in sorted(modules):
        r = subprocess.run(["pkg-config", "--variable=pcfiledir", module],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problem("pkg-config module %s (meson.build) is not installed" %
                    module)
            continue
        paths[module] = os.path.join(r.stdout.strip(), module + ".pc")
    owner = owners(set(paths.values()))
    for module, path in sorted(paths.items()):
        check_owned("pkg-config %s" % module, path, None, listed, closure,
                    owner)


def check_files(listed, closure):
    table = read_table("files.txt")
    paths = {}
    for pattern, package in sorted(table.items()):
        matches = sorted(glob.glob(pattern))
        if not matches:
            problem("%s is not installed: it is in Debian package %s" %
                    (pattern, package))
        else:
            paths[pattern] = matches[0]
    owner = owners(set(paths.values()))
    for pattern, path in sorted(paths.items()):
        check_owned("file %s" % path, path, table[pattern], listed, closure,
                    owner)


def main():
    listed, closure = declared_packages()
    missing = sorted(p for p in listed if p not in closure)
    for p in missing:
        problem("tools/debian-packages.txt lists %s, which is not installed"
                % p)
    check_elements(listed, closure)
    check_programs(listed, closure)
    check_python(listed, closure)
    check_pkgconfig(listed, closure)
    check_files(listed, closure)
    print("%d checked, %d problems" % (checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
