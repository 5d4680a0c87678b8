/* wanr2v-json-check.h: a strict check of JSON text before json-glib sees it.
 *
 * json-glib 1.6 is lenient in ways that matter for data from the network:
 * it parses (and leaks) every top-level value after the first, takes
 * comments and non-JSON escapes (octal, short \u), turns lone surrogates
 * into invalid UTF-8, and segfaults on very deep nesting.  This checker
 * accepts exactly RFC 8259 JSON: one value, JSON's escapes only, surrogates
 * in pairs, valid UTF-8, and nesting up to a limit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when @data is one well-formed JSON value; else FALSE and, in @why,
 * what is wrong and where (byte offset), valid UTF-8, for people. */
gboolean wanr2v_json_check_strict (const char *data, gsize length,
    guint max_depth, char **why);

G_END_DECLS
