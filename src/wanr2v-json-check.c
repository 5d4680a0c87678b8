/* wanr2v-json-check.c: a strict check of JSON text (RFC 8259). */
#include "wanr2v-json-check.h"

#include <string.h>

typedef struct
{
  const guchar *p;
  const guchar *end;
  const guchar *start;
  char *why;
} Checker;

/* Where, as a person finds it in a file: line and column (in bytes). */
static gboolean
fail_at (Checker * c, const char *what)
{
  const guchar *q, *line_start = c->start;
  guint line = 1;

  if (c->why != NULL)
    return FALSE;
  for (q = c->start; q < c->p; q++) {
    if (*q == '\n') {
      line++;
      line_start = q + 1;
    }
  }
  c->why = g_strdup_printf ("line %u, column %u: %s", line,
      (guint) (c->p - line_start) + 1, what);
  return FALSE;
}

static void
skip_space (Checker * c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'
          || *c->p == '\r'))
    c->p++;
}

static int
hex_value (guchar ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Reads the four hex digits after "\u". */
static gboolean
read_u_escape (Checker * c, guint * unit)
{
  int i;

  *unit = 0;
  if (c->end - c->p < 4)
    return fail_at (c, "a \\u escape needs four hex digits");
  for (i = 0; i < 4; i++) {
    int v = hex_value (c->p[i]);

    if (v < 0)
      return fail_at (c, "a \\u escape needs four hex digits");
    *unit = (*unit << 4) | v;
  }
  c->p += 4;
  return TRUE;
}

static gboolean
check_string (Checker * c)
{
  c->p++;                       /* the opening quote */
  while (c->p < c->end) {
    guchar ch = *c->p;

    if (ch == '"') {
      c->p++;
      return TRUE;
    }
    if (ch < 0x20)
      return fail_at (c, "a control character inside a string");
    if (ch != '\\') {
      c->p++;                   /* UTF-8 validity is checked up front */
      continue;
    }
    c->p++;
    if (c->p >= c->end)
      break;
    switch (*c->p++) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        break;
      case 'u':{
        guint unit, low;

        if (!read_u_escape (c, &unit))
          return FALSE;
        if (unit >= 0xdc00 && unit <= 0xdfff)
          return fail_at (c, "a lone low surrogate in a \\u escape");
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return fail_at (c, "a high surrogate not followed by a low one");
          c->p += 2;
          if (!read_u_escape (c, &low))
            return FALSE;
          if (low < 0xdc00 || low > 0xdfff)
            return fail_at (c, "a high surrogate not followed by a low one");
        }
        break;
      }
      default:
        c->p--;
        return fail_at (c, "an escape JSON does not have");
    }
  }
  return fail_at (c, "an unterminated string");
}

/* An object member's key and its ':', leaving @c at the value. */
static gboolean
check_member_key (Checker * c)
{
  if (c->p >= c->end || *c->p != '"')
    return fail_at (c, "an object member must start with a string");
  if (!check_string (c))
    return FALSE;
  skip_space (c);
  if (c->p >= c->end || *c->p != ':')
    return fail_at (c, "a ':' is missing after an object key");
  c->p++;
  return TRUE;
}

static gboolean
check_digits (Checker * c)
{
  const guchar *begin = c->p;

  while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
    c->p++;
  return c->p > begin;
}

static gboolean
check_number (Checker * c)
{
  if (*c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (!check_digits (c))
    return fail_at (c, "a malformed number");
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!check_digits (c))
      return fail_at (c, "a malformed number");
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!check_digits (c))
      return fail_at (c, "a malformed number");
  }
  return TRUE;
}

static gboolean
check_literal (Checker * c, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (c->end - c->p) < n || memcmp (c->p, word, n) != 0)
    return fail_at (c, "an unexpected character");
  c->p += n;
  return TRUE;
}

/* Iterative, with an explicit stack of open containers, so that depth
 * costs no C stack. */
gboolean
wanr2v_json_check_strict (const char *data, gsize length, guint max_depth,
    char **why)
{
  Checker c = { (const guchar *) data, (const guchar *) data + length,
    (const guchar *) data, NULL
  };
  g_autofree char *stack = g_malloc (max_depth + 1);
  guint depth = 0;
  /* What may come next: a value, or (inside a container) its end. */
  gboolean expect_value = TRUE, allow_close = FALSE;

  if (data == NULL || !g_utf8_validate (data, length, NULL)) {
    if (why)
      *why = g_strdup ("the text is not valid UTF-8");
    return FALSE;
  }

  for (;;) {
    skip_space (&c);
    if (expect_value) {
      if (c.p >= c.end) {
        fail_at (&c, "the text ends where a value should be");
        break;
      }
      if (allow_close && (*c.p == ']' || *c.p == '}')) {
        /* An empty container: fall through to the close below. */
      } else {
        guchar ch = *c.p;

        if (ch == '{' || ch == '[') {
          if (depth >= max_depth) {
            fail_at (&c, "JSON nested deeper than the limit");
            break;
          }
          stack[depth++] = ch;
          c.p++;
          skip_space (&c);
          if (ch == '{') {
            if (c.p < c.end && *c.p == '}') {
              allow_close = TRUE;
              expect_value = TRUE;
              continue;
            }
            if (!check_member_key (&c))
              break;
            allow_close = FALSE;
          } else {
            allow_close = TRUE;
          }
          expect_value = TRUE;
          continue;
        }
        if (ch == '"') {
          if (!check_string (&c))
            break;
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
          if (!check_number (&c))
            break;
        } else if (ch == 't') {
          if (!check_literal (&c, "true"))
            break;
        } else if (ch == 'f') {
          if (!check_literal (&c, "false"))
            break;
        } else if (ch == 'n') {
          if (!check_literal (&c, "null"))
            break;
        } else {
          fail_at (&c, "an unexpected character");
          break;
        }
        expect_value = FALSE;
        allow_close = FALSE;
        continue;
      }
    }

    /* After a value (or at an empty container's end). */
    skip_space (&c);
    if (depth == 0) {
      if (c.p != c.end)
        fail_at (&c, "text after the JSON value");
      break;
    }
    if (c.p >= c.end) {
      fail_at (&c, "the text ends inside an object or array");
      break;
    }
    if (*c.p == ',' && !allow_close) {
      c.p++;
      skip_space (&c);
      if (stack[depth - 1] == '{') {
        if (!check_member_key (&c))
          break;
      }
      expect_value = TRUE;
      allow_close = FALSE;
      continue;
    }
    if ((*c.p == '}' && stack[depth - 1] == '{')
        || (*c.p == ']' && stack[depth - 1] == '[')) {
      c.p++;
      depth--;
      expect_value = FALSE;
      allow_close = FALSE;
      continue;
    }
    fail_at (&c, "an unexpected character");
    break;
  }

  if (c.why) {
    if (why)
      *why = c.why;
    else
      g_free (c.why);
    return FALSE;
  }
  return TRUE;
}
