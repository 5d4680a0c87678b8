/* wanr2v-field.h: what an error about a request (or a job's setting) is
 * about.
 *
 * The core names the inputs of a request in its own terms: WanR2vRequest's
 * members ("negative_prompt", "shot_type") and, for one media entry, its
 * place in WanR2vRequest.media plus the name a prompt uses for it
 * ("media[4] (Image 3)").  An error about one input begins with that name
 * and carries the input itself (wanr2v_error_get_field()), so that a front
 * end that calls its inputs otherwise, as the element does with its
 * property names, can put its own name in place of the core's.
 */
#pragma once

#include <glib.h>
#include "wanr2v-request.h"

G_BEGIN_DECLS

typedef enum
{
  WANR2V_FIELD_NONE = 0,
  WANR2V_FIELD_MODEL,
  WANR2V_FIELD_PROMPT,
  WANR2V_FIELD_NEGATIVE_PROMPT,
  WANR2V_FIELD_REFERENCES,      /* the reference images and videos together */
  WANR2V_FIELD_REFERENCE_VIDEOS,        /* the reference videos together */
  WANR2V_FIELD_FIRST_FRAME,     /* the first frame as a setting */
  WANR2V_FIELD_MEDIA,           /* one media entry, or its voice */
  WANR2V_FIELD_RESOLUTION,
  WANR2V_FIELD_RATIO,
  WANR2V_FIELD_DURATION,
  WANR2V_FIELD_PROMPT_EXTEND,
  WANR2V_FIELD_WATERMARK,
  WANR2V_FIELD_SEED,
  WANR2V_FIELD_SHOT_TYPE,
  WANR2V_FIELD_AUDIO,
  WANR2V_FIELD_SIZE,
  /* Settings of a job (WanR2vJobConfig) */
  WANR2V_FIELD_OUTPUT_DIR,
} WanR2vField;

/* "Image 3", "voice of character12": room to spare. */
#define WANR2V_FIELD_PROMPT_NAME_SIZE 32

typedef struct
{
  WanR2vField field;
  /* WANR2V_FIELD_MEDIA only: */
  guint media_index;            /* in WanR2vRequest.media */
  WanR2vMediaType media_type;
  guint type_index;             /* among the entries of its type */
  gboolean voice;               /* its reference voice, not the entry */
  /* What the prompt calls the entry ("Image 3", "Video 1", on wan2.6
   * "character2"; "first frame"), without "voice of". */
  char prompt_name[WANR2V_FIELD_PROMPT_NAME_SIZE];
} WanR2vFieldRef;

/* A WanR2vFieldRef for an input other than a media entry. */
#define WANR2V_FIELD_REF(f) (&(const WanR2vFieldRef) { .field = (f) })

/* Media entry @index of @req (or, with @voice, its reference voice). */
void wanr2v_request_media_field (const WanR2vRequest * req, guint index,
    gboolean voice, WanR2vFieldRef * ref);

/* The core's name of @ref, e.g. "negative_prompt", "media[4] (Image 3)",
 * "media[4].voice (voice of Image 3)".  Newly allocated. */
char *wanr2v_field_name (const WanR2vFieldRef * ref);

/* Sets @error to a new error whose message is the name of @ref followed
 * by @format, and which carries @ref.  @domain must be WANR2V_ERROR or
 * WANR2V_REQUEST_ERROR. */
void wanr2v_set_error_about (GError ** error, GQuark domain, gint code,
    const WanR2vFieldRef * ref, const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Prefixes the message of *@error with "<name of @ref>: " and makes it
 * carry @ref (an error of another domain becomes a WANR2V_ERROR_FAILED). */
void wanr2v_prefix_error_about (GError ** error, const WanR2vFieldRef * ref);

/* What @error is about, when its message begins with the core's name of
 * it (then *@name_length is that name's length in bytes); else NULL. */
const WanR2vFieldRef *wanr2v_error_get_field (const GError * error,
    gsize * name_length);

G_END_DECLS
