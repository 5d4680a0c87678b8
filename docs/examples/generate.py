#!/usr/bin/python3
"""Generates one video with the wanr2vsrc GStreamer element and writes it to
a file: the cookbook's examples (docs/cookbook.md), from Python.

    generate.py --prompt "Image 1 waves at Image 2" \
        --image tests/data/red.png --image tests/data/green.jpg -o out.mp4

Only the options given become element properties: what is not given is left
to the service's defaults (or to the --request file).  Progress and the
task's status go to stderr; the exit status is 0 when the video is written,
1 when the element reported an error, 2 for bad options.

Needs PyGObject and GStreamer's introspection data and Python overrides
(Debian: python3-gi, gir1.2-gstreamer-1.0, python3-gst-1.0), and the
wanr2v plugin (installed, or GST_PLUGIN_PATH=build/gst).
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Generate a video with DashScope's Wan "
        "reference-to-video models through the wanr2vsrc element.")
    p.add_argument("-o", "--output", required=True,
                   help="where to write the MP4")
    service = p.add_argument_group("service")
    service.add_argument("--base-url", help="API base URL ending in /api/v1 "
                         "(default: DASHSCOPE_HTTP_BASE_URL, else Beijing)")
    service.add_argument("--api-key",
                         help="API key (default: DASHSCOPE_API_KEY)")
    service.add_argument("--model", help="wan2.7-r2v (default), "
                         "wan2.6-r2v or wan2.6-r2v-flash")
    service.add_argument("--request", metavar="FILE",
                         help="a JSON create-request body (as in the "
                         "service's curl examples); options override it")
    refs = p.add_argument_group("prompt and references")
    refs.add_argument("--prompt", help='refer to references as "Image 1", '
                      '"Video 1"... in the order given')
    refs.add_argument("--negative-prompt")
    refs.add_argument("--image", action="append", metavar="URI",
                      help='reference image ("Image N"); repeat for more; '
                      "path, file://, http(s)://, oss:// or data:")
    refs.add_argument("--video", action="append", metavar="URI",
                      help='reference video ("Video N"); repeat for more')
    refs.add_argument("--image-voice", action="append", metavar="URI",
                      help="voice of the image at the same position; "
                      'repeat in order, "" for an image without voice')
    refs.add_argument("--video-voice", action="append", metavar="URI",
                      help="voice of the video at the same position")
    refs.add_argument("--first-frame", metavar="URI",
                      help="image the video starts from (wan2.7)")
    params = p.add_argument_group("parameters")
    params.add_argument("--resolution", choices=["720P", "1080P"])
    params.add_argument("--ratio", choices=["16:9", "9:16", "1:1", "4:3",
                                            "3:4"])
    params.add_argument("--duration", type=int, help="seconds")
    params.add_argument("--prompt-extend",
                        action=argparse.BooleanOptionalAction)
    params.add_argument("--watermark", action=argparse.BooleanOptionalAction)
    params.add_argument("--seed", type=int)
    params.add_argument("--shot-type", choices=["single", "multi"],
                        help="wan2.6 only")
    params.add_argument("--audio", action=argparse.BooleanOptionalAction,
                        help="wan2.6-r2v-flash only")
    run = p.add_argument_group("run")
    run.add_argument("--cache-dir", help="where the element keeps videos")
    run.add_argument("--poll-interval", type=int, metavar="MS",
                     help="ms between task queries (default: adaptive)")
    run.add_argument("--timeout", type=int, metavar="S",
                     help="overall limit in seconds")
    return p.parse_args(argv)


# option name -> element property, for plain (non-array) values
SCALARS = ["base_url", "api_key", "model", "request", "prompt",
           "negative_prompt", "first_frame", "duration", "prompt_extend",
           "watermark", "seed", "cache_dir", "poll_interval", "timeout",
           "audio"]
# enum properties are set by their nick ("720P", "16:9", "multi")
ENUMS = ["resolution", "ratio", "shot_type"]
# array properties: entry N is "Image N+1" / "Video N+1"
ARRAYS = {"image": "images", "video": "videos",
          "image_voice": "image-voices", "video_voice": "video-voices"}


def configure(src, args):
    for name in SCALARS:
        value = getattr(args, name)
        if value is not None:
            src.set_property(name.replace("_", "-"), value)
    for name in ENUMS:
        value = getattr(args, name)
        if value is not None:
            Gst.util_set_object_arg(src, name.replace("_", "-"), value)
    for option, prop in ARRAYS.items():
        values = getattr(args, option)
        if values is not None:
            src.set_property(prop, Gst.ValueArray(values))


def log(text):
    print(text, file=sys.stderr, flush=True)


def describe_task(s):
    """One line about a wanr2v/task element message."""
    parts = ["task %s: %s" % (s.get_string("task-id"),
                              s.get_string("status") or s.get_string("phase"))]
    for field in ("submit-time", "end-time"):
        if s.has_field(field):
            parts.append("%s %s" % (field, s.get_string(field)))
    if s.has_field("usage-duration"):
        parts.append("billed %g s" % s.get_double("usage-duration")[1])
    if s.has_field("size"):
        parts.append("%d bytes" % s.get_uint64("size")[1])
    return ", ".join(parts)


def main(argv):
    args = parse_args(argv)
    Gst.init(None)

    src = Gst.ElementFactory.make("wanr2vsrc", "src")
    sink = Gst.ElementFactory.make("filesink", "sink")
    if src is None or sink is None:
        log("error: the wanr2vsrc element is not available (install the "
            "plugin or set GST_PLUGIN_PATH=build/gst)")
        return 1
    sink.set_property("location", args.output)
    try:
        configure(src, args)
    except (TypeError, ValueError) as e:
        log("error: %s" % e)
        return 2

    pipeline = Gst.Pipeline.new("generate")
    pipeline.add(src)
    pipeline.add(sink)
    src.link(sink)

    loop = GLib.MainLoop()
    result = {"status": 1, "task": None}

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.PROGRESS:
            _, code, text = msg.parse_progress()
            log("[%s] %s" % (code, text))
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.get_name() == "wanr2v/task":
                result["task"] = s.get_string("task-id")
                log(describe_task(s))
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            log("error from %s: %s" % (msg.src.get_name(), err.message))
            details = msg.parse_error_details()
            if details is not None:
                log("details: %s" % details.to_string())
            result["status"] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            result["status"] = 0
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    # A bad request fails here, with the ERROR message already on the bus:
    # on_message reports it first (the bus watch runs before idle sources).
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        GLib.idle_add(loop.quit)
    try:
        loop.run()
    except KeyboardInterrupt:
        log("interrupted")
        result["status"] = 130
    # Messages posted together with the last buffer (the final wanr2v/task
    # message with the size) may still be queued behind the EOS.
    while True:
        msg = bus.pop()
        if msg is None:
            break
        if msg.type in (Gst.MessageType.PROGRESS, Gst.MessageType.ELEMENT):
            on_message(bus, msg)
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()

    if result["status"] == 0:
        print("%s: video of task %s" % (args.output, result["task"]))
    return result["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
