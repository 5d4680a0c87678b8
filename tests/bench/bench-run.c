/* bench-run.c: runs one or more copies of a pipeline in this process and
 * prints, with wall-clock timestamps, what the benchmark measures.
 *
 *   wanr2v-bench-run [--count N] [--threads] [--upload-rss]
 *       [--wait-download] [--stop-at-first-frame] [--timeout S] DESCRIPTION
 *
 * "@N@" in DESCRIPTION is replaced by the copy's index, so that copies make
 * different requests.  An element named "sink" gets a probe that notes its
 * first buffer (the first decoded frame when it follows a decoder).
 *
 * Output, one fact per line, times in microseconds of g_get_real_time()
 * (the clock the emulator stamps tasks with):
 *   play INDEX TIME           set_state (PLAYING) was called
 *   progress INDEX CODE TYPE TIME
 *   task INDEX TASK-ID TIME    the task was created (create reply received)
 *   first-frame INDEX TIME
 *   eos INDEX TIME | error INDEX TIME MESSAGE
 *   threads-baseline N | threads-max N     (--threads; the sampler excluded)
 *   upload-rss-start KB | upload-rss-peak KB | upload-hwm KB  (--upload-rss)
 *
 * Times are taken in synchronous bus handlers, on the thread that posts the
 * message, so they do not include any main-loop latency.
 */
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  guint index;
  GstElement *pipeline;
  gboolean done;                /* EOS or error */
  gboolean download_complete;
  gboolean got_frame;
} Run;

static GMutex lock;
static GCond cond;
static gboolean wait_download;
static gboolean stop_at_first_frame;
static gboolean track_upload_rss;
static gboolean sampling = TRUE;

/* --upload-rss: between the upload's START and COMPLETE. */
static gboolean uploading;
static guint64 upload_rss_peak_kb;

static void
emit (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
emit (const char *format, ...)
{
  va_list args;

  g_mutex_lock (&lock);
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
  g_mutex_unlock (&lock);
}

/* A line of /proc/self/status, in kB (0 when absent). */
static guint64
proc_status_kb (const char *field)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return 0;
  line = strstr (text, field);
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field) + 1, NULL, 10);
}

static guint
count_threads (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static guint threads_max;

/* Samples the thread count and, during an upload, the RSS. */
static gpointer
sampler (gpointer data)
{
  for (;;) {
    guint threads = count_threads () - 1;       /* not this thread */
    gboolean go_on;

    g_mutex_lock (&lock);
    threads_max = MAX (threads_max, threads);
    go_on = sampling;
    g_mutex_unlock (&lock);
    if (track_upload_rss) {
      guint64 rss = proc_status_kb ("VmRSS:");

      g_mutex_lock (&lock);
      if (uploading)
        upload_rss_peak_kb = MAX (upload_rss_peak_kb, rss);
      g_mutex_unlock (&lock);
    }
    if (!go_on)
      break;
    g_usleep (5000);
  }
  return NULL;
}

static void
mark_done (Run * run, gboolean * flag)
{
  g_mutex_lock (&lock);
  *flag = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
}

static void
on_upload_progress (GstProgressType type)
{
  if (type == GST_PROGRESS_TYPE_START) {
    guint64 rss;

    /* Resets VmHWM to the current RSS (Linux >= 4.0), so that VmHWM at
     * the end is the peak of the upload alone. */
    g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
    rss = proc_status_kb ("VmRSS:");
    g_mutex_lock (&lock);
    uploading = TRUE;
    upload_rss_peak_kb = rss;
    g_mutex_unlock (&lock);
    emit ("upload-rss-start %" G_GUINT64_FORMAT, rss);
  } else if (type == GST_PROGRESS_TYPE_COMPLETE) {
    guint64 rss = proc_status_kb ("VmRSS:");
    guint64 peak;

    g_mutex_lock (&lock);
    uploading = FALSE;
    upload_rss_peak_kb = MAX (upload_rss_peak_kb, rss);
    peak = upload_rss_peak_kb;
    g_mutex_unlock (&lock);
    emit ("upload-rss-peak %" G_GUINT64_FORMAT, peak);
    emit ("upload-hwm %" G_GUINT64_FORMAT, proc_status_kb ("VmHWM:"));
  }
}

static GstBusSyncReply
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Run *run = data;
  gint64 now = g_get_real_time ();

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_PROGRESS:{
      GstProgressType type;
      g_autofree char *code = NULL, *text = NULL;
      GEnumClass *klass = g_type_class_ref (GST_TYPE_PROGRESS_TYPE);
      GEnumValue *value;

      gst_message_parse_progress (msg, &type, &code, &text);
      value = g_enum_get_value (klass, type);
      emit ("progress %u %s %s %" G_GINT64_FORMAT, run->index, code,
          value ? value->value_nick : "?", now);
      g_type_class_unref (klass);
      if (g_strcmp0 (code, "upload") == 0 && track_upload_rss)
        on_upload_progress (type);
      if (g_strcmp0 (code, "download") == 0
          && type == GST_PROGRESS_TYPE_COMPLETE)
        mark_done (run, &run->download_complete);
      break;
    }
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);
      const char *phase = gst_structure_get_string (s, "phase");

      /* The creation message: the task exists, the reply just came. */
      if (gst_structure_has_name (s, "wanr2v/task")
          && g_strcmp0 (phase, "queued") == 0
          && gst_structure_get_string (s, "status")
          && g_strcmp0 (gst_structure_get_string (s, "status"),
              "PENDING") == 0)
        emit ("task %u %s %" G_GINT64_FORMAT, run->index,
            gst_structure_get_string (s, "task-id"), now);
      break;
    }
    case GST_MESSAGE_EOS:
      emit ("eos %u %" G_GINT64_FORMAT, run->index, now);
      mark_done (run, &run->done);
      break;
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (msg, &error, &debug);
      emit ("error %u %" G_GINT64_FORMAT " %s", run->index, now,
          error->message);
      mark_done (run, &run->done);
      /* An error ends the run: do not wait for a download. */
      mark_done (run, &run->download_complete);
      break;
    }
    default:
      break;
  }
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_sink_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *run = data;

  emit ("first-frame %u %" G_GINT64_FORMAT, run->index, g_get_real_time ());
  mark_done (run, &run->got_frame);
  return GST_PAD_PROBE_REMOVE;
}

static gboolean
run_finished (Run * run)
{
  if (stop_at_first_frame && run->got_frame)
    return TRUE;
  return run->done && (!wait_download || run->download_complete);
}

int
main (int argc, char **argv)
{
  guint count = 1, timeout_s = 900, i;
  gboolean threads = FALSE;
  GOptionEntry entries[] = {
    {"count", 0, 0, G_OPTION_ARG_INT, &count, "Copies to run at once", "N"},
    {"threads", 0, 0, G_OPTION_ARG_NONE, &threads,
        "Report the highest thread count", NULL},
    {"upload-rss", 0, 0, G_OPTION_ARG_NONE, &track_upload_rss,
        "Report the RSS during the upload", NULL},
    {"wait-download", 0, 0, G_OPTION_ARG_NONE, &wait_download,
        "Also wait for the download to complete", NULL},
    {"stop-at-first-frame", 0, 0, G_OPTION_ARG_NONE, &stop_at_first_frame,
        "Stop once the sink has had a buffer", NULL},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Give up after S s",
        "S"},
    {NULL}
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("DESCRIPTION");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (g_free);
  GThread *sampler_thread = NULL;
  gint64 deadline;
  gboolean timed_out = FALSE;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || argc != 2 || count == 0) {
    g_printerr ("%s\n", error ? error->message :
        "usage: wanr2v-bench-run [options] DESCRIPTION");
    return 2;
  }

  if (threads || track_upload_rss) {
    sampler_thread = g_thread_new ("sampler", sampler, NULL);
    g_usleep (20000);
    if (threads)
      emit ("threads-baseline %u", count_threads () - 1);
  }

  for (i = 0; i < count; i++) {
    Run *run = g_new0 (Run, 1);
    g_autofree char *index = g_strdup_printf ("%u", i);
    g_auto (GStrv) parts = g_strsplit (argv[1], "@N@", -1);
    g_autofree char *desc = g_strjoinv (index, parts);
    g_autoptr (GstElement) sink = NULL;
    g_autoptr (GstBus) bus = NULL;

    run->index = i;
    run->pipeline = gst_parse_launch (desc, &error);
    if (run->pipeline == NULL) {
      g_printerr ("bad pipeline: %s\n", error->message);
      return 2;
    }
    bus = gst_element_get_bus (run->pipeline);
    gst_bus_set_sync_handler (bus, on_message, run, NULL);
    sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
    if (sink) {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer,
          run, NULL);
    }
    g_ptr_array_add (runs, run);
  }

  for (i = 0; i < count; i++) {
    Run *run = g_ptr_array_index (runs, i);

    emit ("play %u %" G_GINT64_FORMAT, i, g_get_real_time ());
    if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE) {
      emit ("error %u %" G_GINT64_FORMAT " could not start", i,
          g_get_real_time ());
      run->done = run->download_complete = TRUE;
    }
  }

  deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  g_mutex_lock (&lock);
  for (i = 0; i < count; i++) {
    Run *run = g_ptr_array_index (runs, i);

    while (!run_finished (run) && !timed_out)
      timed_out = !g_cond_wait_until (&cond, &lock, deadline);
  }
  sampling = FALSE;
  g_mutex_unlock (&lock);
  if (timed_out) {
    emit ("timeout");
    status = 1;
  }

  if (sampler_thread) {
    g_thread_join (sampler_thread);
    if (threads)
      emit ("threads-max %u", threads_max);
  }

  for (i = 0; i < count; i++) {
    Run *run = g_ptr_array_index (runs, i);

    gst_element_set_state (run->pipeline, GST_STATE_NULL);
    gst_object_unref (run->pipeline);
  }
  return status;
}
