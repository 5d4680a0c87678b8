/* wanr2v-json-read.c: reading JSON that came from the network or a user's
 * file, without trusting it (see wanr2v-json-read.h).
 *
 * Nesting is bounded before json-glib sees the data, since its parser
 * recurses once per level.
 */
#include "wanr2v-json-read.h"
#include "wanr2v-json-check.h"

#include <math.h>
#include <string.h>

/* Our bodies nest four levels deep; nothing sane needs more than this. */
#define MAX_JSON_DEPTH 64

/* Parses @data; on failure returns NULL and a reason for people in @why. */
JsonParser *
wanr2v_json_load (const char *data, gssize length, char **why)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (data == NULL) {
    *why = g_strdup ("the body is empty");
    return NULL;
  }
  len = length < 0 ? strlen (data) : (gsize) length;
  /* json-glib is too lenient for data from the network (see
   * wanr2v-json-check.h): only strict JSON reaches it. */
  if (!wanr2v_json_check_strict (data, len, MAX_JSON_DEPTH, why))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &error)) {
    /* json-glib may quote the bytes it choked on: keep the text valid. */
    *why = g_utf8_make_valid (error->message, -1);
    return NULL;
  }
  if (json_parser_get_root (parser) == NULL) {
    *why = g_strdup ("the body is empty");
    return NULL;
  }
  return g_steal_pointer (&parser);
}

/* The start of a body that is not what we expected, fit for a message:
 * valid UTF-8, one line, short.  Proxies answer with HTML pages. */
char *
wanr2v_json_excerpt (const char *body, gssize length)
{
  const gsize max_bytes = 60;
  gsize len;
  char *text, *p;

  if (body == NULL)
    return g_strdup ("");
  len = length < 0 ? strlen (body) : (gsize) length;
  text = g_utf8_make_valid (body, MIN (len, max_bytes));
  for (p = text; *p; p++)
    if ((guchar) * p < 0x20)
      *p = ' ';
  if (len > max_bytes) {
    char *longer = g_strconcat (text, "...", NULL);

    g_free (text);
    text = longer;
  }
  return text;
}

const char *
wanr2v_json_describe (JsonNode * node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
  }
}

/* A member, or NULL when absent or JSON null (null means "not given"). */
JsonNode *
wanr2v_json_member (JsonObject * object, const char *name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

gboolean
wanr2v_json_node_is_string (JsonNode * node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING;
}

const char *
wanr2v_json_node_string (JsonNode * node)
{
  return wanr2v_json_node_is_string (node) ? json_node_get_string (node) : NULL;
}

const char *
wanr2v_json_get_string (JsonObject * object, const char *name)
{
  return wanr2v_json_node_string (wanr2v_json_member (object, name));
}

JsonObject *
wanr2v_json_get_object (JsonObject * object, const char *name)
{
  JsonNode *node = wanr2v_json_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

JsonObject *
wanr2v_json_root_object (JsonParser * parser)
{
  JsonNode *root = json_parser_get_root (parser);

  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ?
      json_node_get_object (root) : NULL;
}

/* Integers may come as numbers, integral floats or decimal strings. */
gboolean
wanr2v_json_node_int64 (JsonNode * node, gint64 * out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *out = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:{
      double d = json_node_get_double (node);

      if (!isfinite (d) || d != floor (d) || d < -9.0e18 || d > 9.0e18)
        return FALSE;
      *out = (gint64) d;
      return TRUE;
    }
    case G_TYPE_STRING:{
      g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (node)));

      return g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, out,
          NULL);
    }
    default:
      return FALSE;
  }
}

static gboolean
node_double (JsonNode * node, double *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *out = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out = json_node_get_double (node);
      return isfinite (*out);
    case G_TYPE_STRING:{
      g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (node)));
      char *end = NULL;

      if (*s == '\0')
        return FALSE;
      *out = g_ascii_strtod (s, &end);
      return end != NULL && *end == '\0' && isfinite (*out);
    }
    default:
      return FALSE;
  }
}

/* Booleans may come as true/false, "true"/"false" or 0/1. */
gboolean
wanr2v_json_node_boolean (JsonNode * node, gboolean * out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_BOOLEAN:
      *out = json_node_get_boolean (node);
      return TRUE;
    case G_TYPE_INT64:{
      gint64 v = json_node_get_int (node);

      if (v != 0 && v != 1)
        return FALSE;
      *out = v == 1;
      return TRUE;
    }
    case G_TYPE_STRING:{
      const char *s = json_node_get_string (node);

      if (g_ascii_strcasecmp (s, "true") == 0)
        *out = TRUE;
      else if (g_ascii_strcasecmp (s, "false") == 0)
        *out = FALSE;
      else
        return FALSE;
      return TRUE;
    }
    default:
      return FALSE;
  }
}

double
wanr2v_json_get_double (JsonObject * object, const char *name, double fallback)
{
  double value;

  return node_double (wanr2v_json_member (object, name), &value) ? value :
      fallback;
}

gint64
wanr2v_json_get_int64 (JsonObject * object, const char *name, gint64 fallback)
{
  JsonNode *node = wanr2v_json_member (object, name);
  gint64 value;
  double d;

  if (wanr2v_json_node_int64 (node, &value))
    return value;
  /* A count that arrives as 1.0 or "1.0" is still a count. */
  if (node_double (node, &d) && d >= -9.0e18 && d <= 9.0e18)
    return (gint64) d;
  return fallback;
}