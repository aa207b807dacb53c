/* on-air-route-page.c
 *
 * The viewer page and its files, served from the GResource. The page
 * itself holds no secret: it must load to say that a token is missing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-route-page"

#include "config.h"

#include <string.h>

#include "on-air-server-private.h"

#define WEB_RESOURCES "/io/github/onair/OnAir/web"

static const char *
content_type_for (const char *path)
{
  if (g_str_has_suffix (path, ".html")) return "text/html; charset=utf-8";
  if (g_str_has_suffix (path, ".js")) return "text/javascript; charset=utf-8";
  if (g_str_has_suffix (path, ".css")) return "text/css; charset=utf-8";
  if (g_str_has_suffix (path, ".svg")) return "image/svg+xml";
  if (g_str_has_suffix (path, ".png")) return "image/png";
  if (g_str_has_suffix (path, ".webmanifest")) return "application/manifest+json";
  return "application/octet-stream";
}

/* The file that answers @path: the page for "/", nothing outside the
 * page's folder. */
static GBytes *
lookup_file (const char *path, const char **name_out)
{
  const char *name = _on_air_server_is_page (path) ? "/index.html" : path;
  g_autofree char *resource = NULL;

  if (strstr (path, "..") != NULL || strstr (path, "//") != NULL)
    return NULL;
  resource = g_strconcat (WEB_RESOURCES, name, NULL);
  if (name_out != NULL)
    *name_out = name;
  return g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}

gboolean
_on_air_server_is_page (const char *path)
{
  return g_str_equal (path, "/") || g_str_equal (path, "/index.html");
}

gboolean
_on_air_server_has_file (const char *path)
{
  g_autoptr(GBytes) bytes = lookup_file (path, NULL);

  return bytes != NULL;
}

void
_on_air_server_serve_page (OnAirServer       *self,
                           SoupServerMessage *msg,
                           const char        *path,
                           GHashTable        *query,
                           gpointer           parsed)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *name = NULL;
  g_autoptr(GBytes) bytes = lookup_file (path, &name);

  g_assert (bytes != NULL);

  /* Someone allowed to watch opened the page: its WebRTC offer follows
   * shortly, and the encoder's start need not be in its way. */
  if (_on_air_server_is_page (path) &&
      g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_GET) &&
      _on_air_server_has_room (self) && _on_air_server_is_authorized (self, msg, query))
    on_air_broadcast_expect_webrtc (self->broadcast);

  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' blob: data:; "
                                "media-src 'self' blob:; connect-src 'self'; "
                                "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type_for (name), SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}
