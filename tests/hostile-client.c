/* hostile-client.c: raw HTTP clients for test-hostile, off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "hostile-client.h"
#include "test-util.h"

GSocket *
hostile_connect (guint port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);

  g_assert_nonnull (socket);
  if (!g_socket_connect (socket, addr, NULL, NULL))
    return NULL;
  g_socket_set_timeout (socket, 20);
  return g_steal_pointer (&socket);
}

void
hostile_reset (GSocket *socket)
{
  struct linger lg = { 1, 0 };

  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  g_socket_close (socket, NULL);
}

static gpointer
raw_thread (gpointer data)
{
  HostileRaw *raw = data;
  g_autoptr(GSocket) socket = hostile_connect (raw->port);
  g_autoptr(GString) in = g_string_new (NULL);
  gsize sent = 0;
  char buf[4096];
  gssize n;

  if (socket == NULL)
    goto out;
  while (sent < raw->length)
    {
      n = g_socket_send (socket, raw->data + sent, MIN (raw->length - sent, 65536), NULL, NULL);
      if (n <= 0)
        break; /* the server may answer and close before it all went */
      sent += n;
    }
  for (gsize streamed = 0; sent == raw->length && streamed < raw->stream; streamed += sizeof buf)
    {
      memset (buf, 'x', sizeof buf);
      if (raw->chunks)
        {
          /* 4096 bytes: "ff9" CRLF, 0xff9 bytes, CRLF */
          memcpy (buf, "ff9\r\n", 5);
          memcpy (buf + sizeof buf - 2, "\r\n", 2);
        }
      if (g_socket_condition_check (socket, G_IO_IN) || g_socket_send (socket, buf, sizeof buf, NULL, NULL) <= 0)
        break; /* answered, or the server stopped reading */
    }
  if (raw->pause_ms > 0)
    g_usleep (raw->pause_ms * 1000);
  if (raw->reset)
    {
      hostile_reset (socket);
      goto out;
    }
  while (in->len < 1024 * 1024 && (n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (in, buf, n);
  if (g_str_has_prefix (in->str, "HTTP/1.") && in->len > 12)
    raw->status = (guint) g_ascii_strtoull (in->str + 9, NULL, 10);
  raw->response = g_strdup (in->str);
out:
  g_atomic_int_set (&raw->done, 1);
  return NULL;
}

static gboolean
raw_done (gpointer data)
{
  HostileRaw *raw = data;
  return g_atomic_int_get (&raw->done);
}

/* The main loop runs meanwhile (the watchers live on it). */
guint
hostile_send_full (HostileRaw *raw)
{
  GThread *thread = g_thread_new ("raw", raw_thread, raw);

  g_assert_true (test_wait_until (raw_done, raw, 60000));
  g_thread_join (thread);
  return raw->status;
}

guint
hostile_send (guint port, const char *data, gsize length)
{
  HostileRaw raw = { port, data, length };
  guint status = hostile_send_full (&raw);

  g_free (raw.response);
  return status;
}

