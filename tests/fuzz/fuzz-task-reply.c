/* fuzz-task-reply.c: create/query replies and error replies, as they come
 * off the network. */
#include "fuzz-common.h"
#include "wanr2v-json.h"

#include <string.h>

/* Everything read from a reply may end up in a GError or a GStreamer
 * message, whose strings must be UTF-8. */
static void
check_text (const char *what, const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    fuzz_fail ("%s is not UTF-8", what);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vTaskInfo) info = NULL;
  g_autofree char *code = NULL, *message = NULL, *request_id = NULL;
  const char *body = (const char *) data;

  info = wanr2v_json_parse_task (body, size, &error);
  if ((info == NULL) == (error == NULL))
    fuzz_fail ("parse_task returned %p with error %p", info, error);
  if (info != NULL) {
    if (info->task_id == NULL || *info->task_id == '\0')
      fuzz_fail ("parse_task accepted a reply without task_id");
    if (info->status != wanr2v_task_status_from_string (info->status_string))
      fuzz_fail ("status %d does not match \"%s\"", info->status,
          info->status_string);
    check_text ("request_id", info->request_id);
    check_text ("task_id", info->task_id);
    check_text ("status_string", info->status_string);
    check_text ("submit_time", info->submit_time);
    check_text ("scheduled_time", info->scheduled_time);
    check_text ("end_time", info->end_time);
    check_text ("video_url", info->video_url);
    check_text ("orig_prompt", info->orig_prompt);
    check_text ("actual_prompt", info->actual_prompt);
    check_text ("code", info->code);
    check_text ("message", info->message);
    check_text ("usage_ratio", info->usage_ratio);
    check_text ("usage_size", info->usage_size);
    (void) strlen (wanr2v_task_status_to_string (info->status));
    if (info->usage_video_count < 0 || info->usage_sr < 0)
      fuzz_fail ("negative usage counts");
  } else {
    check_text ("the parse_task error message", error->message);
  }

  wanr2v_json_parse_error (body, size, &code, &message, &request_id);
  wanr2v_json_parse_error (body, size, NULL, NULL, NULL);
  check_text ("error code", code);
  check_text ("error message", message);
  check_text ("error request_id", request_id);
  return 0;
}
