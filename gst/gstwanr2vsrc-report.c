/* gstwanr2vsrc-report.c: bus messages about a wanr2vsrc job. */
#include "gstwanr2vsrc-report.h"
#include "gstwanr2vsrc-names.h"

GST_DEBUG_CATEGORY_EXTERN (gst_wanr2v_src_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_debug

/* Progress codes: "request" for everything up to a finished task,
 * "upload" for the temporary upload of local media, "download" for
 * fetching the video. */
#define CODE_REQUEST "request"
#define CODE_DOWNLOAD "download"
#define CODE_UPLOAD "upload"

/* Posts element message @s, with the predicted cost when there is one. */
static void
post_with_cost (GstElement * element, GstStructure * s,
    const WanR2vCost * cost)
{
  if (cost)
    gst_structure_set (s,
        "predicted-billed-seconds", G_TYPE_DOUBLE, cost->billed_seconds,
        "predicted-exact", G_TYPE_BOOLEAN, cost->exact, NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
}

static void
post_progress (GstElement * element, GstProgressType type, const char *code,
    const char *text)
{
  gst_element_post_message (element,
      gst_message_new_progress (GST_OBJECT (element), type, code, text));
}

static void
post_task_message (GstElement * element, const WanR2vJobEvent * event)
{
  const WanR2vTaskInfo *info = event->info;
  GstStructure *s;

  s = gst_structure_new ("wanr2v/task",
      "task-id", G_TYPE_STRING, event->task_id,
      "phase", G_TYPE_STRING, wanr2v_job_phase_to_string (event->phase),
      "elapsed", GST_TYPE_CLOCK_TIME,
      (GstClockTime) (event->elapsed_us * GST_USECOND), NULL);

  if (info) {
    gst_structure_set (s,
        "status", G_TYPE_STRING, info->status_string,
        "request-id", G_TYPE_STRING, info->request_id, NULL);
    if (info->submit_time)
      gst_structure_set (s, "submit-time", G_TYPE_STRING, info->submit_time,
          NULL);
    if (info->scheduled_time)
      gst_structure_set (s, "scheduled-time", G_TYPE_STRING,
          info->scheduled_time, NULL);
    if (info->end_time)
      gst_structure_set (s, "end-time", G_TYPE_STRING, info->end_time, NULL);
    if (info->orig_prompt)
      gst_structure_set (s, "orig-prompt", G_TYPE_STRING, info->orig_prompt,
          NULL);
    if (info->actual_prompt)
      gst_structure_set (s, "actual-prompt", G_TYPE_STRING,
          info->actual_prompt, NULL);
    if (info->has_usage)
      gst_structure_set (s,
          "usage-duration", G_TYPE_DOUBLE, info->usage_duration,
          "usage-input-video-duration", G_TYPE_DOUBLE,
          info->usage_input_video_duration,
          "usage-output-video-duration", G_TYPE_DOUBLE,
          info->usage_output_video_duration, NULL);
  }
  if (event->type == WANR2V_JOB_EVENT_DONE)
    gst_structure_set (s, "size", G_TYPE_UINT64, event->bytes,
        "cached", G_TYPE_BOOLEAN, event->cached, NULL);
  post_with_cost (element, s, event->cost);
}

/* "15 billed seconds (10 s of output video + 5.00 s of 1 reference
 * video)", "at most ..." for an upper bound. */
static char *
describe_cost (const WanR2vCost * cost)
{
  return g_strdup_printf ("%s%.2f billed seconds (%u s of output video + "
      "%.2f s of %u reference video%s)", cost->exact ? "" : "at most ",
      cost->billed_seconds, cost->output_seconds, cost->input_video_seconds,
      cost->reference_videos, cost->reference_videos == 1 ? "" : "s");
}

/* wanr2v/dry-run: what the create would have been. */
static void
post_dry_run (GstElement * element, const WanR2vJobEvent * event)
{
  GstStructure *s = gst_structure_new ("wanr2v/dry-run",
      "body", G_TYPE_STRING, event->body, NULL);

  post_with_cost (element, s, event->cost);
}

void
gst_wanr2v_src_report_event (GstElement * element, const WanR2vJobEvent * event)
{
  g_autofree char *text = NULL;

  switch (event->type) {
    case WANR2V_JOB_EVENT_PHASE:
      switch (event->phase) {
        case WANR2V_JOB_PHASE_PREPARING:
          post_progress (element, GST_PROGRESS_TYPE_START, CODE_REQUEST,
              "Preparing the request");
          break;
        case WANR2V_JOB_PHASE_UPLOADING:
          post_progress (element, GST_PROGRESS_TYPE_START, CODE_UPLOAD,
              "Uploading local media");
          break;
        case WANR2V_JOB_PHASE_SUBMITTING:
          post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST,
              "Submitting the task");
          break;
        case WANR2V_JOB_PHASE_DOWNLOADING:
          post_progress (element, GST_PROGRESS_TYPE_START, CODE_DOWNLOAD,
              "Downloading the video");
          break;
        default:
          break;
      }
      break;
    case WANR2V_JOB_EVENT_TASK_CREATED:
      /* Without a create reply, the task is one we attach to. */
      text = event->info ? g_strdup_printf ("Task %s created, %s",
          event->task_id, event->info->status_string) :
          g_strdup_printf ("Following task %s (created earlier)",
          event->task_id);
      post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST, text);
      post_task_message (element, event);
      break;
    case WANR2V_JOB_EVENT_TASK_STATUS:
      text = g_strdup_printf ("Task %s is %s", event->task_id,
          event->info ? event->info->status_string : "?");
      post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST, text);
      post_task_message (element, event);
      break;
    case WANR2V_JOB_EVENT_DOWNLOAD_PROGRESS:
      if (event->total > 0)
        text = g_strdup_printf ("Downloaded %u%% of %" G_GINT64_FORMAT
            " bytes", (guint) (event->bytes * 100 / event->total),
            event->total);
      else
        text = g_strdup_printf ("Downloaded %" G_GUINT64_FORMAT " bytes",
            event->bytes);
      post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_DOWNLOAD,
          text);
      break;
    case WANR2V_JOB_EVENT_DONE:
      /* A run that made no video and served none (a dry run) said how it
       * ended with its DRY_RUN event: not "Video of task (null) ready". */
      if (event->task_id == NULL && !event->cached)
        break;
      if (event->cached && event->task_id)
        text = g_strdup_printf ("Serving the kept video of this request, "
            "made by task %s (%" G_GUINT64_FORMAT " bytes): no new task",
            event->task_id, event->bytes);
      else if (event->cached)
        text = g_strdup_printf ("Serving the kept video of this request (%"
            G_GUINT64_FORMAT " bytes): no new task", event->bytes);
      else
        text = g_strdup_printf ("Video of task %s ready: %" G_GUINT64_FORMAT
            " bytes", event->task_id, event->bytes);
      post_progress (element, GST_PROGRESS_TYPE_COMPLETE, CODE_DOWNLOAD,
          text);
      post_progress (element, GST_PROGRESS_TYPE_COMPLETE, CODE_REQUEST, text);
      post_task_message (element, event);
      break;
    case WANR2V_JOB_EVENT_UPLOADED:
      text = g_strdup_printf ("Uploaded %" G_GUINT64_FORMAT " local file%s",
          event->bytes, event->bytes == 1 ? "" : "s");
      post_progress (element, GST_PROGRESS_TYPE_COMPLETE, CODE_UPLOAD, text);
      break;
    case WANR2V_JOB_EVENT_WARNING:
      break;                    /* a WARNING message, posted by the element */
    case WANR2V_JOB_EVENT_QUEUED_LOCALLY:
      text = g_strdup_printf ("Queued locally, %u ahead: waiting until fewer "
          "than %u tasks are in progress (max-tasks-in-progress)",
          event->ahead, event->slots);
      post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST, text);
      gst_element_post_message (element,
          gst_message_new_element (GST_OBJECT (element),
              gst_structure_new ("wanr2v/queued", "ahead", G_TYPE_UINT,
                  event->ahead, "max-tasks-in-progress", G_TYPE_UINT,
                  event->slots, NULL)));
      break;
    case WANR2V_JOB_EVENT_PREDICTED:{
      g_autofree char *cost = describe_cost (event->cost);

      /* Before the create: no task yet, so no wanr2v/task message (each
       * names its task); they all carry the prediction from the create on. */
      text = g_strdup_printf ("Predicted cost: %s", cost);
      post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST, text);
      break;
    }
    case WANR2V_JOB_EVENT_DRY_RUN:{
      g_autofree char *cost = event->cost ? describe_cost (event->cost) :
          g_strdup ("an unknown cost");

      post_dry_run (element, event);
      text = g_strdup_printf ("Dry run: the task would bill %s; nothing was "
          "uploaded or created", cost);
      post_progress (element, GST_PROGRESS_TYPE_COMPLETE, CODE_REQUEST, text);
      break;
    }
    case WANR2V_JOB_EVENT_RETRY:
      GST_INFO_OBJECT (element, "will retry: %s", event->error->message);
      /* A throttle can last a minute: say why nothing moves. */
      if (g_error_matches (event->error, WANR2V_ERROR,
              WANR2V_ERROR_THROTTLED)) {
        text = g_strdup_printf ("The service is throttling (HTTP 429 %s): "
            "waiting for its quota window, then trying again",
            event->details && event->details->code ? event->details->code :
            "");
        post_progress (element, GST_PROGRESS_TYPE_CONTINUE, CODE_REQUEST,
            text);
      }
      break;
    case WANR2V_JOB_EVENT_ERROR:
      /* Posted by the streaming thread with the ERROR message, in order. */
      post_task_message (element, event);
      break;
  }
}

void
gst_wanr2v_src_report_job_error (GstElement * element, const GError * error,
    const WanR2vErrorInfo * details)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = GST_RESOURCE_ERROR_OPEN_READ;
  g_autofree char *debug = NULL;
  /* Said with the element's names for the request's inputs. */
  g_autofree char *text = gst_wanr2v_src_names_message (error);

  if (error->domain == WANR2V_ERROR) {
    switch (error->code) {
      case WANR2V_ERROR_AUTH:
        code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
        break;
      case WANR2V_ERROR_NOT_FOUND:
        code = GST_RESOURCE_ERROR_NOT_FOUND;
        break;
      case WANR2V_ERROR_BAD_REQUEST:
        code = GST_RESOURCE_ERROR_SETTINGS;
        break;
      case WANR2V_ERROR_IO:
        code = GST_RESOURCE_ERROR_WRITE;
        break;
      case WANR2V_ERROR_EXPIRED:
        code = GST_RESOURCE_ERROR_READ;
        break;
      case WANR2V_ERROR_TASK_FAILED:
      case WANR2V_ERROR_TASK_CANCELED:
      case WANR2V_ERROR_TASK_UNKNOWN:
      case WANR2V_ERROR_TIMEOUT:
      case WANR2V_ERROR_QUOTA:
        code = GST_RESOURCE_ERROR_FAILED;
        break;
      case WANR2V_ERROR_UNAVAILABLE:
        /* "the library could not be opened" */
        domain = GST_LIBRARY_ERROR;
        code = GST_LIBRARY_ERROR_INIT;
        break;
      default:
        break;
    }
  }

  debug = g_strdup_printf ("HTTP status %u, service code %s, request id %s, "
      "task id %s", details ? details->http_status : 0,
      details && details->code ? details->code : "(none)",
      details && details->request_id ? details->request_id : "(none)",
      details && details->task_id ? details->task_id : "(none)");

  gst_element_message_full_with_details (element, GST_MESSAGE_ERROR, domain,
      code, g_strdup (text), g_steal_pointer (&debug), __FILE__,
      GST_FUNCTION, __LINE__, gst_structure_new ("details",
          "http-status", G_TYPE_UINT, details ? details->http_status : 0,
          "service-code", G_TYPE_STRING, details ? details->code : NULL,
          "service-message", G_TYPE_STRING, details ? details->message : NULL,
          "request-id", G_TYPE_STRING, details ? details->request_id : NULL,
          "task-id", G_TYPE_STRING, details ? details->task_id : NULL,
          "wanr2v-error", G_TYPE_INT, error->domain == WANR2V_ERROR ?
          error->code : -1, NULL));

  post_progress (element, GST_PROGRESS_TYPE_ERROR, CODE_REQUEST, text);
}

void
gst_wanr2v_src_report_cancelled (GstElement * element, const char *task_id)
{
  g_autofree char *text = task_id ?
      g_strdup_printf ("Stopped while task %s was unfinished", task_id) :
      g_strdup ("Stopped before the task was created");

  post_progress (element, GST_PROGRESS_TYPE_CANCELED, CODE_REQUEST, text);
}

GstTagList *
gst_wanr2v_src_report_make_tags (const WanR2vRequest * request,
    const char *task_id, const char *actual_prompt)
{
  GstTagList *tags = gst_tag_list_new (GST_TAG_APPLICATION_NAME, "wanr2vsrc",
      NULL);

  if (request && request->model)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, WANR2V_TAG_MODEL,
        request->model, NULL);
  if (request && request->prompt)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_DESCRIPTION,
        request->prompt, NULL);
  if (task_id)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, WANR2V_TAG_TASK_ID,
        task_id, NULL);
  if (actual_prompt)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT,
        actual_prompt, NULL);
  return tags;
}

void
gst_wanr2v_src_report_tags (GstElement * element, const GstTagList * tags)
{
  gst_element_post_message (element,
      gst_message_new_tag (GST_OBJECT (element), gst_tag_list_copy (tags)));
}
