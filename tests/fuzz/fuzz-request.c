/* fuzz-request.c: whatever bytes a LAN client sends, through the real
 * server: the gate, libsoup, the router (token, cookie, slot) and the
 * routes' handlers, on a live broadcast of the test pattern in this
 * process. Each input is sent on a new TCP connection to 127.0.0.1,
 * which is then half-closed; the server's answer is read until it closes.
 * Seeds carry the token (fuzz/corpus/request), so the fuzzer reaches
 * past the 401.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gst/gst.h>

#include "on-air-broadcast.h"
#include "on-air-server.h"
#include "on-air-source-spec.h"

#define FUZZ_TOKEN "fuzz-token-0123456789abcdef"
#define ANSWER_TIMEOUT_US (3 * G_USEC_PER_SEC)

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static OnAirBroadcast *broadcast;
static OnAirServer *server;
static GSocketAddress *address;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  gint64 until;

  g_autoptr(OnAirSourceSpec) spec = NULL;

  gst_init (argc, argv);
  spec = on_air_source_spec_parse ("test", NULL);
  broadcast = on_air_broadcast_new (spec);
  server = on_air_server_new (broadcast);
  on_air_server_set_token (server, FUZZ_TOKEN);
  on_air_server_set_max_viewers (server, 4);
  if (!on_air_server_listen (server, "127.0.0.1", 0, &error))
    g_error ("cannot listen: %s", error->message);
  address = g_inet_socket_address_new (lo, on_air_server_get_port (server));
  if (!on_air_broadcast_start (broadcast, &error))
    g_error ("cannot start: %s", error->message);
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!on_air_broadcast_is_running (broadcast) && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  gint64 until = g_get_monotonic_time () + ANSWER_TIMEOUT_US;
  gsize sent = 0;
  gboolean shut = FALSE;
  char buf[8192];

  if (socket == NULL || !g_socket_connect (socket, address, NULL, NULL))
    return 0;
  g_socket_set_blocking (socket, FALSE);
  while (g_get_monotonic_time () < until)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (!shut)
        {
          if (sent < size && (n = g_socket_send (socket, (const char *) data + sent, size - sent, NULL, NULL)) > 0)
            sent += n;
          if (sent == size)
            shut = g_socket_shutdown (socket, FALSE, TRUE, NULL) || TRUE;
        }
      n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);
      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
        break; /* answered and closed, or reset */
      if (n < 0 && !g_main_context_iteration (NULL, FALSE))
        g_usleep (200);
    }
  g_socket_close (socket, NULL);
  /* Let the server see the close. */
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  return 0;
}
