/* wanr2v-json-read.h: reading JSON that came from the network or a user's
 * file, without trusting it.  Internal to the wanr2v-json-*.c files.
 *
 * Every getter checks the type of a node before it reads it, because
 * json-glib's convenience getters warn (or abort under
 * G_DEBUG=fatal-criticals) on a member of the wrong type.  JSON null counts
 * as "not given" everywhere.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses @data (@length -1: NUL-terminated), strictly and with bounded
 * nesting; on failure returns NULL and a reason for people in @why. */
JsonParser *wanr2v_json_load (const char *data, gssize length, char **why);

/* The start of a body that is not what we expected, fit for a message:
 * valid UTF-8, one line, short.  Proxies answer with HTML pages. */
char *wanr2v_json_excerpt (const char *body, gssize length);

/* "an object", "a string", "null"...: what @node is, for messages. */
const char *wanr2v_json_describe (JsonNode * node);

/* The root object, or NULL when the root is something else. */
JsonObject *wanr2v_json_root_object (JsonParser * parser);

/* A member, or NULL when absent or JSON null.  @object may be NULL. */
JsonNode *wanr2v_json_member (JsonObject * object, const char *name);

gboolean wanr2v_json_node_is_string (JsonNode * node);
/* The string @node holds, or NULL when it holds something else. */
const char *wanr2v_json_node_string (JsonNode * node);
/* Integers may come as numbers, integral floats or decimal strings. */
gboolean wanr2v_json_node_int64 (JsonNode * node, gint64 * out);
/* Booleans may come as true/false, "true"/"false" or 0/1. */
gboolean wanr2v_json_node_boolean (JsonNode * node, gboolean * out);

/* Members of @object read as above; NULL or @fallback when absent or of
 * another type. */
const char *wanr2v_json_get_string (JsonObject * object, const char *name);
JsonObject *wanr2v_json_get_object (JsonObject * object, const char *name);
double wanr2v_json_get_double (JsonObject * object, const char *name,
    double fallback);
gint64 wanr2v_json_get_int64 (JsonObject * object, const char *name,
    gint64 fallback);

G_END_DECLS
