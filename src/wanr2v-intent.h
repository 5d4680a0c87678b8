/* wanr2v-intent.h: the intent record written before every create.
 *
 * The task journal (wanr2v-cache.h) can only be written once the create's
 * reply names the task.  A process that dies between sending the create
 * and writing the journal (or whose reply is lost) would leave a task that
 * is billed and that no later run knows of.  So before the create is sent,
 * <key>.intent records that a create of this request may be on its way:
 * the model, the prompt and the moment it was sent.  It is removed as soon
 * as the outcome is certain (the task is journaled, or the service said no,
 * or the task list proved none was made).  A later run that finds it looks
 * for that task in the task list (wanr2v-recover.h) before creating one.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *model;
  char *prompt;
  gint64 sent_ms;               /* epoch milliseconds, when it was sent */
} WanR2vIntent;

void wanr2v_intent_free (WanR2vIntent * intent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vIntent, wanr2v_intent_free)

/* Records, durably, that a create of @model with @prompt for @key is sent
 * at @sent_ms. */
gboolean wanr2v_intent_write (const char *dir, const char *key,
    const char *model, const char *prompt, gint64 sent_ms, GError ** error);

/* The intent of @key if one is younger than @max_age_s, else NULL (an
 * outdated or unreadable record is removed). */
WanR2vIntent *wanr2v_intent_read (const char *dir, const char *key,
    gint64 max_age_s);

void wanr2v_intent_remove (const char *dir, const char *key);

G_END_DECLS
