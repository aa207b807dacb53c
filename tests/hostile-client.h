/* hostile-client.h: raw HTTP clients for test-hostile
 *
 * Each sends its bytes on a new connection from a thread, while the main
 * loop (where the test's watchers live) keeps running.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HostileRaw HostileRaw;

struct _HostileRaw
{
  guint       port;
  const char *data;
  gsize       length;
  gsize       stream;      /* body bytes to send after @data, until answered */
  gboolean    chunks;      /* ... as well-formed chunks */
  guint       pause_ms;    /* before closing, after sending */
  gboolean    reset;       /* close with a TCP reset instead of reading */
  guint       status;      /* out: 0 if closed without an answer */
  char       *response;    /* out: what came back */
  gint        done;
};

/* A blocking socket connected to 127.0.0.1:@port, or NULL. */
GSocket *hostile_connect    (guint       port);
/* Closes @socket with a TCP reset. */
void     hostile_reset      (GSocket    *socket);
/* Sends as @raw says and reads the answer until the server closes;
 * returns its status, 0 if none. */
guint    hostile_send_full  (HostileRaw *raw);
/* The same for plain bytes; frees the response. */
guint    hostile_send       (guint       port,
                             const char *data,
                             gsize       length);

G_END_DECLS
