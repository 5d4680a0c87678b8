#!/usr/bin/python3
"""The plugin and its engine, as installed: both go to one directory, and
the plugin finds its engine next to itself wherever that directory is.

meson's install plan must put libgstwanr2v.so and libgstwanr2v-engine.so.0
in the same directory.  Then both files are copied to a directory of their
own, outside the build tree, and GStreamer is pointed there: a dry run
(which needs the engine, and sends nothing) works, and without the engine's
file it fails naming the file in that directory.

Usage: test-install.py MESON BUILD_DIR GSTREAMER_PLUGINS_DIR.  TAP output.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

MESON, BUILD, GST_PLUGINS_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
PLUGIN = "libgstwanr2v.so"
ENGINE = "libgstwanr2v-engine.so.0"

results = []


def check(ok, what):
    results.append((bool(ok), what))
    print(("ok" if ok else "not ok"), len(results), "-", what, flush=True)


def dry_run(plugin_dir, system_dir, registry):
    # A registry of its own, over these two directories only: the
    # machine's other plugins are not scanned (some leak at load, which
    # the sanitizer run would count against this test).
    env = dict(os.environ, GST_PLUGIN_PATH=plugin_dir,
               GST_PLUGIN_SYSTEM_PATH_1_0=system_dir,
               GST_REGISTRY_1_0=registry, WANR2V_ENGINE_LIBRARY="")
    return subprocess.run(
        ["gst-launch-1.0", "-m", "wanr2vsrc", "api-key=sk-test",
         "prompt=Image 1 waves", "images=<https://example.com/girl.png>",
         "dry-run=true", "!", "fakesink"],
        env=env, capture_output=True, text=True, timeout=120)


print("TAP version 13", flush=True)
installed = json.loads(subprocess.run(
    [MESON, "introspect", "--installed", BUILD], check=True,
    capture_output=True, text=True).stdout)
targets = {os.path.basename(built): (built, dest)
           for built, dest in installed.items()}
check(PLUGIN in targets and ENGINE in targets,
      "meson installs both %s and %s" % (PLUGIN, ENGINE))
if PLUGIN in targets and ENGINE in targets:
    check(os.path.dirname(targets[PLUGIN][1])
          == os.path.dirname(targets[ENGINE][1]),
          "into the same directory (%s)" % os.path.dirname(
              targets[PLUGIN][1]))

    with tempfile.TemporaryDirectory(prefix="wanr2v-install-") as tmp:
        plugins = os.path.join(tmp, "gstreamer-1.0")
        system = os.path.join(tmp, "system")
        os.mkdir(plugins)
        os.mkdir(system)
        for name in (PLUGIN, ENGINE):
            shutil.copy2(targets[name][0], plugins)
        # fakesink's plugin, from GStreamer's own directory.
        core = os.path.join(GST_PLUGINS_DIR, "libgstcoreelements.so")
        os.symlink(core, os.path.join(system, os.path.basename(core)))
        done = dry_run(plugins, system, os.path.join(tmp, "registry-1.bin"))
        check(done.returncode == 0 and "wanr2v/dry-run" in done.stdout,
              "a dry run works with both files in another directory")
        if done.returncode != 0:
            print("# " + (done.stdout + done.stderr).replace("\n", "\n# "))

        os.unlink(os.path.join(plugins, ENGINE))
        failed = dry_run(plugins, system,
                         os.path.join(tmp, "registry-2.bin"))
        text = failed.stdout + failed.stderr
        check(failed.returncode != 0
              and os.path.join(plugins, ENGINE) in text,
              "without the engine, the run fails naming %s"
              % os.path.join(plugins, ENGINE))

print("1..%d" % len(results))
sys.exit(0 if all(ok for ok, _ in results) else 1)
