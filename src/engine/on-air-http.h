/* on-air-http.h: the server's responses and request-body checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Every answer below is marked Cache-Control: no-store. */
void     on_air_http_respond_text               (SoupServerMessage  *msg,
                                                 guint               status,
                                                 const char         *text);
void     on_air_http_respond_json               (SoupServerMessage  *msg,
                                                 guint               status,
                                                 JsonNode           *node);
void     on_air_http_respond_bytes              (SoupServerMessage  *msg,
                                                 guint               status,
                                                 const char         *content_type,
                                                 GBytes             *bytes);
/* 503 with Retry-After: @retry_after seconds, as text. */
void     on_air_http_respond_unavailable        (SoupServerMessage  *msg,
                                                 const char         *retry_after,
                                                 const char         *text);
void     on_air_http_respond_method_not_allowed (SoupServerMessage  *msg,
                                                 const char         *allow);
void     on_air_http_add_cors                   (SoupServerMessage  *msg);

/* Answers 415 or 413 and returns FALSE unless the body is of
 * @content_type and no larger than ON_AIR_SERVER_MAX_BODY. */
gboolean on_air_http_check_body                 (SoupServerMessage  *msg,
                                                 const char         *content_type,
                                                 SoupMessageBody   **body_out);
/* An early handler: refuses, before it is read, a body that
 * on_air_http_check_body() would refuse for its size or its framing. */
void     on_air_http_refuse_early               (SoupServer         *soup,
                                                 SoupServerMessage  *msg,
                                                 const char         *path,
                                                 GHashTable         *query,
                                                 gpointer            user_data);

G_END_DECLS
