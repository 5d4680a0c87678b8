/* gstwanr2vsrc-names.h: the element's names for the inputs of a request.
 *
 * The core names them in its own terms (wanr2v-field.h): "negative_prompt",
 * "media[4] (Image 3)".  A user of the element knows its properties, so
 * everything the element says about an input, it says with these names:
 * "negative-prompt", "images[2] (Image 3)".  The one place that knows both.
 */
#pragma once

#include <glib.h>
#include "wanr2v-field.h"

G_BEGIN_DECLS

/* The element's name for media entry @index of @req (or its voice): its
 * property, index and prompt name ("images[2] (Image 3)",
 * "video-voices[0] (voice of Video 1)", "first-frame").  Newly
 * allocated. */
char *gst_wanr2v_src_names_media (const WanR2vRequest * req, guint index,
    gboolean voice);

/* The message of a core error as the element shows it: the core's name of
 * the input it is about, when it begins with one, and the job settings it
 * names (WanR2vJobConfig's members: "attach_task_id", "cache_policy"...),
 * in the element's words: its property names.  Newly allocated. */
char *gst_wanr2v_src_names_message (const GError * error);

G_END_DECLS
