/* on-air-access.c
 *
 * Who may use a route: the access token (bearer, ?token= or cookie), the
 * cookie that carries it for the page's own requests, and the viewer cap.
 * on-air-server.c applies these to each route as its table says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-access"

#include "config.h"

#include <string.h>

#include "on-air-http.h"
#include "on-air-server-private.h"
#include "on-air-token.h"

#define COOKIE_NAME "onair_token"
#define RETRY_WHEN_FULL_S "10"
#define RETRY_WITHOUT_CAMERA_S "5"

/* Wrong tokens, per address: a bucket of WRONG_TOKEN_BURST that each
 * wrong or missing token empties by one and that refills at
 * WRONG_TOKEN_PER_S. Only failures count, and the right token always
 * passes: a classroom behind one NAT address loading the page with the
 * right link never touches it, and a classmate hammering it with guesses
 * locks nobody out; the guesser gets 429 instead of 401. */
#define WRONG_TOKEN_BURST 100.0
#define WRONG_TOKEN_PER_S 10.0
#define FAILURE_TABLE_MAX 4096
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

/* ---------------------------------------------------------------------- */
/* token and cookie                                                       */

/* The ?token= value as sent, not as decoded: the token alphabet needs no
 * escapes, and decoding would let "T%00junk" pass as "T". NULL if there
 * is none; "" (no token) if it is given twice. */
static char *
query_token (SoupServerMessage *msg)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_auto(GStrv) params = NULL;
  char *found = NULL;

  if (query == NULL)
    return NULL;
  params = g_strsplit (query, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      if (!g_str_has_prefix (params[i], "token="))
        continue;
      if (found != NULL)
        {
          g_free (found);
          return g_strdup ("");
        }
      found = g_strdup (params[i] + strlen ("token="));
    }
  return found;
}

static char *
request_token (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *cookie = soup_message_headers_get_one (headers, "Cookie");

  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    return g_strdup (auth + 7);
  if (query != NULL && g_hash_table_contains (query, "token"))
    return query_token (msg);
  if (cookie != NULL)
    {
      g_autoptr(GHashTable) cookies = soup_header_parse_semi_param_list (cookie);
      const char *value = g_hash_table_lookup (cookies, COOKIE_NAME);

      if (value != NULL)
        return g_strdup (value);
    }
  return NULL;
}

gboolean
_on_air_server_is_authorized (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  g_autofree char *given = NULL;

  if (self->token == NULL)
    return TRUE;
  given = request_token (msg, query);
  /* Any byte outside the token alphabet makes it wrong. */
  return on_air_token_is_valid (given) && on_air_token_equal (self->token, given);
}

typedef struct
{
  double left;
  gint64 updated; /* monotonic µs */
} Bucket;

static double
refilled (const Bucket *bucket, gint64 now)
{
  return MIN (WRONG_TOKEN_BURST, bucket->left + (now - bucket->updated) * WRONG_TOKEN_PER_S / G_USEC_PER_SEC);
}

/* Forgets the addresses whose bucket is full again, so that the table
 * stays small however many addresses come by. */
static void
prune_failures (OnAirServer *self, gint64 now)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, self->failures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    if (refilled (bucket, now) >= WRONG_TOKEN_BURST)
      g_hash_table_iter_remove (&iter);
}

/* Counts a wrong token from @address; TRUE if it has had too many. */
static gboolean
note_failure (OnAirServer *self, const char *address)
{
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket = g_hash_table_lookup (self->failures, address);

  if (bucket == NULL)
    {
      if (g_hash_table_size (self->failures) >= FAILURE_TABLE_MAX)
        prune_failures (self, now);
      bucket = g_new (Bucket, 1);
      bucket->left = WRONG_TOKEN_BURST;
      bucket->updated = now;
      g_hash_table_insert (self->failures, g_strdup (address), bucket);
    }
  bucket->left = refilled (bucket, now);
  bucket->updated = now;
  if (bucket->left < 1.0)
    return TRUE;
  bucket->left -= 1.0;
  return FALSE;
}

void
_on_air_server_forget_failures (OnAirServer *self)
{
  g_hash_table_remove_all (self->failures);
}

/* Answers 401 (429 after too many from one address) and returns FALSE
 * when the request lacks the token. */
gboolean
_on_air_server_check_token (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  const char *address = soup_server_message_get_remote_host (msg);

  if (_on_air_server_is_authorized (self, msg, query))
    return TRUE;
  if (note_failure (self, address ? address : ""))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      on_air_http_respond_text (msg, STATUS_TOO_MANY_REQUESTS,
                                "Too many wrong access codes from this address; wait a moment.");
      return FALSE;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", "Bearer realm=\"On Air\"");
  on_air_http_respond_text (msg, SOUP_STATUS_UNAUTHORIZED, "This link needs an access code.");
  return FALSE;
}

/* A valid ?token= becomes a cookie, so that the page's <img> and fetch
 * carry it without putting it in every URL. */
void
_on_air_server_grant_cookie (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  g_autofree char *cookie = NULL;
  g_autofree char *given = NULL;

  if (self->token == NULL || query == NULL || !g_hash_table_contains (query, "token"))
    return;
  given = query_token (msg);
  if (!on_air_token_is_valid (given) || !on_air_token_equal (self->token, given))
    return;
  cookie = g_strdup_printf ("%s=%s; Path=/; HttpOnly; SameSite=Strict", COOKIE_NAME, self->token);
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie", cookie);
}

/* ---------------------------------------------------------------------- */
/* viewer cap                                                             */

static guint
viewer_count (OnAirServer *self)
{
  return self->mjpeg_viewers->len + g_hash_table_size (self->peers);
}

gboolean
_on_air_server_has_room (OnAirServer *self)
{
  return self->max_viewers == 0 || viewer_count (self) < self->max_viewers;
}

/* Answers 503 and returns FALSE when no one else may join, or when there
 * is no picture to give them. */
gboolean
_on_air_server_check_slot (OnAirServer *self, SoupServerMessage *msg)
{
  if (!_on_air_server_has_room (self))
    {
      on_air_http_respond_unavailable (msg, RETRY_WHEN_FULL_S, "Too many viewers; try again later.");
      return FALSE;
    }
  if (!on_air_broadcast_is_running (self->broadcast))
    {
      on_air_http_respond_unavailable (msg, RETRY_WITHOUT_CAMERA_S,
                                       "The camera is not available right now.");
      return FALSE;
    }
  return TRUE;
}
