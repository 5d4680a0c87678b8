#!/usr/bin/python3
"""Proves that the dependency test and the emulator's start-up check fail
where they must, on this very machine: a package left out of the install
step's list, and an element whose plugin is missing (its plugin file
hidden from a private registry).

Usage: test-check-deps.py SOURCE_ROOT EMULATOR_BINARY
"""

import glob
import os
import subprocess
import sys
import tempfile

ROOT, EMULATOR = os.path.abspath(sys.argv[1]), sys.argv[2]
CHECK = os.path.join(ROOT, "tests", "deps", "check-deps.py")
failures = []


def expect(what, condition, output):
    if condition:
        print("ok: " + what)
    else:
        failures.append(what)
        print("FAIL: %s\n---\n%s\n---" % (what, output))


def hidden_plugins_env(tmp, hidden):
    """An environment whose registry has every system plugin but @hidden."""
    plugins = os.path.join(tmp, "plugins")
    os.mkdir(plugins)
    for path in glob.glob("/usr/lib/*/gstreamer-1.0/*.so"):
        if os.path.basename(path) not in hidden:
            os.symlink(path, os.path.join(plugins, os.path.basename(path)))
    env = dict(os.environ)
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = plugins
    env["GST_REGISTRY_1_0"] = os.path.join(tmp, "registry.bin")
    env["GST_PLUGIN_PATH_1_0"] = os.environ.get("GST_PLUGIN_PATH", "")
    env.pop("GST_PLUGIN_PATH", None)
    return env


def run(argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, env=env,
                       timeout=300)
    return r.returncode, r.stdout + r.stderr


with tempfile.TemporaryDirectory() as tmp:
    # 1. The whole machine as it is: everything declared.
    code, out = run([CHECK, ROOT, EMULATOR])
    expect("every dependency is declared on this machine", code == 0, out)

    # 2. gstreamer1.0-x installed but no longer listed: undeclared.
    listed = os.path.join(tmp, "packages.txt")
    with open(os.path.join(ROOT, "tools", "debian-packages.txt")) as f:
        lines = [l for l in f if l.strip() != "gstreamer1.0-x"]
    with open(listed, "w") as f:
        f.writelines(lines)
    env = dict(os.environ, WANR2V_PACKAGE_LIST=listed)
    code, out = run([CHECK, ROOT, EMULATOR], env)
    expect("an installed but undeclared package fails, naming the element "
           "and the package",
           code != 0 and "element textoverlay comes from Debian package "
           "gstreamer1.0-x, which" in out, out)

    # 3. The pango plugin missing: the element and its package are named.
    hidden = os.path.join(tmp, "hidden")
    os.mkdir(hidden)
    env = hidden_plugins_env(hidden, {"libgstpango.so"})
    code, out = run([CHECK, ROOT, EMULATOR], env)
    expect("a missing element fails, naming its package",
           code != 0 and "GStreamer element textoverlay is not installed: "
           "it is in Debian package gstreamer1.0-x" in out, out)

    # 4. The emulator refuses to start without it, and says what to install.
    code, out = run([EMULATOR, "--port", "0"], env)
    expect("the emulator refuses to start without textoverlay",
           code == 3 and "GStreamer element 'textoverlay' is not installed "
           "(Debian package gstreamer1.0-x" in out
           and "apt-get install gstreamer1.0-x" in out
           and "API at" not in out, out)

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
