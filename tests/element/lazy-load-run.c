/* lazy-load-run.c: plays a pipeline to its end in a fresh process and
 * tells which shared libraries the process then has mapped.
 *
 *   lazy-load-run DESCRIPTION
 *
 * Prints "eos" or "error MESSAGE", then "mapped NAME" for each shared
 * library in /proc/self/maps (file name only, each once), then "thread
 * NAME" for each thread name of the process.  Exits 0 either
 * way: the caller judges.  Links GStreamer core only, so that what it
 * reports mapped beyond that was loaded by the pipeline's elements
 * (test-lazy-load.c).
 */
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

static void
print_mapped_libraries (void)
{
  g_autofree char *maps = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL)) {
    printf ("no /proc/self/maps\n");
    return;
  }
  lines = g_strsplit (maps, "\n", -1);
  for (i = 0; lines[i]; i++) {
    const char *path = strchr (lines[i], '/');
    g_autofree char *name = NULL;

    if (path == NULL || strstr (path, ".so") == NULL)
      continue;
    name = g_path_get_basename (path);
    if (g_hash_table_add (seen, g_strdup (name)))
      printf ("mapped %s\n", name);
  }
}

/* "thread NAME" for each thread of the process, each name once: the
 * job's HTTP thread is named wanr2v-http. */
static void
print_threads (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  const char *tid;

  while (dir && (tid = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm",
        NULL);
    g_autofree char *comm = NULL;

    if (!g_file_get_contents (path, &comm, NULL, NULL))
      continue;
    g_strstrip (comm);
    if (g_hash_table_add (seen, g_strdup (comm)))
      printf ("thread %s\n", comm);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;

  /* A registry update scans plugins in a child, not here: loading every
   * plugin in this process would map what they link. */
  g_unsetenv ("GST_REGISTRY_FORK");
  gst_init (&argc, &argv);
  if (argc != 2) {
    fprintf (stderr, "usage: lazy-load-run DESCRIPTION\n");
    return 2;
  }
  pipeline = gst_parse_launch (argv[1], &error);
  if (pipeline == NULL) {
    printf ("error %s\n", error->message);
    return 0;
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg == NULL) {
    printf ("error timed out\n");
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    printf ("eos\n");
  } else {
    g_autoptr (GError) message_error = NULL;

    gst_message_parse_error (msg, &message_error, NULL);
    printf ("error %s\n", message_error->message);
    printf ("domain %s %d\n", g_quark_to_string (message_error->domain),
        message_error->code);
  }
  g_clear_pointer (&msg, gst_message_unref);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  print_mapped_libraries ();
  print_threads ();
  return 0;
}
