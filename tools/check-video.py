#!/usr/bin/python3
"""Decodes an MP4 to the end and checks what a viewer would: the number of
video frames, the picture size, the duration, and that it has sound.

Usage: check-video.py FILE WIDTH HEIGHT FRAMES [SECONDS]
Prints what it found; exits 1 when anything differs, 2 when the file does
not decode at all.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def decode(path):
    """Plays @path through decodebin as fast as it decodes; returns
    (frames, width, height, last video end in ns, audio buffers)."""
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "filesrc name=src ! decodebin name=dec")
    pipeline.get_by_name("src").set_property("location", path)
    dec = pipeline.get_by_name("dec")
    found = {"frames": 0, "width": 0, "height": 0, "end": 0, "audio": 0}

    def on_video(sink, buf, pad):
        found["frames"] += 1
        caps = pad.get_current_caps()
        if caps is not None:
            s = caps.get_structure(0)
            found["width"] = s.get_value("width")
            found["height"] = s.get_value("height")
        if buf.pts != Gst.CLOCK_TIME_NONE:
            found["end"] = max(found["end"], buf.pts + max(buf.duration, 0))

    def on_audio(sink, buf, pad):
        found["audio"] += 1

    def on_pad(element, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        kind = caps.get_structure(0).get_name()
        sink = Gst.ElementFactory.make("fakesink", None)
        sink.set_property("sync", False)
        sink.set_property("signal-handoffs", True)
        sink.connect("handoff", on_video if kind.startswith("video/")
                     else on_audio)
        pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    dec.connect("pad-added", on_pad)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        120 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None:
        sys.exit("%s: no end of stream within 120 s" % path)
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print("%s does not decode: %s" % (path, err.message))
        sys.exit(2)
    return found


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    path = sys.argv[1]
    width, height, frames = (int(a) for a in sys.argv[2:5])
    seconds = float(sys.argv[5]) if len(sys.argv) == 6 else frames / 30.0
    got = decode(path)
    duration = got["end"] / Gst.SECOND
    print("%s: %d frames, %dx%d, %.3f s, %d audio buffers" %
          (path, got["frames"], got["width"], got["height"], duration,
           got["audio"]))
    wrong = []
    if got["frames"] != frames:
        wrong.append("%d frames, expected %d" % (got["frames"], frames))
    if (got["width"], got["height"]) != (width, height):
        wrong.append("%dx%d, expected %dx%d" %
                     (got["width"], got["height"], width, height))
    if abs(duration - seconds) > 0.05:
        wrong.append("%.3f s, expected %.3f s" % (duration, seconds))
    if got["audio"] == 0:
        wrong.append("no sound")
    for w in wrong:
        print("%s: %s" % (path, w))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
