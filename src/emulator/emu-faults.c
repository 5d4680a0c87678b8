/* emu-faults.c: faults the emulator injects. */
#include "emu-faults.h"

#include <gio/gio.h>
#include <string.h>

struct _EmuFaults
{
  GPtrArray *list;              /* of EmuFault* (owned), in order */
  guint next_id;
};

static const char *const target_names[] = {
  [EMU_FAULT_TARGET_CREATE] = "create",
  [EMU_FAULT_TARGET_QUERY] = "query",
  [EMU_FAULT_TARGET_TASK] = "task",
  [EMU_FAULT_TARGET_DOWNLOAD] = "download",
  [EMU_FAULT_TARGET_POLICY] = "policy",
  [EMU_FAULT_TARGET_UPLOAD] = "upload",
  [EMU_FAULT_TARGET_CANCEL] = "cancel",
  [EMU_FAULT_TARGET_LIST] = "list",
};

#define T(t) (1u << EMU_FAULT_TARGET_##t)
#define HTTP_TARGETS (T (CREATE) | T (QUERY) | T (DOWNLOAD) | T (POLICY) \
    | T (UPLOAD) | T (CANCEL) | T (LIST))

typedef enum
{
  VALUE_NONE,                   /* a flag: no value */
  VALUE_OPTIONAL,               /* a number, 0 when absent */
  VALUE_REQUIRED,               /* a number */
} ValueUse;

typedef struct
{
  const char *name;
  EmuFaultKind kind;
  guint targets;
  ValueUse value;
  gint64 min, max;
  gboolean has_error_text;      /* accepts code= and message= */
} KindInfo;

static const KindInfo kinds[] = {
  {"status", EMU_FAULT_STATUS, HTTP_TARGETS, VALUE_REQUIRED, 100, 599, TRUE},
  {"delay", EMU_FAULT_DELAY, HTTP_TARGETS, VALUE_REQUIRED, 0, 3600000},
  /* Only a download has body bytes to send before the reset. */
  {"reset", EMU_FAULT_RESET, HTTP_TARGETS, VALUE_OPTIONAL, 0, G_MAXINT64},
  {"drop", EMU_FAULT_DROP, T (CREATE), VALUE_NONE},
  {"malformed", EMU_FAULT_MALFORMED, T (QUERY), VALUE_NONE},
  {"truncated", EMU_FAULT_TRUNCATED, T (QUERY), VALUE_NONE},
  {"fail", EMU_FAULT_FAIL, T (TASK), VALUE_NONE, 0, 0, TRUE},
  {"cancel", EMU_FAULT_CANCEL, T (TASK), VALUE_NONE},
  {"unknown", EMU_FAULT_UNKNOWN, T (TASK), VALUE_NONE},
  {"hang", EMU_FAULT_HANG, T (TASK), VALUE_NONE},
  {"truncate", EMU_FAULT_TRUNCATE, T (DOWNLOAD), VALUE_REQUIRED, 0,
      G_MAXINT64},
  {"expired", EMU_FAULT_EXPIRED, T (DOWNLOAD) | T (POLICY), VALUE_NONE},
  {"ignore-range", EMU_FAULT_IGNORE_RANGE, T (DOWNLOAD), VALUE_NONE},
  {"rate", EMU_FAULT_RATE, T (DOWNLOAD), VALUE_REQUIRED, 1, G_MAXINT64},
  {"html", EMU_FAULT_HTML, T (DOWNLOAD), VALUE_OPTIONAL, 1,
      64 * 1024 * 1024},
  {"corrupt", EMU_FAULT_CORRUPT, T (DOWNLOAD), VALUE_OPTIONAL, 0,
      G_MAXINT64},
  {"wrong-range", EMU_FAULT_WRONG_RANGE, T (DOWNLOAD), VALUE_NONE},
  /* Up to two days: past a day the task is expired (--task-ttl). */
  {"aged", EMU_FAULT_AGED, T (TASK), VALUE_REQUIRED, 1, 2 * 86400},
};

/* A captive portal's or a corporate proxy's page is about this big. */
#define DEFAULT_HTML_BYTES (200 * 1024)

#undef T

static const KindInfo *
kind_info (EmuFaultKind kind)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (kinds[i].kind == kind)
      return &kinds[i];
  g_assert_not_reached ();
}

static const KindInfo *
kind_by_name (const char *name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kinds[i].name, name) == 0)
      return &kinds[i];
  return NULL;
}

static void
emu_fault_free (EmuFault * fault)
{
  g_free (fault->code);
  g_free (fault->message);
  g_free (fault);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuFault, emu_fault_free)

EmuFaults *
emu_faults_new (void)
{
  EmuFaults *faults = g_new0 (EmuFaults, 1);

  faults->list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      emu_fault_free);
  faults->next_id = 1;
  return faults;
}

void
emu_faults_free (EmuFaults * faults)
{
  if (faults == NULL)
    return;
  g_ptr_array_unref (faults->list);
  g_free (faults);
}

void
emu_faults_clear (EmuFaults * faults)
{
  g_ptr_array_set_size (faults->list, 0);
}

/* ---- building a fault from key/value pairs (both forms end up here) */

typedef struct
{
  char *key;
  char *value;                  /* NULL: a bare key (a flag) */
} Pair;

static void
pair_clear (Pair * pair)
{
  g_free (pair->key);
  g_free (pair->value);
}

static GArray *
pairs_new (void)
{
  GArray *pairs = g_array_new (FALSE, TRUE, sizeof (Pair));

  g_array_set_clear_func (pairs, (GDestroyNotify) pair_clear);
  return pairs;
}

static void
pairs_add (GArray * pairs, const char *key, const char *value)
{
  Pair pair = { g_strdup (key), g_strdup (value) };

  g_array_append_val (pairs, pair);
}

static gboolean
parse_number (const char *key, const char *text, gint64 min, gint64 max,
    gint64 * out, GError ** error)
{
  if (text == NULL || !g_ascii_string_to_signed (text, 10, min, max, out,
          NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' needs a whole number from %" G_GINT64_FORMAT " to %"
        G_GINT64_FORMAT ", not '%s'", key, min, max, text ? text : "nothing");
    return FALSE;
  }
  return TRUE;
}

static EmuFault *
fault_from_pairs (const char *target_name, GArray * pairs, GError ** error)
{
  g_autoptr (EmuFault) fault = g_new0 (EmuFault, 1);
  const KindInfo *info = NULL;
  const char *value = NULL;
  gboolean have_target = FALSE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (target_names); i++) {
    if (g_strcmp0 (target_name, target_names[i]) == 0) {
      fault->target = i;
      have_target = TRUE;
    }
  }
  if (!have_target) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "unknown fault target '%s' (create, query, task, download, policy, "
        "upload, cancel, list)", target_name ? target_name : "");
    return NULL;
  }
  fault->count = 1;

  for (i = 0; i < pairs->len; i++) {
    Pair *p = &g_array_index (pairs, Pair, i);
    const KindInfo *k;

    if (strcmp (p->key, "count") == 0) {
      if (!parse_number ("count", p->value, -1, G_MAXINT64, &fault->count,
              error))
        return NULL;
    } else if (strcmp (p->key, "after") == 0) {
      if (!parse_number ("after", p->value, 0, G_MAXINT64, &fault->after,
              error))
        return NULL;
    } else if (strcmp (p->key, "code") == 0 && p->value != NULL) {
      g_free (fault->code);
      fault->code = g_strdup (p->value);
    } else if (strcmp (p->key, "message") == 0 && p->value != NULL) {
      g_free (fault->message);
      fault->message = g_strdup (p->value);
    } else if ((k = kind_by_name (p->key)) != NULL) {
      if (info != NULL) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
            "a fault has one kind, not both '%s' and '%s'", info->name,
            k->name);
        return NULL;
      }
      info = k;
      value = p->value;
    } else {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "unknown fault key '%s'", p->key);
      return NULL;
    }
  }

  if (info == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "the %s fault names no kind", target_name);
    return NULL;
  }
  if (!(info->targets & (1u << fault->target))) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' is not a kind of %s fault", info->name, target_name);
    return NULL;
  }
  fault->kind = info->kind;
  if (info->value == VALUE_NONE && value != NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' takes no value", info->name);
    return NULL;
  }
  if (info->kind == EMU_FAULT_RESET && value != NULL
      && fault->target != EMU_FAULT_TARGET_DOWNLOAD) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "only download:reset takes a byte count");
    return NULL;
  }
  if (value != NULL || info->value == VALUE_REQUIRED) {
    if (!parse_number (info->name, value, info->min, info->max,
            &fault->value, error))
      return NULL;
  }
  if (info->kind == EMU_FAULT_STATUS)
    fault->status = fault->value;
  if (info->kind == EMU_FAULT_HTML && value == NULL)
    fault->value = DEFAULT_HTML_BYTES;
  if (!info->has_error_text && (fault->code || fault->message)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' takes no code or message", info->name);
    return NULL;
  }
  return g_steal_pointer (&fault);
}

/* "target:key[=value],key[=value],...,message=rest, commas included" */
static EmuFault *
fault_from_spec (const char *spec, GError ** error)
{
  g_autoptr (GArray) pairs = pairs_new ();
  g_autofree char *target = NULL;
  const char *colon = strchr (spec, ':');
  const char *p;

  if (colon == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "fault '%s' is not TARGET:KIND[=VALUE][,KEY=VALUE...]", spec);
    return NULL;
  }
  target = g_strndup (spec, colon - spec);
  p = colon + 1;
  while (*p != '\0') {
    const char *comma = strchr (p, ',');
    g_autofree char *item = NULL;
    char *eq;

    if (g_str_has_prefix (p, "message="))
      comma = NULL;
    item = comma ? g_strndup (p, comma - p) : g_strdup (p);
    eq = strchr (item, '=');
    if (eq != NULL)
      *eq = '\0';
    if (*item == '\0') {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "fault '%s' has an empty key", spec);
      return NULL;
    }
    pairs_add (pairs, item, eq ? eq + 1 : NULL);
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  return fault_from_pairs (target, pairs, error);
}

static EmuFault *
fault_from_object (JsonObject * object, GError ** error)
{
  g_autoptr (GArray) pairs = pairs_new ();
  g_autoptr (GList) members = json_object_get_members (object);
  const char *target = NULL;
  GList *l;

  for (l = members; l != NULL; l = l->next) {
    const char *key = l->data;
    JsonNode *node = json_object_get_member (object, key);
    GType type = json_node_get_value_type (node);
    g_autofree char *text = NULL;

    if (strcmp (key, "target") == 0 && type == G_TYPE_STRING) {
      target = json_node_get_string (node);
      continue;
    }
    if (type == G_TYPE_STRING) {
      text = g_strdup (json_node_get_string (node));
    } else if (type == G_TYPE_INT64) {
      text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    } else if (type == G_TYPE_BOOLEAN && json_node_get_boolean (node)) {
      text = NULL;              /* a flag */
    } else {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "fault member '%s' must be a string, a whole number or true", key);
      return NULL;
    }
    pairs_add (pairs, key, text);
  }
  if (target == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "a fault object needs a \"target\" string");
    return NULL;
  }
  return fault_from_pairs (target, pairs, error);
}

static EmuFault *
fault_from_node (JsonNode * node, GError ** error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return fault_from_object (json_node_get_object (node), error);
  if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return fault_from_spec (json_node_get_string (node), error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
      "a fault is an object or a SPEC string");
  return NULL;
}

static void
append (EmuFaults * faults, EmuFault * fault)
{
  fault->id = faults->next_id++;
  g_ptr_array_add (faults->list, fault);
}

gboolean
emu_faults_add_spec (EmuFaults * faults, const char *spec, GError ** error)
{
  EmuFault *fault = fault_from_spec (spec, error);

  if (fault == NULL)
    return FALSE;
  append (faults, fault);
  return TRUE;
}

gint
emu_faults_add_json (EmuFaults * faults, JsonNode * node, GError ** error)
{
  g_autoptr (GPtrArray) parsed = g_ptr_array_new_with_free_func
      ((GDestroyNotify) emu_fault_free);
  guint i;

  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (i = 0; i < json_array_get_length (array); i++) {
      EmuFault *fault = fault_from_node (json_array_get_element (array, i),
          error);

      if (fault == NULL) {
        g_prefix_error (error, "fault %u: ", i);
        return -1;
      }
      g_ptr_array_add (parsed, fault);
    }
  } else {
    EmuFault *fault = fault_from_node (node, error);

    if (fault == NULL)
      return -1;
    g_ptr_array_add (parsed, fault);
  }

  /* Take the faults over from @parsed without freeing them. */
  for (i = 0; i < parsed->len; i++)
    append (faults, g_ptr_array_index (parsed, i));
  g_ptr_array_set_free_func (parsed, NULL);
  return parsed->len;
}

/* ---- firing */

static gboolean
is_live (const EmuFault * fault)
{
  return fault->count < 0 || fault->fired < fault->count;
}

const EmuFault *
emu_faults_take (EmuFaults * faults, EmuFaultTarget target,
    gboolean has_range)
{
  guint i;

  for (i = 0; i < faults->list->len; i++) {
    EmuFault *fault = g_ptr_array_index (faults->list, i);

    if (fault->target != target || !is_live (fault))
      continue;
    /* Without a Range there is nothing to ignore: such a request does
     * not use up the fault. */
    if ((fault->kind == EMU_FAULT_IGNORE_RANGE
            || fault->kind == EMU_FAULT_WRONG_RANGE) && !has_range)
      continue;
    fault->seen++;
    if (fault->seen > fault->after) {
      fault->fired++;
      return fault;
    }
  }
  return NULL;
}

/* ---- describing */

char *
emu_fault_name (const EmuFault * fault)
{
  return g_strdup_printf ("%s:%s", target_names[fault->target],
      kind_info (fault->kind)->name);
}

static gboolean
shows_value (const EmuFault * fault)
{
  ValueUse use = kind_info (fault->kind)->value;

  return use == VALUE_REQUIRED
      || (use == VALUE_OPTIONAL && fault->target == EMU_FAULT_TARGET_DOWNLOAD);
}

char *
emu_fault_to_spec (const EmuFault * fault)
{
  GString *spec = g_string_new (target_names[fault->target]);

  g_string_append_printf (spec, ":%s", kind_info (fault->kind)->name);
  if (shows_value (fault))
    g_string_append_printf (spec, "=%" G_GINT64_FORMAT, fault->value);
  if (fault->code)
    g_string_append_printf (spec, ",code=%s", fault->code);
  g_string_append_printf (spec, ",count=%" G_GINT64_FORMAT ",after=%"
      G_GINT64_FORMAT, fault->count, fault->after);
  if (fault->message)
    g_string_append_printf (spec, ",message=%s", fault->message);
  return g_string_free (spec, FALSE);
}

JsonNode *
emu_faults_to_json (EmuFaults * faults)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint i;

  json_builder_begin_array (b);
  for (i = 0; i < faults->list->len; i++) {
    EmuFault *fault = g_ptr_array_index (faults->list, i);
    const char *kind = kind_info (fault->kind)->name;
    g_autofree char *spec = emu_fault_to_spec (fault);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, fault->id);
    json_builder_set_member_name (b, "target");
    json_builder_add_string_value (b, target_names[fault->target]);
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, kind);
    /* The kind's own member, as in the JSON form of a fault. */
    json_builder_set_member_name (b, kind);
    if (shows_value (fault))
      json_builder_add_int_value (b, fault->value);
    else
      json_builder_add_boolean_value (b, TRUE);
    if (fault->code) {
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, fault->code);
    }
    if (fault->message) {
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, fault->message);
    }
    json_builder_set_member_name (b, "count");
    json_builder_add_int_value (b, fault->count);
    json_builder_set_member_name (b, "after");
    json_builder_add_int_value (b, fault->after);
    json_builder_set_member_name (b, "seen");
    json_builder_add_int_value (b, fault->seen);
    json_builder_set_member_name (b, "fired");
    json_builder_add_int_value (b, fault->fired);
    json_builder_set_member_name (b, "spec");
    json_builder_add_string_value (b, spec);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* ---- the service's usual error texts */

typedef struct
{
  guint status;
  const char *code;
  const char *message;
} ErrorText;

/* DashScope, per the protocol notes' error table. */
static const ErrorText api_errors[] = {
  {400, "InvalidParameter", "The request is invalid."},
  {401, "InvalidApiKey", "Invalid API-key provided."},
  {403, "AccessDenied", "Access denied."},
  {404, "ModelNotFound", "Model not found."},
  {408, "RequestTimeOut", "Request timed out, please try again later."},
  {413, "BadRequest.TooLarge", "Request body is too large."},
  {429, "Throttling.RateQuota",
      "Requests rate limit exceeded, please try again later."},
  {500, "InternalError", "An internal error has occured, please try again "
        "later or contact service support."},
  {503, "ModelUnavailable", "Model is unavailable, please try again later."},
  {504, "RequestTimeOut", "Gateway timed out, please try again later."},
};

/* OSS. */
static const ErrorText oss_errors[] = {
  {400, "InvalidArgument", "The request is invalid."},
  {403, "AccessDenied", "You have no right to access this object because "
        "of bucket acl."},
  {404, "NoSuchKey", "The specified key does not exist."},
  {429, "ServiceUnavailable", "Please reduce your request rate."},
  {500, "InternalError", "We encountered an internal error. Please try "
        "again."},
  {503, "ServiceUnavailable", "Please reduce your request rate."},
};

void
emu_fault_error_text (const EmuFault * fault, gboolean oss,
    const char **code, const char **message)
{
  const ErrorText *table = oss ? oss_errors : api_errors;
  guint n = oss ? G_N_ELEMENTS (oss_errors) : G_N_ELEMENTS (api_errors);
  const char *c = "InternalError";
  const char *m = "An injected error occurred.";
  guint i;

  for (i = 0; i < n; i++) {
    if (table[i].status == fault->status) {
      c = table[i].code;
      m = table[i].message;
    }
  }
  *code = fault->code ? fault->code : c;
  *message = fault->message ? fault->message : m;
}
