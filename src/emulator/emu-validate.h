/* emu-validate.h: checks a create-task request the way the service does.
 *
 * Deliberately independent of the client's own request model: the emulator
 * reads the JSON liberally (unknown fields ignored, numbers given as strings
 * accepted) and answers with the service's error codes, so that a client bug
 * shows up as the error the real service would give.
 */
#pragma once

#include "emu-common.h"

G_BEGIN_DECLS

typedef enum
{
  EMU_FAMILY_WAN27,             /* wan2.7-r2v, wan2.7-r2v-YYYY-MM-DD: media */
  EMU_FAMILY_WAN26,             /* wan2.6-r2v: reference_urls */
  EMU_FAMILY_WAN26_FLASH,       /* wan2.6-r2v-flash: reference_urls */
} EmuModelFamily;

typedef enum
{
  EMU_MEDIA_REFERENCE_IMAGE,
  EMU_MEDIA_REFERENCE_VIDEO,
  EMU_MEDIA_FIRST_FRAME,
} EmuMediaKind;

typedef struct
{
  EmuMediaKind kind;            /* on 2.6 guessed from the URL's extension;
                                 * the content decides when it is fetched */
  char *url;
  char *voice_url;              /* reference_voice, or NULL */
} EmuMediaItem;

/* A request that passed validation, with every default filled in. */
typedef struct
{
  char *model;
  EmuModelFamily family;
  char *prompt;                 /* as billed: cut to the limit if longer */
  char *negative_prompt;        /* or NULL */
  GPtrArray *media;             /* of EmuMediaItem*, in request order */
  char *resolution;             /* "720P" / "1080P" (2.6: derived from size) */
  char *ratio;                  /* "16:9"... (2.6: derived from size) */
  char *size;                   /* 2.6 only: "W*H" */
  guint width, height;          /* output size (2.7 without first frame) */
  guint duration;               /* seconds */
  gboolean prompt_extend;
  gboolean watermark;
  gboolean audio;               /* whether the output has sound */
  gboolean has_seed;
  gint64 seed;
  char *shot_type;              /* 2.6 only */
} EmuTaskSpec;

typedef struct
{
  /* TRUE: refuse an over-long prompt with 400 instead of cutting it
   * silently as the service does. */
  gboolean reject_long_prompts;
  /* The request carried X-DashScope-OssResourceResolve: enable. */
  gboolean oss_resolve;
} EmuValidateOptions;

#define EMU_WAN27_PROMPT_MAX 5000
#define EMU_WAN26_PROMPT_MAX 1500
#define EMU_NEGATIVE_PROMPT_MAX 500

/* Parses and checks @body; returns NULL and sets @error (HTTP status, code,
 * message) when the service would refuse it. */
EmuTaskSpec *emu_validate_create (const char *body, gsize body_len,
    const EmuValidateOptions * options, EmuServiceError ** error);

/* Whether @model is one the emulator serves, and its family. */
gboolean emu_model_family (const char *model, EmuModelFamily * family);

void emu_task_spec_free (EmuTaskSpec * spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuTaskSpec, emu_task_spec_free)

void emu_media_item_free (EmuMediaItem * item);

const char *emu_media_kind_name (EmuMediaKind kind);

G_END_DECLS
