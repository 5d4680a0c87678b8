/* test-emu-big.c: big results without an encoder: --result-size pads the
 * rendered MP4 (sparsely) and it still plays, moov first or last, in pull
 * and push mode; --result-file serves a pre-made file. */
#include "emu-test-util.h"
#include "wanr2v-crc64.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESULT_SIZE (8 * 1024 * 1024)

/* Downloads @url into a new temp file; returns its path. */
static char *
download (const char *url, gsize * size)
{
  g_autoptr (EmuReply) reply = emu_http ("GET", url, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *crc = NULL;
  char *path = NULL;
  int fd;

  g_assert_cmpuint (reply->status, ==, 200);
  /* Every result carries its CRC-64, padded (sparse) ones too: the holes
   * are hashed as the zeros they read as. */
  crc = g_strdup_printf ("%" G_GUINT64_FORMAT, wanr2v_crc64_update
      (WANR2V_CRC64_INIT, g_bytes_get_data (reply->body, NULL),
          g_bytes_get_size (reply->body)));
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "x-oss-hash-crc64ecma"), ==, crc);
  fd = g_file_open_tmp ("emu-big-XXXXXX.mp4", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body), &error);
  g_assert_no_error (error);
  *size = g_bytes_get_size (reply->body);
  return path;
}

/* Top-level box types of the file, e.g. "ftyp free mdat free moov". */
static char *
top_level_boxes (const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gsize len, pos = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  while (pos + 8 <= len) {
    guint64 size = read_be32 (data + pos);

    if (size == 1)
      size = read_be64 (data + pos + 8);
    g_assert_cmpuint (size, >=, 8);
    g_string_append_printf (out, "%s%.4s", out->len ? " " : "",
        data + pos + 4);
    pos += size;
  }
  g_assert_cmpuint (pos, ==, len);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  double duration_s;
  guint width, height;
  gboolean has_audio;
} Discovered;

static void
discover (const char *path, Discovered * d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDiscoverer) discoverer = gst_discoverer_new
      (emu_fixture_scaled_ns (10), &error);
  g_autofree char *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *videos, *audios;

  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_discoverer_info_get_result (info), ==,
      GST_DISCOVERER_OK);
  d->duration_s = (double) gst_discoverer_info_get_duration (info)
      / GST_SECOND;
  videos = gst_discoverer_info_get_video_streams (info);
  audios = gst_discoverer_info_get_audio_streams (info);
  g_assert_cmpuint (g_list_length (videos), ==, 1);
  d->width = gst_discoverer_video_info_get_width (videos->data);
  d->height = gst_discoverer_video_info_get_height (videos->data);
  d->has_audio = audios != NULL;
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
}

static void
count_buffer (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Demuxes the whole file with qtdemux, pulling (@push FALSE) or pushed
 * to it, and returns how many video samples came out. */
static guint
demux_video_samples (const char *path, gboolean push)
{
  /* pushfilesrc makes qtdemux run in push mode without a queue (GStreamer
   * 1.22's queue can hold an ALLOCATION query for ever and hang this). */
  g_autofree char *description = g_strdup_printf ("%s location=\"%s\" "
      "! qtdemux name=d d.video_0 ! fakesink name=v signal-handoffs=true "
      "sync=false", push ? "pushfilesrc" : "filesrc", path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  guint count = 0;

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  g_signal_connect (sink, "handoff", G_CALLBACK (count_buffer), &count);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus,
      emu_fixture_scaled_ns (60),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) gerror = NULL;

    gst_message_parse_error (msg, &gerror, NULL);
    g_error ("demuxing %s (%s mode): %s", path, push ? "push" : "pull",
        gerror->message);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return count;
}

static void
check_padded (const char *moov)
{
  g_autofree char *storage = g_dir_make_tmp ("emu-big-store-XXXXXX", NULL);
  g_autofree char *size_arg = g_strdup_printf ("%d", RESULT_SIZE);
  const char *args[] = { "--moov", moov, "--result-size", size_arg,
    "--storage-dir", storage, NULL
  };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *url = emu_render_one (f);
  g_autofree char *path = NULL;
  g_autofree char *boxes = NULL;
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (f);
  g_autofree char *stored = NULL;
  Discovered d;
  GStatBuf st;
  gsize size;

  path = download (url, &size);
  g_assert_cmpuint (size, >=, RESULT_SIZE);
  g_assert_cmpuint (size, <, RESULT_SIZE + 16);

  /* The padding is a free box placed where no sample moves; moov stays
   * where it was asked to be. */
  boxes = top_level_boxes (path);
  g_test_message ("moov %s: %s", moov, boxes);
  if (strcmp (moov, "last") == 0)
    g_assert_true (g_str_has_suffix (boxes, "mdat free moov"));
  else
    g_assert_true (g_str_has_suffix (boxes, "moov mdat free"));

  /* Nothing changed for a player. */
  discover (path, &d);
  g_assert_cmpfloat_with_epsilon (d.duration_s, 2.0, 0.05);
  g_assert_cmpuint (d.width, ==, 1280);
  g_assert_cmpuint (d.height, ==, 720);
  g_assert_true (d.has_audio);
  g_assert_cmpuint (demux_video_samples (path, FALSE), ==, 60);
  g_assert_cmpuint (demux_video_samples (path, TRUE), ==, 60);

  /* On the emulator's side the padding costs no disk. */
  stored = g_strdup_printf ("%s/results/%s.mp4", storage,
      json_object_get_string_member (json_array_get_object_element (tasks,
              0), "task_id"));
  g_assert_cmpint (g_stat (stored, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, size);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 2 * 1024 * 1024);

  g_unlink (path);
  emu_fixture_stop (g_steal_pointer (&f));
  emu_fixture_remove_tree (storage);
}

static void
test_result_size_moov_last (void)
{
  check_padded ("last");
}

static void
test_result_size_moov_first (void)
{
  check_padded ("first");
}

static void
test_result_file (void)
{
  g_autofree char *file = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      "character.mp4", NULL);
  const char *args[] = { "--result-file", file, NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *url = emu_render_one (f);
  g_autoptr (EmuReply) reply = emu_http ("GET", url, NULL, NULL, NULL);
  g_autofree char *expected = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (file, &expected, &len, NULL));
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body), expected, len);
}

static void
test_result_file_padded (void)
{
  g_autofree char *file = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      "character.mp4", NULL);
  const char *args[] = { "--result-file", file, "--result-size", "5M",
    NULL
  };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *url = emu_render_one (f);
  g_autofree char *path = NULL;
  g_autofree char *boxes = NULL;
  Discovered d;
  gsize size;

  path = download (url, &size);
  g_assert_cmpuint (size, >=, 5 * 1024 * 1024);
  boxes = top_level_boxes (path);
  g_assert_cmpstr (boxes, ==, "ftyp moov mdat free");
  discover (path, &d);
  g_assert_cmpfloat_with_epsilon (d.duration_s, 2.0, 0.05);
  g_assert_cmpuint (d.width, ==, 320);
  g_assert_cmpuint (demux_video_samples (path, TRUE), ==, 60);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/emulator/big/result-size-moov-last",
      test_result_size_moov_last);
  g_test_add_func ("/emulator/big/result-size-moov-first",
      test_result_size_moov_first);
  g_test_add_func ("/emulator/big/result-file", test_result_file);
  g_test_add_func ("/emulator/big/result-file-padded",
      test_result_file_padded);
  return g_test_run ();
}
