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

#include "on-air-http.h"
#include "on-air-server-private.h"
#include "on-air-token.h"

#define COOKIE_NAME "onair_token"
#define RETRY_WHEN_FULL_S "10"
#define RETRY_WITHOUT_CAMERA_S "5"

/* ---------------------------------------------------------------------- */
/* token and cookie                                                       */

static char *
request_token (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *cookie = soup_message_headers_get_one (headers, "Cookie");

  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    return g_strdup (auth + 7);
  if (query != NULL && g_hash_table_lookup (query, "token") != NULL)
    return g_strdup (g_hash_table_lookup (query, "token"));
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
  return on_air_token_equal (self->token, given);
}

/* Answers 401 and returns FALSE when the request lacks the token. */
gboolean
_on_air_server_check_token (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  if (_on_air_server_is_authorized (self, msg, query))
    return TRUE;
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

  if (self->token == NULL || query == NULL ||
      !on_air_token_equal (self->token, g_hash_table_lookup (query, "token")))
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
