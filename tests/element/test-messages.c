/* test-messages.c: what wanr2vsrc tells the application on the bus.
 *
 * Progress messages that open and close properly, one wanr2v/task message
 * per task status with the very fields the service reports, the tag
 * message (and, in push mode, the TAG event before the first buffer), and
 * task-id notified before the first byte flows. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "emulator-fixture.h"
#include "emu-test-util.h"
#include "pipeline-run.h"

#define PROMPT "Image 1 waves at the camera"

static char *cache_dir;

static void
setup (void)
{
  cache_dir = g_dir_make_tmp ("wanr2v-messages-XXXXXX", NULL);
  fail_unless (cache_dir != NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (cache_dir);
  g_clear_pointer (&cache_dir, g_free);
}

static void
set_images (GstElement * src, const char *uri)
{
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, uri);
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (src), "images", &array);
  g_value_unset (&array);
}

static PipelineRun *
new_run (EmuFixture * emu, const char *description)
{
  PipelineRun *run = pipeline_run_new (description);
  g_autofree char *image = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      "red.png", NULL);

  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "duration", 2, "prompt", PROMPT, NULL);
  gst_util_set_object_arg (G_OBJECT (run->src), "resolution", "720P");
  set_images (run->src, image);
  return run;
}

static char *
only_task_id (EmuFixture * emu)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (emu);

  fail_unless_equals_int (json_array_get_length (tasks), 1);
  return g_strdup (json_object_get_string_member
      (json_array_get_object_element (tasks, 0), "task_id"));
}

/* ---- progress ----------------------------------------------------------- */

static gint find_progress (PipelineRun * run, guint from, const char *prefix,
    const char *part);

/* The element's last words: ERROR progress, or COMPLETE request and the
 * wanr2v/task message of the finished video (which carries its size). */
static gboolean
run_closed (PipelineRun * run, GstMessage * msg, gpointer data)
{
  const GstStructure *last = run->task_messages->len ?
      g_ptr_array_index (run->task_messages, run->task_messages->len - 1) :
      NULL;

  if (find_progress (run, 0, "ERROR request", NULL) >= 0)
    return TRUE;
  return find_progress (run, 0, "COMPLETE request", NULL) >= 0
      && last != NULL && gst_structure_has_field (last, "size");
}

/* Plays to EOS; should the element's last messages trail EOS (see
 * test_final_messages_before_eos), waits a little for them so that the
 * test checks their content. */
static void
play_to_end (PipelineRun * run)
{
  pipeline_run_play (run, 60);
  fail_unless (run->error == NULL, "%s (%s)", run->error ?
      run->error->message : "", run->error_debug);
  if (!run_closed (run, NULL, NULL))
    pipeline_run_wait_for (run, run_closed, NULL, 3);
}

/* Index of the first progress entry at or after @from that starts with
 * @prefix and contains @part (may be NULL); -1 if none. */
static gint
find_progress (PipelineRun * run, guint from, const char *prefix,
    const char *part)
{
  guint i;

  for (i = from; i < run->progress->len; i++) {
    const char *p = g_ptr_array_index (run->progress, i);

    if (g_str_has_prefix (p, prefix) && (part == NULL || strstr (p, part)))
      return i;
  }
  return -1;
}

static guint
count_progress (PipelineRun * run, const char *prefix)
{
  guint i, n = 0;

  for (i = 0; i < run->progress->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (run->progress, i), prefix))
      n++;
  return n;
}

static char *
progress_dump (PipelineRun * run)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < run->progress->len; i++)
    g_string_append_printf (s, "\n  %s",
        (char *) g_ptr_array_index (run->progress, i));
  return g_string_free (s, FALSE);
}

/* Every START of @code is closed (COMPLETE, CANCELED or ERROR) before the
 * next START, and nothing of @code follows the close. */
static void
assert_closed (PipelineRun * run, const char *code)
{
  g_autofree char *dump = progress_dump (run);
  gboolean open = FALSE;
  guint i;

  for (i = 0; i < run->progress->len; i++) {
    g_auto (GStrv) f = g_strsplit (g_ptr_array_index (run->progress, i),
        " ", 3);

    if (g_strcmp0 (f[1], code) != 0)
      continue;
    if (strcmp (f[0], "START") == 0) {
      fail_if (open, "%s started twice:%s", code, dump);
      open = TRUE;
    } else if (strcmp (f[0], "CONTINUE") == 0) {
      fail_unless (open, "%s continued while not started:%s", code, dump);
    } else {
      fail_unless (open, "%s %s while not started:%s", code, f[0], dump);
      open = FALSE;
    }
  }
  fail_if (open, "%s left open:%s", code, dump);
}

GST_START_TEST (test_progress_of_a_run)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  g_autofree char *dump = NULL, *task_id = NULL, *created = NULL;
  gint start_req, submit, made, start_dl, done_dl, done_req, i;
  guint last_percent = 0;

  play_to_end (run);
  dump = progress_dump (run);
  task_id = only_task_id (emu);
  created = g_strdup_printf ("Task %s created", task_id);

  start_req = find_progress (run, 0, "START request", NULL);
  submit = find_progress (run, 0, "CONTINUE request", "Submitting");
  made = find_progress (run, 0, "CONTINUE request", created);
  start_dl = find_progress (run, 0, "START download", NULL);
  done_dl = find_progress (run, 0, "COMPLETE download", NULL);
  done_req = find_progress (run, 0, "COMPLETE request", NULL);
  fail_unless (start_req == 0, "the run does not open with START request:%s",
      dump);
  fail_unless (start_req < submit && submit < made && made < start_dl
      && start_dl < done_dl && done_dl < done_req, "out of order:%s", dump);
  fail_unless (done_req == (gint) run->progress->len - 1,
      "something after COMPLETE request:%s", dump);
  fail_unless (find_progress (run, made, "CONTINUE request",
          "is RUNNING") > made, "no RUNNING:%s", dump);
  fail_unless (find_progress (run, made, "CONTINUE request",
          "is SUCCEEDED") > made, "no SUCCEEDED:%s", dump);
  fail_unless (strstr (g_ptr_array_index (run->progress, done_req),
          task_id) != NULL, "%s", dump);
  fail_unless_equals_int (count_progress (run, "START request"), 1);
  fail_unless_equals_int (count_progress (run, "START download"), 1);
  fail_unless_equals_int (count_progress (run, "CANCELED"), 0);
  fail_unless_equals_int (count_progress (run, "ERROR"), 0);
  assert_closed (run, "request");
  assert_closed (run, "download");

  /* Download percentages grow, and stay inside the download. */
  for (i = 0; i < (gint) run->progress->len; i++) {
    const char *p = g_ptr_array_index (run->progress, i);
    guint percent;

    if (!g_str_has_prefix (p, "CONTINUE download"))
      continue;
    fail_unless (i > start_dl && i < done_dl, "%s", dump);
    if (sscanf (p, "CONTINUE download Downloaded %u%%", &percent) == 1) {
      fail_unless (percent >= last_percent && percent <= 100, "%s", dump);
      last_percent = percent;
    }
  }
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static gboolean
has_progress (PipelineRun * run, GstMessage * msg, gpointer data)
{
  return find_progress (run, 0, data, NULL) >= 0;
}

GST_START_TEST (test_progress_canceled)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  g_autofree char *dump = NULL, *task_id = NULL;
  gint canceled;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress,
          "CONTINUE request Task", 10));
  task_id = only_task_id (emu);
  /* READY, not NULL: going to NULL flushes the pipeline's bus. */
  gst_element_set_state (run->pipeline, GST_STATE_READY);
  fail_unless (pipeline_run_wait_for (run, has_progress, "CANCELED", 5),
      "no CANCELED progress");
  dump = progress_dump (run);
  canceled = find_progress (run, 0, "CANCELED request", task_id);
  fail_unless (canceled >= 0, "CANCELED does not name the task:%s", dump);
  fail_unless (canceled == (gint) run->progress->len - 1, "%s", dump);
  fail_unless_equals_int (count_progress (run, "COMPLETE"), 0);
  fail_unless_equals_int (count_progress (run, "START download"), 0);
  assert_closed (run, "request");
  fail_unless (run->error == NULL);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* Stopped before anything was sent: closed as well. */
GST_START_TEST (test_progress_canceled_early)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "START request",
          10));
  gst_element_set_state (run->pipeline, GST_STATE_READY);
  pipeline_run_wait_for (run, has_progress, "CANCELED", 2);
  assert_closed (run, "request");
  assert_closed (run, "download");
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_progress_error)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  g_autofree char *dump = NULL;
  gint error_at;

  /* Well-formed, but not an image: the task FAILS on the service. */
  set_images (run->src, "data:image/png;base64,bm90IGFuIGltYWdl");
  pipeline_run_play (run, 30);
  fail_unless (run->error != NULL);
  /* The ERROR progress follows the ERROR message. */
  pipeline_run_wait_for (run, has_progress, "ERROR", 5);
  dump = progress_dump (run);
  error_at = find_progress (run, 0, "ERROR request", NULL);
  fail_unless (error_at > 0, "no ERROR progress:%s", dump);
  fail_unless (error_at == (gint) run->progress->len - 1, "%s", dump);
  fail_unless (strstr (g_ptr_array_index (run->progress, error_at),
          run->error->message) != NULL, "%s", dump);
  fail_unless_equals_int (count_progress (run, "COMPLETE"), 0);
  assert_closed (run, "request");
  assert_closed (run, "download");
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- wanr2v/task -------------------------------------------------------- */

static void
assert_field (const GstStructure * m, const char *field, JsonObject * o,
    const char *member)
{
  const char *want = json_object_has_member (o, member) ?
      json_object_get_string_member (o, member) : NULL;
  const char *got = gst_structure_get_string (m, field);

  fail_unless_equals_string (got, want);
}

/* Runs a pipeline to the end and checks its wanr2v/task messages against
 * what GET /tasks/{id} says afterwards. */
static void
check_task_messages (gboolean prompt_extend)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  g_autofree char *task_id = NULL, *path = NULL, *statuses = NULL;
  g_autoptr (EmuReply) reply = NULL;
  g_autoptr (GHashTable) request_ids = g_hash_table_new (g_str_hash,
      g_str_equal);
  g_autoptr (JsonArray) tasks = NULL;
  GString *seen = g_string_new (NULL);
  JsonObject *output, *usage;
  const char *create_request_id;
  guint i, n_status = 0;

  g_object_set (run->src, "prompt-extend", prompt_extend, NULL);
  play_to_end (run);

  tasks = emu_fixture_get_tasks (emu);
  fail_unless_equals_int (json_array_get_length (tasks), 1);
  task_id = g_strdup (json_object_get_string_member
      (json_array_get_object_element (tasks, 0), "task_id"));
  create_request_id = json_object_get_string_member
      (json_array_get_object_element (tasks, 0), "request_id");
  path = g_strdup_printf ("/tasks/%s", task_id);
  reply = emu_api (emu, "GET", path, NULL);
  fail_unless_equals_int (reply->status, 200);
  output = json_object_get_object_member (emu_reply_object (reply), "output");
  usage = json_object_get_object_member (emu_reply_object (reply), "usage");
  fail_unless_equals_string (json_object_get_string_member (output,
          "task_status"), "SUCCEEDED");

  for (i = 0; i < run->task_messages->len; i++) {
    const GstStructure *m = g_ptr_array_index (run->task_messages, i);
    const char *status = gst_structure_get_string (m, "status");
    const char *phase = gst_structure_get_string (m, "phase");
    const char *request_id = gst_structure_get_string (m, "request-id");
    GstClockTime elapsed;

    fail_unless_equals_string (gst_structure_get_string (m, "task-id"),
        task_id);
    fail_unless (status != NULL && phase != NULL && request_id != NULL,
        "%" GST_PTR_FORMAT, m);
    fail_unless (gst_structure_get_clock_time (m, "elapsed", &elapsed));
    if (strcmp (phase, "done") == 0) {
      guint64 size = 0;

      /* The success message: the last one. */
      fail_unless (i == run->task_messages->len - 1);
      fail_unless_equals_string (status, "SUCCEEDED");
      fail_unless (gst_structure_get_uint64 (m, "size", &size) && size > 0);
    } else {
      /* A status change: never the same status twice in a row. */
      if (seen->len)
        g_string_append_c (seen, ' ');
      g_string_append (seen, status);
      n_status++;
      /* Every one comes from its own reply. */
      fail_if (g_hash_table_contains (request_ids, request_id),
          "request-id %s twice", request_id);
      g_hash_table_add (request_ids, (gpointer) request_id);
    }

    if (strcmp (status, "PENDING") == 0 && i == 0) {
      /* From the create reply. */
      fail_unless_equals_string (request_id, create_request_id);
    } else {
      assert_field (m, "submit-time", output, "submit_time");
      assert_field (m, "scheduled-time", output, "scheduled_time");
    }
    if (strcmp (status, "SUCCEEDED") == 0) {
      gdouble d;

      assert_field (m, "end-time", output, "end_time");
      assert_field (m, "orig-prompt", output, "orig_prompt");
      assert_field (m, "actual-prompt", output, "actual_prompt");
      fail_unless (gst_structure_get_double (m, "usage-duration", &d));
      fail_unless (d == json_object_get_double_member (usage, "duration"));
      fail_unless (gst_structure_get_double (m,
              "usage-output-video-duration", &d));
      fail_unless (d == json_object_get_double_member (usage,
              "output_video_duration"));
      fail_unless (d == 2.0);
      fail_unless (gst_structure_get_double (m,
              "usage-input-video-duration", &d));
      fail_unless (d == json_object_get_double_member (usage,
              "input_video_duration"));
    } else {
      fail_if (gst_structure_has_field (m, "end-time"));
      fail_if (gst_structure_has_field (m, "usage-duration"));
    }
  }
  statuses = g_string_free (seen, FALSE);
  fail_unless_equals_string (statuses, "PENDING RUNNING SUCCEEDED");
  fail_unless_equals_int (n_status, 3);

  fail_unless_equals_string (json_object_get_string_member (output,
          "orig_prompt"), PROMPT);
  if (prompt_extend)
    fail_unless (json_object_has_member (output, "actual_prompt"));
  else
    fail_if (json_object_has_member (output, "actual_prompt"));

  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_START_TEST (test_task_messages_extended)
{
  check_task_messages (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_task_messages_not_extended)
{
  check_task_messages (FALSE);
}

GST_END_TEST;

/* ---- tags --------------------------------------------------------------- */

typedef struct
{
  GstTagList *tags;             /* from the source */
  guint tag_messages;
  gint notify_progress_len;     /* run->progress->len at property-notify */
  char *notified_value;         /* from the property-notify message */
} Collected;

static gboolean
collect_until_end (PipelineRun * run, GstMessage * msg, gpointer data)
{
  Collected *c = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_TAG
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (run->src)) {
    GstTagList *tags;

    gst_message_parse_tag (msg, &tags);
    if (c->tags)
      gst_tag_list_unref (c->tags);
    c->tags = tags;
    c->tag_messages++;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_PROPERTY_NOTIFY
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (run->src)
      && c->notified_value == NULL) {
    const char *name;
    const GValue *value;

    gst_message_parse_property_notify (msg, NULL, &name, &value);
    fail_unless_equals_string (name, "task-id");
    if (value && G_VALUE_HOLDS_STRING (value) && g_value_get_string (value)) {
      c->notified_value = g_value_dup_string (value);
      c->notify_progress_len = run->progress->len;
    }
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    run->eos = TRUE;
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

static gboolean
collect_tag (PipelineRun * run, GstMessage * msg, gpointer data)
{
  Collected *c = data;

  collect_until_end (run, msg, data);
  return c->tag_messages > 0;
}

GST_START_TEST (test_tag_message)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  Collected c = { 0, };
  g_autofree char *task_id = NULL, *description = NULL, *model = NULL,
      *tag_task = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, collect_until_end, &c, 60));
  fail_unless (run->error == NULL);
  task_id = only_task_id (emu);
  /* (Its order against EOS: test_final_messages_before_eos.) */
  if (c.tag_messages == 0)
    pipeline_run_wait_for (run, collect_tag, &c, 3);
  fail_unless_equals_int (c.tag_messages, 1);
  fail_unless (gst_tag_list_get_string (c.tags, GST_TAG_DESCRIPTION,
          &description));
  fail_unless_equals_string (description, PROMPT);
  fail_unless (gst_tag_list_get_string (c.tags, "wanr2v-model", &model));
  fail_unless_equals_string (model, "wan2.7-r2v");
  fail_unless (gst_tag_list_get_string (c.tags, "wanr2v-task-id",
          &tag_task));
  fail_unless_equals_string (tag_task, task_id);
  gst_tag_list_unref (c.tags);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* A pipeline whose request file chooses wan2.6-r2v and the prompt
 * "character1 dances", where the properties' defaults say wan2.7-r2v and
 * no prompt: the tags must follow the request that was built. */
static PipelineRun *
new_wan26_run (EmuFixture * emu, const char *description)
{
  g_autofree char *image = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      "red.png", NULL);
  g_autofree char *file = g_build_filename (cache_dir, "wan26.json", NULL);
  g_autofree char *body = g_strdup_printf ("{\"model\": \"wan2.6-r2v\", "
      "\"input\": {\"prompt\": \"character1 dances\", \"reference_urls\": "
      "[\"%s\"]}, \"parameters\": {\"size\": \"1280*720\", "
      "\"duration\": 2}}", image);
  PipelineRun *run = pipeline_run_new (description);

  g_mkdir_with_parents (cache_dir, 0700);
  fail_unless (g_file_set_contents (file, body, -1, NULL));
  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "request", file, NULL);
  return run;
}

/* A request file that chooses the model and the prompt: the tags say what
 * was sent, not the properties' defaults. */
GST_START_TEST (test_tags_from_request_file)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_wan26_run (emu, "wanr2vsrc name=src ! fakesink");
  Collected c = { 0, };
  g_autofree char *description = NULL, *model = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, collect_until_end, &c, 60));
  fail_unless (run->error == NULL, "%s", run->error->message);
  if (c.tag_messages == 0)
    pipeline_run_wait_for (run, collect_tag, &c, 3);
  fail_unless_equals_int (c.tag_messages, 1);
  fail_unless (gst_tag_list_get_string (c.tags, "wanr2v-model", &model));
  fail_unless_equals_string (model, "wan2.6-r2v");
  fail_unless (gst_tag_list_get_string (c.tags, GST_TAG_DESCRIPTION,
          &description));
  fail_unless_equals_string (description, "character1 dances");
  gst_tag_list_unref (c.tags);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- tags in the stream ------------------------------------------------ */

/* What passes through the source pad: buffers, and TAG events. */
typedef struct
{
  GMutex lock;
  guint buffers;
  guint tag_events;
  gint buffers_before_first_tag;        /* -1: no TAG event */
  GstTagList *first_tags;
  GstTagList *last_tags;
} StreamWatch;

static GstPadProbeReturn
watch_stream (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  StreamWatch *w = data;

  g_mutex_lock (&w->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    w->buffers++;
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_TAG) {
    GstTagList *tags;

    gst_event_parse_tag (GST_PAD_PROBE_INFO_EVENT (info), &tags);
    if (w->tag_events++ == 0) {
      w->buffers_before_first_tag = w->buffers;
      w->first_tags = gst_tag_list_ref (tags);
    }
    if (w->last_tags)
      gst_tag_list_unref (w->last_tags);
    w->last_tags = gst_tag_list_ref (tags);
  }
  g_mutex_unlock (&w->lock);
  return GST_PAD_PROBE_OK;
}

static void
stream_watch_clear (StreamWatch * w)
{
  if (w->first_tags)
    gst_tag_list_unref (w->first_tags);
  if (w->last_tags)
    gst_tag_list_unref (w->last_tags);
  g_mutex_clear (&w->lock);
}

static void
assert_tag_string (const GstTagList * tags, const char *tag,
    const char *expected)
{
  g_autofree char *value = NULL;

  fail_unless (gst_tag_list_get_string (tags, tag, &value),
      "no %s tag in %" GST_PTR_FORMAT, tag, tags);
  fail_unless_equals_string (value, expected);
}

/* Plays @run to its end watching what passes through the source pad
 * (@probe_mask), and collects the element's tag message. */
static GstPad *
play_watched (PipelineRun * run, GstPadProbeType probe_mask, StreamWatch * w,
    Collected * c)
{
  GstPad *pad = gst_element_get_static_pad (run->src, "src");

  g_mutex_init (&w->lock);
  w->buffers_before_first_tag = -1;
  gst_pad_add_probe (pad, probe_mask, watch_stream, w, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, collect_until_end, c, 60));
  fail_unless (run->error == NULL, "%s", run->error ?
      run->error->message : "");
  fail_unless (run->eos);
  /* (Its order against EOS: test_final_messages_before_eos.) */
  if (c->tag_messages == 0)
    pipeline_run_wait_for (run, collect_tag, c, 3);
  return pad;
}

static void
free_watched (PipelineRun * run, EmuFixture * emu, GstPad * pad,
    StreamWatch * w, Collected * c)
{
  if (c->tags)
    gst_tag_list_unref (c->tags);
  gst_object_unref (pad);
  stream_watch_clear (w);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

/* Push mode (wanr2vsrc ! fakesink): the tags travel with the stream, as a
 * TAG event before the first buffer, so that a muxer or a sink downstream
 * sees them; the last one names the task too.  The bus message stays. */
GST_START_TEST (test_tag_event_in_push_mode)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_wan26_run (emu, "wanr2vsrc name=src ! fakesink");
  StreamWatch w = { 0, };
  Collected c = { 0, };
  GstPad *pad = play_watched (run, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &w, &c);
  g_autofree char *task_id = only_task_id (emu);

  g_mutex_lock (&w.lock);
  fail_unless (w.buffers > 0);
  fail_unless (w.tag_events >= 1, "no TAG event through the source pad");
  fail_unless_equals_int (w.buffers_before_first_tag, 0);
  assert_tag_string (w.first_tags, "wanr2v-model", "wan2.6-r2v");
  assert_tag_string (w.first_tags, GST_TAG_DESCRIPTION, "character1 dances");
  /* The bytes exist only once the task does. */
  assert_tag_string (w.first_tags, "wanr2v-task-id", task_id);
  assert_tag_string (w.last_tags, "wanr2v-model", "wan2.6-r2v");
  g_mutex_unlock (&w.lock);

  /* And the element's own bus message, once, as before. */
  fail_unless_equals_int (c.tag_messages, 1);
  assert_tag_string (c.tags, "wanr2v-model", "wan2.6-r2v");

  free_watched (run, emu, pad, &w, &c);
}

GST_END_TEST;

/* Pull mode (qtdemux pulls): a source pushes no events then, so the tags
 * reach the application only as the bus message, which must come. */
GST_START_TEST (test_tag_message_in_pull_mode)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_wan26_run (emu,
      "wanr2vsrc name=src ! qtdemux ! fakesink");
  StreamWatch w = { 0, };
  Collected c = { 0, };
  GstPad *pad = play_watched (run, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &w,
      &c);
  gboolean pulled;

  GST_OBJECT_LOCK (pad);
  pulled = GST_PAD_MODE (pad) == GST_PAD_MODE_PULL;
  GST_OBJECT_UNLOCK (pad);
  fail_unless (pulled, "qtdemux did not pull from wanr2vsrc");

  fail_unless_equals_int (c.tag_messages, 1);
  assert_tag_string (c.tags, "wanr2v-model", "wan2.6-r2v");
  assert_tag_string (c.tags, GST_TAG_DESCRIPTION, "character1 dances");
  g_mutex_lock (&w.lock);
  fail_unless_equals_int (w.tag_events, 0);
  g_mutex_unlock (&w.lock);

  free_watched (run, emu, pad, &w, &c);
}

GST_END_TEST;

/* ---- task-id, notified before the first buffer --------------------------- */

typedef struct
{
  GMutex lock;
  gint buffers;                 /* through the source pad */
  gint buffers_at_notify;
  char *value_at_notify;        /* read in the notify handler */
  guint notifies;
} NotifyWatch;

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  NotifyWatch *w = data;

  g_mutex_lock (&w->lock);
  w->buffers++;
  g_mutex_unlock (&w->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_task_id (GObject * src, GParamSpec * pspec, gpointer data)
{
  NotifyWatch *w = data;
  char *value = NULL;

  g_object_get (src, "task-id", &value, NULL);
  g_mutex_lock (&w->lock);
  if (w->notifies++ == 0) {
    w->value_at_notify = value;
    w->buffers_at_notify = w->buffers;
  } else {
    g_free (value);
  }
  g_mutex_unlock (&w->lock);
}

GST_START_TEST (test_task_id_notified)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! qtdemux ! "
      "fakesink");
  NotifyWatch w = { 0, };
  Collected c = { 0, };
  g_autofree char *task_id = NULL, *after = NULL, *before = NULL;
  GstPad *pad = gst_element_get_static_pad (run->src, "src");
  gint created;

  g_mutex_init (&w.lock);
  g_object_get (run->src, "task-id", &before, NULL);
  fail_unless (before == NULL, "task-id %s before the run", before);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &w,
      NULL);
  g_signal_connect (run->src, "notify::task-id", G_CALLBACK (on_task_id),
      &w);
  gst_element_add_property_deep_notify_watch (run->pipeline, "task-id",
      TRUE);

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, collect_until_end, &c, 60));
  fail_unless (run->error == NULL);
  fail_unless (run->eos);
  task_id = only_task_id (emu);

  g_mutex_lock (&w.lock);
  fail_unless (w.notifies >= 1, "task-id was never notified");
  fail_unless_equals_string (w.value_at_notify, task_id);
  fail_unless_equals_int (w.buffers_at_notify, 0);
  fail_unless (w.buffers > 0);
  g_mutex_unlock (&w.lock);

  /* deep-notify on the pipeline, before the progress that says so. */
  fail_unless_equals_string (c.notified_value, task_id);
  created = find_progress (run, 0, "CONTINUE request", "created");
  fail_unless (created >= 0);
  fail_unless (c.notify_progress_len <= created,
      "task-id notified after the task's progress message");

  /* Still readable after the run. */
  g_object_get (run->src, "task-id", &after, NULL);
  fail_unless_equals_string (after, task_id);

  gst_object_unref (pad);
  g_free (w.value_at_notify);
  g_free (c.notified_value);
  if (c.tags)
    gst_tag_list_unref (c.tags);
  pipeline_run_free (run);
  g_mutex_clear (&w.lock);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- the last messages come before EOS ---------------------------------- */

typedef struct
{
  GstElement *src;
  gboolean eos;
  gboolean tag_before_eos;
  gboolean complete_before_eos;
  gboolean done_task_before_eos;
} Order;

/* Holds the element's tag message back a little, as a busy machine might
 * hold the thread that posts it: the application must still see the
 * description of the video before the end of the video. */
static GstBusSyncReply
delay_tag (GstBus * bus, GstMessage * msg, gpointer data)
{
  Order *o = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_TAG
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (o->src))
    g_usleep (500 * 1000);
  return GST_BUS_PASS;
}

static gboolean
note_order (PipelineRun * run, GstMessage * msg, gpointer data)
{
  Order *o = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    o->eos = run->eos = TRUE;
  if (!o->eos && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_TAG
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (run->src))
    o->tag_before_eos = TRUE;
  if (!o->eos && find_progress (run, 0, "COMPLETE request", NULL) >= 0)
    o->complete_before_eos = TRUE;
  if (!o->eos && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_structure_has_field (gst_message_get_structure (msg), "size"))
    o->done_task_before_eos = TRUE;
  return o->eos || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

/* EOS is held back until the element has posted its final tag,
 * wanr2v/task and COMPLETE messages, however late the thread that posts
 * them runs (else gst-launch-1.0 would exit without them now and then). */
GST_START_TEST (test_final_messages_before_eos)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink");
  GstBus *bus = gst_element_get_bus (run->pipeline);
  Order o = { 0, };

  o.src = run->src;
  gst_bus_set_sync_handler (bus, delay_tag, &o, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, note_order, &o, 60));
  fail_unless (run->error == NULL);
  fail_unless (o.tag_before_eos, "EOS came before the tag message");
  fail_unless (o.done_task_before_eos,
      "EOS came before the final wanr2v/task message");
  fail_unless (o.complete_before_eos,
      "EOS came before the COMPLETE request progress");
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
messages_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-messages");
  TCase *tc = tcase_create ("messages");

  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_progress_of_a_run);
  tcase_add_test (tc, test_progress_canceled);
  tcase_add_test (tc, test_progress_canceled_early);
  tcase_add_test (tc, test_progress_error);
  tcase_add_test (tc, test_task_messages_extended);
  tcase_add_test (tc, test_task_messages_not_extended);
  tcase_add_test (tc, test_tag_message);
  tcase_add_test (tc, test_tags_from_request_file);
  tcase_add_test (tc, test_tag_event_in_push_mode);
  tcase_add_test (tc, test_tag_message_in_pull_mode);
  tcase_add_test (tc, test_task_id_notified);
  tcase_add_test (tc, test_final_messages_before_eos);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (messages);
