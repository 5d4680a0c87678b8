#!/bin/sh
# Remakes the sample media of tests/data with gst-launch-1.0.
# Usage: tests/data/make-data.sh   (writes next to this script)
# Needs GStreamer 1.22 with base, good, bad (webpenc), ugly (x264enc,
# lamemp3enc) and voaacenc.  See README.md for what each file is.
set -eu

cd "$(dirname "$0")"
launch () {
  gst-launch-1.0 -q "$@" >/dev/null
}

# still image: <colour ARGB> <encoder...> <file>, 320x320, no alpha
solid () {
  colour=$1 file=$2
  shift 2
  launch videotestsrc num-buffers=1 pattern=solid-color \
      foreground-color="$colour" \
    ! video/x-raw,width=320,height=320 ! videoconvert "$@" \
    ! filesink location="$file"
}

solid 0xffff0000 red.png ! video/x-raw,format=RGB ! pngenc
solid 0xff00c000 green.jpg ! jpegenc quality=90
solid 0xff0000ff blue.bmp ! video/x-raw,format=BGR ! avenc_bmp
solid 0xffffff00 yellow.webp ! webpenc quality=90
solid 0xffff00ff magenta.png ! video/x-raw,format=RGB ! pngenc

# 3x3 storyboard, 960x960: nine 320x320 panels, some plain, some patterned,
# read left to right, top to bottom; the centre one is white
panels='pattern=solid-color foreground-color=0xffff4040
pattern=checkers-8
pattern=solid-color foreground-color=0xff40ff40
pattern=smpte
pattern=solid-color foreground-color=0xffffffff
pattern=circular
pattern=solid-color foreground-color=0xff4040ff
pattern=pinwheel
pattern=solid-color foreground-color=0xffff8000'
positions=""
panel=0
for _ in 1 2 3 4 5 6 7 8 9; do
  positions="$positions sink_$panel::xpos=$(( (panel % 3) * 320 ))"
  positions="$positions sink_$panel::ypos=$(( (panel / 3) * 320 ))"
  panel=$((panel + 1))
done
# shellcheck disable=SC2086
set -- compositor name=c background=black $positions \
  ! video/x-raw,width=960,height=960 ! videoconvert \
  ! video/x-raw,format=RGB ! pngenc ! filesink location=storyboard.png
panel=0
while read -r spec; do
  # shellcheck disable=SC2086
  set -- "$@" videotestsrc num-buffers=1 $spec \
    ! video/x-raw,width=320,height=320 ! c.sink_$panel
  panel=$((panel + 1))
done <<PANELS
$panels
PANELS
launch "$@"

# first frame: 640x360 SMPTE bars
launch videotestsrc num-buffers=1 pattern=smpte \
  ! video/x-raw,width=640,height=360 ! videoconvert \
  ! video/x-raw,format=RGB ! pngenc ! filesink location=first-frame.png

# reference videos: 2 s, 320x240, 30 fps, a plain colour with a running
# clock in the top-left corner (the centre keeps the plain colour)
clip () {
  colour=$1 faststart=$2 file=$3
  shift 3
  launch videotestsrc num-buffers=60 pattern=solid-color \
      foreground-color="$colour" \
    ! video/x-raw,width=320,height=240,framerate=30/1 \
    ! timeoverlay halignment=left valignment=top font-desc="Sans 16" \
    ! videoconvert ! x264enc speed-preset=ultrafast key-int-max=30 \
    ! mp4mux name=m faststart="$faststart" ! filesink location="$file" "$@"
}
clip 0xff00ffff true character.mp4 \
  audiotestsrc num-buffers=60 samplesperbuffer=1600 freq=330 volume=0.3 \
  ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! voaacenc ! m.
# moov after mdat: readers must seek to the end first
clip 0xffff8000 false character-silent.mp4

# reference voices: 2 s each
launch audiotestsrc num-buffers=20 samplesperbuffer=4410 freq=660 volume=0.3 \
  ! audio/x-raw,rate=44100,channels=1 ! audioconvert ! wavenc \
  ! filesink location=voice-girl.wav
launch audiotestsrc num-buffers=20 samplesperbuffer=4410 freq=180 volume=0.3 \
  ! audio/x-raw,rate=44100,channels=1 ! audioconvert ! lamemp3enc \
  ! filesink location=voice-boy.mp3

# invalid on purpose: too small, and a PNG with an alpha channel
launch videotestsrc num-buffers=1 pattern=solid-color \
    foreground-color=0xff808080 ! video/x-raw,width=100,height=100 \
  ! videoconvert ! video/x-raw,format=RGB ! pngenc \
  ! filesink location=tiny.png
launch videotestsrc num-buffers=1 pattern=solid-color \
    foreground-color=0x80ff8000 \
  ! video/x-raw,width=320,height=320 ! videoconvert \
  ! video/x-raw,format=RGBA ! pngenc ! filesink location=alpha.png

echo "tests/data: done"
