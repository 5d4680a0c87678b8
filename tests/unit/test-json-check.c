/* test-json-check.c: the strict JSON check in front of json-glib. */
#include "wanr2v-json-check.h"

static const char *const valid[] = {
  "{}", "[]", "0", "-0.5e+3", "\"x\"", "true", "false", "null",
  " {\"a\": [1, 2.5, -3e2, \"s\", true, false, null, {}, []]} \n",
  "{\"emoji\": \"\\ud83d\\ude00\", \"esc\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
  "\"caf\xc3\xa9 \xe6\x96\x87\"",
};

static const char *const invalid[] = {
  "", " ", "{", "}", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{1:2}",
  "{\"a\":1}{\"b\":2}",         /* json-glib parses and leaks the second */
  "\"\"{}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "True",
  "\"\\ud83dx\"",               /* lone high surrogate */
  "\"\\ude00\"",                /* lone low surrogate */
  "\"\\ud83d\\u0041\"",         /* high surrogate + non-surrogate */
  "\"\\377\"",                  /* octal escape */
  "\"\\u12\"", "\"\\x41\"", "\"a\nb\"", "\"unterminated",
  "[1] // comment", "/* c */ {}", "{\"a\": 'single'}",
  "\"\xd0P\"",                  /* invalid UTF-8 */
};

static void
test_valid (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid); i++) {
    g_autofree char *why = NULL;

    if (!wanr2v_json_check_strict (valid[i], strlen (valid[i]), 64, &why))
      g_error ("refused valid %s: %s", valid[i], why);
  }
}

static void
test_invalid (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (invalid); i++) {
    g_autofree char *why = NULL;

    if (wanr2v_json_check_strict (invalid[i], strlen (invalid[i]), 64, &why))
      g_error ("accepted invalid %s", invalid[i]);
    g_assert_nonnull (why);
    g_assert_true (g_utf8_validate (why, -1, NULL));
  }
}

static void
test_depth (void)
{
  GString *deep = g_string_new (NULL);
  guint i;

  for (i = 0; i < 64; i++)
    g_string_append_c (deep, '[');
  for (i = 0; i < 64; i++)
    g_string_append_c (deep, ']');
  g_assert_true (wanr2v_json_check_strict (deep->str, deep->len, 64, NULL));
  g_string_prepend_c (deep, '[');
  g_string_append_c (deep, ']');
  g_assert_false (wanr2v_json_check_strict (deep->str, deep->len, 64, NULL));
  g_string_free (deep, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-check/valid", test_valid);
  g_test_add_func ("/json-check/invalid", test_invalid);
  g_test_add_func ("/json-check/depth", test_depth);
  return g_test_run ();
}
