/* test-retry.c: docs/failure-model.md's "Retry policy" table, row by row,
 * against wanr2v_retry_classify(): the document and the code cannot drift
 * apart. */
#include "wanr2v-retry.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DOCS_DIR
#error "DOCS_DIR must be set"
#endif

typedef struct
{
  const char *name;
  gint value;
} Name;

static const Name calls[] = {
  {"create", WANR2V_CALL_CREATE}, {"query", WANR2V_CALL_QUERY},
  {"cancel", WANR2V_CALL_CANCEL}, {"policy", WANR2V_CALL_POLICY},
  {"upload", WANR2V_CALL_UPLOAD}, {"download", WANR2V_CALL_DOWNLOAD},
  {"list", WANR2V_CALL_LIST},
};

static const Name codes[] = {
  {"FAILED", WANR2V_ERROR_FAILED}, {"NETWORK", WANR2V_ERROR_NETWORK},
  {"TLS", WANR2V_ERROR_TLS}, {"PROTOCOL", WANR2V_ERROR_PROTOCOL},
  {"AUTH", WANR2V_ERROR_AUTH}, {"NOT_FOUND", WANR2V_ERROR_NOT_FOUND},
  {"BAD_REQUEST", WANR2V_ERROR_BAD_REQUEST},
  {"THROTTLED", WANR2V_ERROR_THROTTLED}, {"QUOTA", WANR2V_ERROR_QUOTA},
  {"SERVER", WANR2V_ERROR_SERVER}, {"EXPIRED", WANR2V_ERROR_EXPIRED},
  {"CONNECTION_LOST", WANR2V_ERROR_CONNECTION_LOST},
  {"POLICY_EXPIRED", WANR2V_ERROR_POLICY_EXPIRED},
  {"NOT_VIDEO", WANR2V_ERROR_NOT_VIDEO}, {"CORRUPT", WANR2V_ERROR_CORRUPT},
  {"UNAVAILABLE", WANR2V_ERROR_UNAVAILABLE},
};

/* The table's words for what the code decides. */
static const char *const action_names[] = {
  [WANR2V_RETRY_FAIL] = "fail",
  [WANR2V_RETRY_AGAIN] = "again",
  [WANR2V_RETRY_WAIT] = "wait",
  [WANR2V_RETRY_POLL] = "poll",
  [WANR2V_RETRY_RESUME] = "resume",
  [WANR2V_RETRY_RECOVER] = "recover",
};

static const char *
action_name (WanR2vRetryAction action)
{
  return action < G_N_ELEMENTS (action_names) ? action_names[action] : "?";
}

static const Name io_codes[] = {
  {"G_IO_ERROR_CONNECTION_REFUSED", G_IO_ERROR_CONNECTION_REFUSED},
  {"G_IO_ERROR_TIMED_OUT", G_IO_ERROR_TIMED_OUT},
};

static gint
lookup (const Name * names, guint n, const char *name)
{
  guint i;

  for (i = 0; i < n; i++)
    if (strcmp (names[i].name, name) == 0)
      return names[i].value;
  g_error ("unknown name in the table: %s", name);
  return -1;
}

/* The cells of "| a | b |" rows of the table under @heading. */
static GPtrArray *
read_table (const char *heading)
{
  g_autofree char *path = g_build_filename (DOCS_DIR, "failure-model.md",
      NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_strfreev);
  gboolean in = FALSE;
  guint i;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++) {
    char **cells;
    guint j;

    if (g_str_has_prefix (lines[i], "#")) {
      in = strcmp (lines[i], heading) == 0;
      continue;
    }
    if (!in || !g_str_has_prefix (lines[i], "| ")
        || g_str_has_prefix (lines[i], "| call ")
        || g_str_has_prefix (lines[i], "|---"))
      continue;
    cells = g_strsplit (lines[i] + 1, "|", -1);
    for (j = 0; cells[j]; j++)
      g_strstrip (cells[j]);
    g_ptr_array_add (rows, cells);
  }
  return rows;
}

static void
test_table (void)
{
  g_autoptr (GPtrArray) rows = read_table ("### Retry policy, as the code "
      "has it");
  guint seen_calls = 0, seen_actions = 0, i;

  g_assert_cmpuint (rows->len, >=, 30);
  for (i = 0; i < rows->len; i++) {
    char **c = g_ptr_array_index (rows, i);
    WanR2vCall call = lookup (calls, G_N_ELEMENTS (calls), c[0]);
    g_autoptr (GError) error = NULL;
    g_autoptr (WanR2vErrorInfo) details = NULL;
    WanR2vRetryAction got;

    g_assert_cmpuint (g_strv_length (c), >=, 5);
    if (g_str_has_prefix (c[1], "G_IO_ERROR_"))
      error = g_error_new_literal (G_IO_ERROR, lookup (io_codes,
              G_N_ELEMENTS (io_codes), c[1]), "x");
    else
      error = g_error_new_literal (WANR2V_ERROR, lookup (codes,
              G_N_ELEMENTS (codes), c[1]), "x");
    if (*c[2] || *c[3]) {
      details = wanr2v_error_info_new ();
      details->http_status = *c[2] ? atoi (c[2]) : 0;
      details->code = *c[3] ? g_strdup (c[3]) : NULL;
    }
    got = wanr2v_retry_classify (call, error, details);
    if (strcmp (action_name (got), c[4]) != 0)
      g_error ("row %u (%s | %s | %s | %s): the code says %s, the table %s",
          i + 1, c[0], c[1], c[2], c[3], action_name (got),
          c[4]);
    seen_calls |= 1u << call;
    seen_actions |= 1u << got;
  }
  /* Every call and every action has a row. */
  g_assert_cmphex (seen_calls, ==, (1u << G_N_ELEMENTS (calls)) - 1);
  g_assert_cmphex (seen_actions, ==, (1u << (WANR2V_RETRY_RECOVER + 1)) - 1);
}

/* The domain counts, not only the code: GIO's "timed out" has the number
 * of no WanR2vErrorCode that is sent again. */
static void
test_domain_checked (void)
{
  g_autoptr (GError) lost = g_error_new_literal (G_IO_ERROR,
      WANR2V_ERROR_CONNECTION_LOST, "x");

  g_assert_cmpint (wanr2v_retry_classify (WANR2V_CALL_DOWNLOAD, lost, NULL),
      ==, WANR2V_RETRY_FAIL);
  g_assert_cmpint (wanr2v_retry_classify (WANR2V_CALL_CREATE, lost, NULL),
      ==, WANR2V_RETRY_FAIL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/retry/table", test_table);
  g_test_add_func ("/retry/domain-checked", test_domain_checked);
  return g_test_run ();
}
