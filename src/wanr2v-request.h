/* wanr2v-request.h: the request model of a reference-to-video task.
 *
 * A WanR2vRequest is what a user asks for, independent of the wire protocol
 * (wan2.7's `media` list or wan2.6's `reference_urls`).  It is filled from
 * element properties (or a request file), checked with
 * wanr2v_request_validate() before anything leaves the machine, and turned
 * into a create body by wanr2v-json.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WANR2V_DEFAULT_MODEL "wan2.7-r2v"

/* Model families: they speak different protocols and have other limits. */
typedef enum
{
  WANR2V_FAMILY_UNKNOWN = 0,
  WANR2V_FAMILY_WAN27,          /* wan2.7-r2v, wan2.7-r2v-YYYY-MM-DD: media */
  WANR2V_FAMILY_WAN26,          /* wan2.6-r2v: reference_urls */
  WANR2V_FAMILY_WAN26_FLASH,    /* wan2.6-r2v-flash: reference_urls + audio */
} WanR2vModelFamily;

WanR2vModelFamily wanr2v_model_family (const char *model);

/* wan2.6-r2v or wan2.6-r2v-flash: the legacy reference_urls protocol. */
gboolean wanr2v_model_family_is_wan26 (WanR2vModelFamily family);

typedef enum
{
  WANR2V_MEDIA_REFERENCE_IMAGE,
  WANR2V_MEDIA_REFERENCE_VIDEO,
  WANR2V_MEDIA_FIRST_FRAME,
} WanR2vMediaType;

const char *wanr2v_media_type_to_string (WanR2vMediaType type); /* wire name */
/* Parses a wire name ("reference_image"...); FALSE when unknown. */
gboolean wanr2v_media_type_from_string (const char *s, WanR2vMediaType * type);

typedef struct
{
  WanR2vMediaType type;
  char *url;                    /* as the user gave it: path, file://, http(s)://, oss://, data: */
  char *voice;                  /* reference voice URL or path, or NULL */
} WanR2vMedia;

/* Tri-state booleans and unset integers: "unset" means the service default
 * applies and the field is left out of the wire body. */
#define WANR2V_UNSET (-1)

typedef struct
{
  char *model;
  char *prompt;
  char *negative_prompt;        /* NULL when unset */
  GPtrArray *media;             /* of WanR2vMedia*, in user order */

  char *resolution;             /* "720P" / "1080P", NULL = default */
  char *ratio;                  /* "16:9" (wanr2v_is_ratio), NULL = default */
  gint duration;                /* seconds, WANR2V_UNSET = default (5) */
  gint prompt_extend;           /* 0 / 1 / WANR2V_UNSET */
  gint watermark;               /* 0 / 1 / WANR2V_UNSET */
  gint64 seed;                  /* 0..2147483647, WANR2V_UNSET = random */

  /* wan2.6 only */
  char *shot_type;              /* "single" / "multi", NULL = default */
  gint audio;                   /* flash only: 0 / 1 / WANR2V_UNSET */
  char *size;                   /* explicit "W*H" from a request file, else NULL */
} WanR2vRequest;

WanR2vRequest *wanr2v_request_new (void);
WanR2vRequest *wanr2v_request_copy (const WanR2vRequest * req);
void wanr2v_request_free (WanR2vRequest * req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vRequest, wanr2v_request_free)

/* Appends a media entry; @voice may be NULL or "". */
void wanr2v_request_add_media (WanR2vRequest * req, WanR2vMediaType type,
    const char *url, const char *voice);

guint wanr2v_request_count_media (const WanR2vRequest * req,
    WanR2vMediaType type);

/* Effective values, with the service defaults applied. */
const char *wanr2v_request_get_resolution (const WanR2vRequest * req);
const char *wanr2v_request_get_ratio (const WanR2vRequest * req);
gint wanr2v_request_get_duration (const WanR2vRequest * req);

/* Limits, from the protocol notes. */
#define WANR2V_MAX_REFERENCES 5
#define WANR2V_MAX_PROMPT_CHARS_WAN27 5000
#define WANR2V_MAX_PROMPT_CHARS_WAN26 1500
#define WANR2V_MAX_NEGATIVE_PROMPT_CHARS 500
#define WANR2V_MAX_SEED G_GINT64_CONSTANT (2147483647)

/* Checks the request as a whole against the documented rules (model,
 * counts, prompt lengths in characters, enumerations, ranges, URL forms,
 * settings the model does not support).  It does not look inside local
 * files (see wanr2v-media for that).  On failure sets @error in
 * WANR2V_REQUEST_ERROR with a message that begins with the name of the
 * input it is about (see wanr2v-field.h), e.g. "media[2] (Image 3)" or
 * "duration", and says the limit. */
gboolean wanr2v_request_validate (const WanR2vRequest * req, GError ** error);

#define WANR2V_REQUEST_ERROR (wanr2v_request_error_quark ())
GQuark wanr2v_request_error_quark (void);

typedef enum
{
  WANR2V_REQUEST_ERROR_INVALID,         /* a value out of range or malformed */
  WANR2V_REQUEST_ERROR_MISSING,         /* a required value is absent */
  WANR2V_REQUEST_ERROR_UNSUPPORTED,     /* the model does not support it */
} WanR2vRequestError;

/* Classifies a reference string given by a user. */
typedef enum
{
  WANR2V_URL_INVALID,
  WANR2V_URL_LOCAL,             /* plain path or file:// URI */
  WANR2V_URL_HTTP,              /* http:// or https:// */
  WANR2V_URL_OSS,               /* oss:// */
  WANR2V_URL_DATA,              /* data: */
} WanR2vUrlKind;

WanR2vUrlKind wanr2v_url_classify (const char *url);

#define WANR2V_MAX_TASK_ID_LENGTH 128

/* Whether @id can name a task: 1..128 letters, digits, '-' and '_' (the
 * service's are UUIDs).  Anything else cannot, and some ids (a slash,
 * "..") would turn a query URL into another path. */
gboolean wanr2v_task_id_is_valid (const char *id);

/* For WANR2V_URL_LOCAL: the local file path (newly allocated), or NULL. */
char *wanr2v_url_to_local_path (const char *url);

/* TRUE when any URL of @req (media or voice) is oss://: the create then needs
 * the X-DashScope-OssResourceResolve header. */
gboolean wanr2v_request_uses_oss (const WanR2vRequest * req);

G_END_DECLS
