/* on-air-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-http"

#include "config.h"

#include <string.h>

#include "on-air-http.h"
#include "on-air-server.h"

/* ---------------------------------------------------------------------- */
/* responses                                                              */

/* What is answered here is live or personal: no cache may keep it. */
static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         SoupMemoryUse      use,
         const char        *data,
         gsize              length)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, content_type, use, data, length);
}

void
on_air_http_respond_text (SoupServerMessage *msg, guint status, const char *text)
{
  g_autofree char *body = g_strdup_printf ("%s\n", text);

  respond (msg, status, "text/plain; charset=utf-8",
           SOUP_MEMORY_TAKE, g_steal_pointer (&body), strlen (text) + 1);
}

void
on_air_http_respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize length;
  char *text;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &length);
  respond (msg, status, "application/json", SOUP_MEMORY_TAKE, text, length);
}

void
on_air_http_respond_bytes (SoupServerMessage *msg,
                           guint              status,
                           const char        *content_type,
                           GBytes            *bytes)
{
  respond (msg, status, content_type, SOUP_MEMORY_COPY,
           g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

void
on_air_http_respond_unavailable (SoupServerMessage *msg, const char *retry_after, const char *text)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", retry_after);
  on_air_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
}

void
on_air_http_respond_method_not_allowed (SoupServerMessage *msg, const char *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  on_air_http_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
}

/* WHEP players may run on another origin; they must see the Location of
 * the session they created. */
void
on_air_http_add_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers", "Location");
}

/* ---------------------------------------------------------------------- */
/* request bodies                                                         */

static gboolean
has_content_type (SoupServerMessage *msg, const char *expected)
{
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);

  return type != NULL && g_ascii_strcasecmp (type, expected) == 0;
}

gboolean
on_air_http_check_body (SoupServerMessage *msg, const char *content_type, SoupMessageBody **body_out)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (!has_content_type (msg, content_type))
    {
      g_autofree char *text = g_strdup_printf ("Expected Content-Type: %s", content_type);
      on_air_http_respond_text (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, text);
      return FALSE;
    }
  if (body->length > ON_AIR_SERVER_MAX_BODY)
    {
      on_air_http_respond_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request body is too large");
      return FALSE;
    }
  *body_out = body;
  return TRUE;
}

/* The connection is closed after the refusal: the body it announced is
 * never read, so nothing else can follow on it. */
static void
refuse_body (SoupServerMessage *msg, guint status, const char *text)
{
  on_air_http_add_cors (msg);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  on_air_http_respond_text (msg, status, text);
}

void
on_air_http_refuse_early (SoupServer        *soup,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > ON_AIR_SERVER_MAX_BODY)
        refuse_body (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request body is too large");
      break;
    case SOUP_ENCODING_NONE:
    case SOUP_ENCODING_CHUNKED: /* the gate read it whole, within the bound */
      break;
    default:
      refuse_body (msg, SOUP_STATUS_LENGTH_REQUIRED, "Send the body with a Content-Length");
      break;
    }
}
