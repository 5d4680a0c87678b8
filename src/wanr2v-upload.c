/* wanr2v-upload.c: streamed multipart upload of a local file. */
#include "wanr2v-upload.h"
#include "wanr2v-concat-stream.h"
#include "wanr2v-http.h"
#include "wanr2v-localfile.h"
#include "wanr2v-watchdog.h"

#include "wanr2v-soup.h"
#include <string.h>

/* Bytes read from the file at once.  Small, to keep memory flat. */
#define FILE_READ_BLOCK (256 * 1024)

/* OSS answers an upload with an empty body or a small XML error: more is
 * not read. */
#define MAX_UPLOAD_REPLY_SIZE (64 * 1024)

typedef struct
{
  SoupMessage *msg;
  char *oss_url;
  char *path;
  char *user_agent;             /* the HTTP thread's */
  WanR2vErrorInfo *details;

  /* Nothing written or read for the idle timeout cancels the upload, and
   * so does the caller's cancellable. */
  WanR2vWatchdog *watchdog;
} Upload;

static void
upload_free (Upload * up)
{
  g_clear_pointer (&up->watchdog, wanr2v_watchdog_free);
  g_clear_object (&up->msg);
  g_free (up->oss_url);
  g_free (up->path);
  g_free (up->user_agent);
  g_clear_pointer (&up->details, wanr2v_error_info_free);
  g_free (up);
}

/* A fresh object key for a file under @policy: `{upload_dir}/{random}/{name}`,
 * unique for every call (the policy forbids overwriting an object), the
 * name made of ASCII letters, digits, '-', '_' and '.' only (other
 * characters reportedly make the service fail to fetch it later). */
static char *
wanr2v_upload_object_key (const WanR2vUploadPolicy * policy, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  g_strcanon (base, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_.", '_');
  /* The policy sets x-oss-forbid-overwrite, and one policy serves several
   * files: a key made of the name alone makes the second of two files
   * called voice.wav fail with 409 FileAlreadyExists.  64 random bits per
   * upload keep every key apart, retries under the same policy included,
   * and the name stays last for people reading the service's logs. */
  return g_strdup_printf ("%s/%08x%08x/%s", policy->upload_dir ?
      policy->upload_dir : "", g_random_int (), g_random_int (), base);
}

static void
append_field (GString * body, const char *boundary, const char *name,
    const char *value)
{
  g_string_append_printf (body, "--%s\r\nContent-Disposition: form-data; "
      "name=\"%s\"\r\n\r\n%s\r\n", boundary, name, value ? value : "");
}

/* Pulls <Code> and <Message> out of an OSS XML error body. */
static char *
xml_element (const char *xml, gsize len, const char *name)
{
  g_autofree char *open = g_strdup_printf ("<%s>", name);
  g_autofree char *close = g_strdup_printf ("</%s>", name);
  g_autofree char *text = g_strndup (xml, len);
  const char *start = strstr (text, open);
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen (open);
  end = strstr (start, close);
  return end ? g_strndup (start, end - start) : NULL;
}

/* The transport failed (no reply, or a reply cut short). */
static void
return_transport_error (GTask * task, Upload * up, const GError * error)
{
  if (wanr2v_watchdog_fired (up->watchdog)) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_CONNECTION_LOST,
        "Uploading %s stalled: nothing moved for %u s", up->path,
        wanr2v_watchdog_get_idle_timeout (up->watchdog));
    return;
  }
  g_task_return_new_error (task, WANR2V_ERROR,
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ?
      WANR2V_ERROR_CANCELLED : WANR2V_ERROR_CONNECTION_LOST,
      "Uploading %s failed: %s", up->path, error->message);
}

/* The reply is in: its status and (bounded, possibly NULL) body. */
static void
handle_reply (GTask * task, Upload * up, GBytes * body)
{
  guint status;

  status = wanr2v_soup_message_get_status (up->msg);
  if (status == SOUP_STATUS_OK || status == SOUP_STATUS_NO_CONTENT
      || status == SOUP_STATUS_CREATED) {
    g_task_return_pointer (task, g_steal_pointer (&up->oss_url), g_free);
  } else {
    gsize len = 0;
    const char *xml = body ? g_bytes_get_data (body, &len) : "";
    WanR2vErrorInfo *details = wanr2v_error_info_new ();
    gboolean expired;

    details->http_status = status;
    details->code = xml_element (xml, len, "Code");
    details->message = xml_element (xml, len, "Message");
    details->request_id = xml_element (xml, len, "RequestId");
    expired = details->message && strstr (details->message, "expired");
    up->details = details;
    g_task_return_new_error (task, WANR2V_ERROR, expired ?
        WANR2V_ERROR_POLICY_EXPIRED : status >= 500 ? WANR2V_ERROR_SERVER :
        WANR2V_ERROR_FAILED, "The upload host refused %s: HTTP %u %s%s%s",
        up->path, status, details->code ? details->code : "",
        details->message ? ": " : "",
        details->message ? details->message : "");
  }
}

/* At most MAX_UPLOAD_REPLY_SIZE bytes of the reply, blocking. */
static GBytes *
read_reply (GInputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  guint8 *data = g_malloc (MAX_UPLOAD_REPLY_SIZE + 1);
  gsize n = 0;

  if (!g_input_stream_read_all (stream, data, MAX_UPLOAD_REPLY_SIZE + 1, &n,
          cancellable, error)) {
    g_free (data);
    return NULL;
  }
  if (n > MAX_UPLOAD_REPLY_SIZE) {
    g_free (data);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        "The reply is larger than %u bytes", MAX_UPLOAD_REPLY_SIZE);
    return NULL;
  }
  return g_bytes_new_take (data, n);
}

/* The upload's own thread: blocking I/O, so that libsoup copies the body
 * into the socket in a plain loop.  Sent asynchronously from the HTTP
 * thread, every 8 KiB cost a read and a write that each completed in a
 * main-loop iteration of their own (GIO's splice_async, GTask's deferred
 * returns): about 25,000 iterations, each with a poll(2), for 100 MB.  The
 * watchdog still runs on the HTTP thread and cancels the blocking calls.
 * The result goes back to the HTTP thread through the task. */
static gpointer
upload_thread (gpointer data)
{
  GTask *task = data;
  Upload *up = g_task_get_task_data (task);
  GCancellable *cancellable = wanr2v_watchdog_get_cancellable (up->watchdog);
  GMainContext *context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  GInputStream *stream;
  SoupSession *session;
  gboolean sent;

  /* A context of our own: the session's sources (idle connections) must
   * not land on the application's default main context. */
  g_main_context_push_thread_default (context);
  /* A session of our own, with the settings of the HTTP thread's: a
   * SoupSession belongs to the thread that made it. */
  session = g_object_new (wanr2v_soup_session_get_type (), "user-agent",
      up->user_agent, NULL);
  stream = wanr2v_soup_session_send (session, up->msg, cancellable, &error);
  sent = stream != NULL;
  if (sent) {
    body = read_reply (stream, cancellable, &error);
    g_input_stream_close (stream, NULL, NULL);
    g_object_unref (stream);
  }
  wanr2v_soup_session_abort (session);
  g_object_unref (session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  /* Returned once this thread is done with the message.  A reply too
   * large to be OSS's is judged by its status alone. */
  if (!sent || (body == NULL && !g_error_matches (error, G_IO_ERROR,
              G_IO_ERROR_MESSAGE_TOO_LARGE)))
    return_transport_error (task, up, error);
  else
    handle_reply (task, up, body);
  /* Maybe the last reference: the Upload may be freed here, its
   * watchdog included, which is safe on any thread. */
  g_object_unref (task);
  return NULL;
}

static void
on_progress (SoupMessage * msg, gpointer data)
{
  Upload *up = data;

  wanr2v_watchdog_touch (up->watchdog);
}

static void
on_wrote_body_data (SoupMessage * msg, guint chunk_size, gpointer data)
{
  on_progress (msg, data);
}

void
wanr2v_upload_file_async (const WanR2vUploadPolicy * policy,
    const char *path, const char *mime, guint idle_timeout_s,
    GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  WanR2vHttp *http = wanr2v_http_get_current ();
  g_autoptr (GInputStream) file_stream = NULL;
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *boundary = NULL, *key = NULL, *content_type = NULL;
  g_autofree char *filename = NULL;
  GString *head;
  char *tail;
  GInputStream *parts[3];
  guint64 file_size = 0;
  goffset length;
  Upload *up;
  GTask *task;
  GThread *thread;

  g_return_if_fail (wanr2v_http_is_http_thread (http));

  up = g_new0 (Upload, 1);
  up->path = g_strdup (path);
  up->user_agent = g_strdup (wanr2v_http_get_user_agent (http));
  up->watchdog = wanr2v_watchdog_new (cancellable, idle_timeout_s,
      g_main_context_get_thread_default ());
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, up, (GDestroyNotify) upload_free);

  /* A regular file only (checked on the opened descriptor): its size is
   * known and the body's length with it, and reading it never blocks. */
  file_stream = wanr2v_local_file_open_stream (path, "upload", 0, &file_size,
      &error);
  if (file_stream == NULL) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_IO,
        "Could not read %s: %s", path, error->message);
    g_object_unref (task);
    return;
  }
  /* The policy's numbers are clamped when parsed (wanr2v-json.c), so the
   * product cannot overflow. */
  if (policy->max_file_size_mb > 0
      && file_size > (guint64) policy->max_file_size_mb * 1024 * 1024) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "%s is %" G_GUINT64_FORMAT " bytes; the upload policy allows at most "
        "%" G_GINT64_FORMAT " MB", path, file_size, policy->max_file_size_mb);
    g_object_unref (task);
    return;
  }

  key = wanr2v_upload_object_key (policy, path);
  filename = g_path_get_basename (key);
  up->oss_url = g_strconcat ("oss://", key, NULL);
  boundary = g_strdup_printf ("wanr2v-%08x%08x", g_random_int (),
      g_random_int ());

  /* The order of the fields is the documented one; "file" must be last. */
  head = g_string_new (NULL);
  append_field (head, boundary, "OSSAccessKeyId", policy->oss_access_key_id);
  append_field (head, boundary, "Signature", policy->signature);
  append_field (head, boundary, "policy", policy->policy);
  append_field (head, boundary, "key", key);
  append_field (head, boundary, "x-oss-object-acl", policy->x_oss_object_acl);
  append_field (head, boundary, "x-oss-forbid-overwrite",
      policy->x_oss_forbid_overwrite);
  append_field (head, boundary, "success_action_status", "200");
  append_field (head, boundary, "x-oss-content-type", mime);
  g_string_append_printf (head, "--%s\r\nContent-Disposition: form-data; "
      "name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", boundary,
      filename, mime);
  tail = g_strdup_printf ("\r\n--%s--\r\n", boundary);
  length = head->len + file_size + strlen (tail);

  parts[0] = g_memory_input_stream_new_from_data (head->str, head->len,
      g_free);
  g_string_free (head, FALSE);
  /* A regular file makes the whole body pollable, so that libsoup reads it
   * on the HTTP thread as the socket takes it. */
  {
    /* libsoup asks for 8 KiB at a time; reading the file in larger blocks
     * saves most of the read(2) calls. */
    g_autoptr (GInputStream) buffered =
        g_buffered_input_stream_new_sized (file_stream, FILE_READ_BLOCK);

    parts[1] = wanr2v_concat_stream_file_part_new (buffered);
  }
  parts[2] = g_memory_input_stream_new_from_data (tail, strlen (tail),
      g_free);
  body = wanr2v_concat_stream_new (parts, 3);
  g_object_unref (parts[0]);
  g_object_unref (parts[1]);
  g_object_unref (parts[2]);

  if (!wanr2v_soup_load (&error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  up->msg = wanr2v_soup_message_new ("POST", policy->upload_host);
  if (up->msg == NULL) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "The upload policy names an invalid upload host");
    g_object_unref (task);
    return;
  }
  content_type = g_strdup_printf ("multipart/form-data; boundary=%s",
      boundary);
  /* No Authorization header: the policy's signature is the credential. */
  wanr2v_soup_message_set_request_body (up->msg, content_type, body, length);
  if (idle_timeout_s > 0) {
    /* The idle period starts when the request does, not at the policy. */
    wanr2v_watchdog_touch (up->watchdog);
    g_signal_connect (up->msg, "wrote-body-data",
        G_CALLBACK (on_wrote_body_data), up);
    g_signal_connect (up->msg, "got-headers", G_CALLBACK (on_progress), up);
  }
  thread = g_thread_try_new ("wanr2v-upload", upload_thread, task, &error);
  if (thread == NULL) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_IO,
        "Could not start the upload of %s: %s", path, error->message);
    g_object_unref (task);
    return;
  }
  g_thread_unref (thread);
}

const char *
wanr2v_upload_file_get_path (GAsyncResult * result)
{
  Upload *up = g_task_get_task_data (G_TASK (result));

  return up->path;
}

char *
wanr2v_upload_file_finish (GAsyncResult * result, WanR2vErrorInfo ** details,
    GError ** error)
{
  GTask *task = G_TASK (result);
  Upload *up = g_task_get_task_data (task);
  char *url;

  if (details)
    *details = NULL;
  url = g_task_propagate_pointer (task, error);
  if (url == NULL && details && up->details)
    *details = wanr2v_error_info_copy (up->details);
  return url;
}
