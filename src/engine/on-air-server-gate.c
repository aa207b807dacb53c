/* on-air-server-gate.c: what a connection must get right before libsoup
 * reads it
 *
 * libsoup 3.2 has no knob for these: it listens with a backlog of 10,
 * waits for headers as long as a client likes, reads a body of any size
 * even after an early handler refused it, and resets the connection
 * (instead of answering) on a head over its 64 KiB. The gate accepts the
 * connections itself, reads each request (head and body) within bounds and
 * a deadline, answers what is wrong with the right status, and hands
 * libsoup only whole, well-framed requests, through a stream that gives
 * back what was read (on-air-server-stream.c). The limits are in
 * on-air-server-private.h and in README.md's table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-server-gate"

#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "on-air-server-private.h"

#define READ_BLOCK 16384
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_HEADER_FIELDS_TOO_LARGE 431

struct _OnAirGate
{
  SoupServer     *soup;
  GSocketService *service;
  OnAirGateCheck *check;
  gpointer        check_data;
  GHashTable     *pending;       /* Pending set */
  GHashTable     *per_address;   /* address → count of pending (GUINT_TO_POINTER) */
  guint           port;
};

typedef struct
{
  OnAirGate         *gate;
  GSocketConnection *conn;
  GSocket           *socket;
  GByteArray        *buf;
  char              *address;
  GSource           *read_source;
  guint              deadline;
  gsize              head_end;        /* 0 until the head is complete */
  gint64             content_length;  /* -1: none */
  gboolean           chunked;
  gboolean           answered;        /* lingering after an answer */
  gsize              discarded;
  gint64             accepted;        /* monotonic µs */
} Pending;

static void wait_readable (Pending *p);

/* ---------------------------------------------------------------------- */
/* connections in the gate                                                */

static void
count_address (OnAirGate *gate, const char *address, int delta)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (gate->per_address, address)) + delta;

  if (n == 0)
    g_hash_table_remove (gate->per_address, address);
  else
    g_hash_table_replace (gate->per_address, g_strdup (address), GUINT_TO_POINTER (n));
}

static void
pending_free (Pending *p)
{
  if (p->read_source != NULL)
    {
      g_source_destroy (p->read_source);
      g_source_unref (p->read_source);
    }
  g_clear_handle_id (&p->deadline, g_source_remove);
  count_address (p->gate, p->address, -1);
  g_clear_pointer (&p->buf, g_byte_array_unref);
  g_clear_object (&p->conn);
  g_free (p->address);
  g_free (p);
}

/* Ends @p, closing its connection unless libsoup has it now. */
static void
pending_finish (Pending *p, gboolean close)
{
  if (close)
    g_io_stream_close (G_IO_STREAM (p->conn), NULL, NULL);
  g_hash_table_remove (p->gate->pending, p);
}

static const char *
reason (guint status)
{
  if (status == STATUS_HEADER_FIELDS_TOO_LARGE)
    return "Request Header Fields Too Large";
  return soup_status_get_phrase (status);
}

/* Answers @status and closes (with CORS, as WHEP players on other origins
 * must be able to read it; it carries nothing private): after the answer, what the client still
 * sends is read and dropped for a moment (at most ON_AIR_GATE_LINGER_BYTES),
 * so that closing with unread data, which resets the connection, does not
 * destroy the answer before the client read it. */
static void
answer (Pending *p, guint status, const char *extra_headers, const char *text)
{
  g_autofree char *response = NULL;

  response = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\nCache-Control: no-store\r\n"
                              "Connection: close\r\nAccess-Control-Allow-Origin: *\r\n%s\r\n%s\n",
                              status, reason (status), strlen (text) + 1,
                              extra_headers ? extra_headers : "", text);
  g_debug ("%s: %u %s", p->address, status, text);
  /* A few hundred bytes into an empty send buffer: it does not block. */
  g_socket_send_with_blocking (p->socket, response, strlen (response), FALSE, NULL, NULL);
  g_socket_shutdown (p->socket, FALSE, TRUE, NULL);
  p->answered = TRUE;
  g_clear_handle_id (&p->deadline, g_source_remove);
  g_byte_array_set_size (p->buf, 0);
}

/* ---------------------------------------------------------------------- */
/* the request head                                                       */

static gboolean
is_tchar (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_token (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_tchar (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
has_ctl (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (((guchar) s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
      return TRUE;
  return FALSE;
}

/* "METHOD SP target SP HTTP/1.x": anything else (HTTP/0.9 has no
 * version) is 400. Returns 0 when it is fine. */
static guint
check_request_line (const char *line, gsize len, char **method, char **target)
{
  const char *sp1 = memchr (line, ' ', len);
  const char *sp2 = sp1 ? memchr (sp1 + 1, ' ', len - (sp1 + 1 - line)) : NULL;
  const char *version = sp2 ? sp2 + 1 : NULL;
  gsize version_len = version ? len - (version - line) : 0;

  if (len > ON_AIR_GATE_MAX_REQUEST_LINE)
    return SOUP_STATUS_REQUEST_URI_TOO_LONG;
  if (sp1 == NULL || sp2 == NULL || has_ctl (line, len) || !is_token (line, sp1 - line) ||
      sp2 == sp1 + 1 || (sp1[1] != '/' && !(sp2 == sp1 + 2 && sp1[1] == '*')))
    return SOUP_STATUS_BAD_REQUEST;
  if (version_len != 8 || (strncmp (version, "HTTP/1.1", 8) != 0 && strncmp (version, "HTTP/1.0", 8) != 0))
    return SOUP_STATUS_BAD_REQUEST;
  *method = g_strndup (line, sp1 - line);
  *target = g_strndup (sp1 + 1, sp2 - sp1 - 1);
  return 0;
}

static guint
parse_content_length (Pending *p, const char *value, gsize len)
{
  gint64 n = 0;

  while (len > 0 && (*value == ' ' || *value == '\t'))
    value++, len--;
  while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
    len--;
  if (p->content_length >= 0 || len == 0 || len > 18)
    return SOUP_STATUS_BAD_REQUEST; /* repeated, empty, or beyond any size */
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return SOUP_STATUS_BAD_REQUEST; /* a sign, a list, a fraction */
      n = n * 10 + (value[i] - '0');
    }
  p->content_length = n;
  return 0;
}

/* The header fields: names are tokens, no folding, no control bytes, one
 * Content-Length, "chunked" the only transfer coding. */
static guint
check_fields (Pending *p, const char *fields, gsize len, gboolean *expect_continue)
{
  const char *end = fields + len;
  guint count = 0;
  gboolean te = FALSE;

  while (fields < end)
    {
      const char *eol = memchr (fields, '\n', end - fields);
      gsize line_len = (eol ? eol : end) - fields;
      const char *colon;
      gsize name_len;
      guint status = 0;

      if (line_len > 0 && fields[line_len - 1] == '\r')
        line_len--;
      if (line_len == 0)
        break;
      if (++count > ON_AIR_GATE_MAX_HEADERS)
        return STATUS_HEADER_FIELDS_TOO_LARGE;
      colon = memchr (fields, ':', line_len);
      name_len = colon ? (gsize) (colon - fields) : 0;
      if (colon == NULL || !is_token (fields, name_len) || has_ctl (colon + 1, line_len - name_len - 1))
        return SOUP_STATUS_BAD_REQUEST;
      if (name_len == 14 && g_ascii_strncasecmp (fields, "Content-Length", 14) == 0)
        status = parse_content_length (p, colon + 1, line_len - name_len - 1);
      else if (name_len == 17 && g_ascii_strncasecmp (fields, "Transfer-Encoding", 17) == 0)
        {
          g_autofree char *value = g_strstrip (g_strndup (colon + 1, line_len - name_len - 1));

          if (te)
            return SOUP_STATUS_BAD_REQUEST;
          te = TRUE;
          if (g_ascii_strcasecmp (value, "chunked") != 0)
            return SOUP_STATUS_NOT_IMPLEMENTED;
          p->chunked = TRUE;
        }
      else if (name_len == 6 && g_ascii_strncasecmp (fields, "Expect", 6) == 0)
        *expect_continue = TRUE;
      if (status != 0)
        return status;
      fields = eol ? eol + 1 : end;
    }
  if (p->chunked && p->content_length >= 0)
    return SOUP_STATUS_BAD_REQUEST; /* which one frames the body? */
  return 0;
}

/* Where the head ends (after its empty line), or 0. */
static gsize
find_head_end (const guint8 *data, gsize len)
{
  for (gsize i = 1; i < len; i++)
    if (data[i] == '\n' && (data[i - 1] == '\n' || (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n')))
      return i + 1;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* the body                                                               */

/* Whether the chunked body after the head is complete; sets *status to
 * 400 if it is malformed, 413 if it is too large. */
static gboolean
chunked_complete (const guint8 *data, gsize len, guint *status)
{
  gsize pos = 0, decoded = 0;

  for (;;)
    {
      const guint8 *eol = memchr (data + pos, '\n', len - pos);
      char *end = NULL;
      guint64 size;

      if (eol == NULL)
        {
          if (len - pos > 1024)
            *status = SOUP_STATUS_BAD_REQUEST;
          return FALSE;
        }
      if (!g_ascii_isxdigit (data[pos]))
        {
          *status = SOUP_STATUS_BAD_REQUEST;
          return FALSE;
        }
      size = g_ascii_strtoull ((const char *) data + pos, &end, 16);
      if (size > ON_AIR_SERVER_MAX_BODY || (decoded += size) > ON_AIR_SERVER_MAX_BODY)
        {
          *status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
          return FALSE;
        }
      pos = eol - data + 1;
      if (size == 0)
        return find_head_end (data + pos - 1, len - pos + 1) > 0; /* trailers end */
      if (len - pos < size + 2)
        return FALSE;
      pos += size + 2;
    }
}

/* Hands the whole request, read so far, to libsoup. */
static void
hand_over (Pending *p)
{
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&p->buf));
  g_autoptr(GIOStream) stream = _on_air_server_replay_stream_new (p->conn, bytes);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (p->socket, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (p->socket, NULL);

  if (local == NULL || remote == NULL)
    {
      pending_finish (p, TRUE);
      return;
    }
  g_object_set_data_full (G_OBJECT (remote), "on-air-socket", g_object_ref (p->socket), g_object_unref);
  g_socket_set_option (p->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  soup_server_accept_iostream (p->gate->soup, stream, local, remote, NULL);
  pending_finish (p, FALSE);
}

/* The head is complete: answer what is wrong with it, or decide how much
 * body to read. Returns FALSE if it answered. */
static gboolean
check_head (Pending *p)
{
  const char *data = (const char *) p->buf->data;
  const char *eol = memchr (data, '\n', p->head_end);
  gsize line_len = eol - data - (eol > data && eol[-1] == '\r');
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  g_autofree char *path = NULL;
  gboolean expect_continue = FALSE, takes_body = FALSE;
  const char *allow = NULL;
  guint status;

  if ((status = check_request_line (data, line_len, &method, &target)) != 0 ||
      (status = check_fields (p, eol + 1, p->head_end - (eol + 1 - data), &expect_continue)) != 0)
    {
      answer (p, status, NULL, status == SOUP_STATUS_REQUEST_URI_TOO_LONG ? "The address is too long" :
                               status == STATUS_HEADER_FIELDS_TOO_LARGE ? "Too many header fields" :
                               status == SOUP_STATUS_NOT_IMPLEMENTED ? "Unknown Transfer-Encoding" :
                               "Malformed request");
      return FALSE;
    }
  if (!p->chunked && p->content_length <= 0)
    return TRUE;

  /* A body: refuse it before reading it if it is not wanted. */
  path = g_uri_unescape_segment (target, target + strcspn (target, "?"), NULL);
  status = path ? p->gate->check (p->gate->check_data, method, path, &takes_body, &allow) : SOUP_STATUS_BAD_REQUEST;
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
    {
      g_autofree char *header = g_strdup_printf ("Allow: %s\r\n", allow);
      answer (p, status, header, "Method not allowed");
      return FALSE;
    }
  if (status != 0)
    {
      answer (p, status, NULL, status == SOUP_STATUS_NOT_FOUND ? "Not found" : "Malformed request");
      return FALSE;
    }
  if (!takes_body || p->content_length > ON_AIR_SERVER_MAX_BODY)
    {
      answer (p, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL, "The request body is too large");
      return FALSE;
    }
  if (expect_continue)
    g_socket_send_with_blocking (p->socket, "HTTP/1.1 100 Continue\r\n\r\n", 25, FALSE, NULL, NULL);
  return TRUE;
}

/* What came in so far: returns TRUE to read more. */
static gboolean
consider (Pending *p)
{
  guint status = 0;

  if (p->head_end == 0)
    {
      const guint8 *eol = memchr (p->buf->data, '\n', p->buf->len);

      p->head_end = find_head_end (p->buf->data, p->buf->len);
      if ((eol == NULL && p->buf->len > ON_AIR_GATE_MAX_REQUEST_LINE) ||
          (eol != NULL && (gsize) (eol - p->buf->data) > ON_AIR_GATE_MAX_REQUEST_LINE + 1))
        {
          answer (p, SOUP_STATUS_REQUEST_URI_TOO_LONG, NULL, "The address is too long");
          return TRUE;
        }
      /* HTTP/0.9 is one line with no version and no empty line after. */
      if (eol != NULL && p->head_end == 0 && g_strstr_len ((const char *) p->buf->data, eol - p->buf->data, " HTTP/") == NULL)
        {
          answer (p, SOUP_STATUS_BAD_REQUEST, NULL, "Malformed request");
          return TRUE;
        }
      if (p->head_end == 0)
        {
          if (p->buf->len > ON_AIR_GATE_MAX_HEAD)
            answer (p, STATUS_HEADER_FIELDS_TOO_LARGE, NULL, "The request header is too large");
          return TRUE;
        }
      if (p->head_end > ON_AIR_GATE_MAX_HEAD)
        {
          answer (p, STATUS_HEADER_FIELDS_TOO_LARGE, NULL, "The request header is too large");
          return TRUE;
        }
      if (!check_head (p))
        return TRUE;
    }

  if (p->chunked)
    {
      if (chunked_complete (p->buf->data + p->head_end, p->buf->len - p->head_end, &status))
        {
          hand_over (p);
          return FALSE;
        }
      if (status == 0 && p->buf->len - p->head_end > ON_AIR_SERVER_MAX_BODY + ON_AIR_GATE_CHUNK_OVERHEAD)
        status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      if (status != 0)
        answer (p, status, NULL, status == SOUP_STATUS_BAD_REQUEST ? "Malformed chunked body"
                                                                   : "The request body is too large");
      return TRUE;
    }
  if ((gint64) (p->buf->len - p->head_end) >= MAX (p->content_length, 0))
    {
      hand_over (p);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* reading                                                                */

/* The request took too long (408; silence for a connection that sent
 * nothing, as browsers open spare ones), or the linger after an answer
 * is over. */
static gboolean
on_deadline (gpointer user_data)
{
  Pending *p = user_data;

  p->deadline = 0;
  if (p->answered || p->buf->len == 0)
    {
      pending_finish (p, TRUE);
      return G_SOURCE_REMOVE;
    }
  answer (p, SOUP_STATUS_REQUEST_TIMEOUT, NULL, "The request took too long");
  p->deadline = g_timeout_add (ON_AIR_GATE_LINGER_MS, on_deadline, p);
  return G_SOURCE_REMOVE;
}

/* How much to read now: never past a Content-Length body. */
static gsize
want (Pending *p)
{
  if (p->answered)
    return READ_BLOCK;
  if (p->head_end > 0 && !p->chunked)
    return MIN (READ_BLOCK, p->head_end + p->content_length - p->buf->len);
  return READ_BLOCK;
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Pending *p = user_data;
  guint8 block[READ_BLOCK];
  gssize n;
  g_autoptr(GError) error = NULL;

  n = g_socket_receive_with_blocking (socket, (char *) block, want (p), FALSE, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      pending_finish (p, TRUE); /* the client left (or reset) */
      return G_SOURCE_REMOVE;
    }
  if (p->answered)
    {
      p->discarded += n;
      if (p->discarded > ON_AIR_GATE_LINGER_BYTES)
        {
          pending_finish (p, TRUE);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  g_byte_array_append (p->buf, block, n);
  if (!consider (p))
    return G_SOURCE_REMOVE; /* handed over: p is gone */
  if (p->answered)
    p->deadline = g_timeout_add (ON_AIR_GATE_LINGER_MS, on_deadline, p);
  return G_SOURCE_CONTINUE;
}

static void
wait_readable (Pending *p)
{
  p->read_source = g_socket_create_source (p->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (p->read_source, (GSourceFunc) (void (*) (void)) on_readable, p, NULL);
  g_source_attach (p->read_source, NULL);
}

/* ---------------------------------------------------------------------- */
/* accepting                                                              */

/* A burst from one address (a classroom behind NAT) is let in; a client
 * holding connections it sends nothing on is not: its oldest one that
 * stalled for ON_AIR_GATE_STALLED_MS gets 408 to make room. */
static void
evict_stalled (OnAirGate *gate, const char *address)
{
  gint64 stalled_before = g_get_monotonic_time () - ON_AIR_GATE_STALLED_MS * 1000;
  GHashTableIter iter;
  Pending *p, *oldest = NULL;

  g_hash_table_iter_init (&iter, gate->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &p, NULL))
    if (!p->answered && p->accepted < stalled_before && g_str_equal (p->address, address) &&
        (oldest == NULL || p->accepted < oldest->accepted))
      oldest = p;
  if (oldest == NULL)
    return;
  if (oldest->buf->len > 0)
    answer (oldest, SOUP_STATUS_REQUEST_TIMEOUT, NULL, "The request took too long");
  pending_finish (oldest, TRUE);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *conn,
             GObject           *source_object,
             gpointer           user_data)
{
  OnAirGate *gate = user_data;
  GSocket *socket = g_socket_connection_get_socket (conn);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autofree char *address = NULL;
  Pending *p;

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return TRUE; /* gone already: dropping the connection closes it */
  address = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));

  p = g_new0 (Pending, 1);
  p->gate = gate;
  p->conn = g_object_ref (conn);
  p->socket = socket;
  p->buf = g_byte_array_new ();
  p->address = g_steal_pointer (&address);
  p->content_length = -1;
  p->accepted = g_get_monotonic_time ();
  count_address (gate, p->address, +1);
  g_hash_table_add (gate->pending, p);

  /* Connections that have not yet sent a whole request are bounded, in
   * all (beyond that the newest is turned away) and per address (beyond
   * that the oldest that stalled makes room). */
  if (GPOINTER_TO_UINT (g_hash_table_lookup (gate->per_address, p->address)) > ON_AIR_GATE_MAX_PENDING_PER_ADDRESS)
    evict_stalled (gate, p->address);
  if (g_hash_table_size (gate->pending) > ON_AIR_GATE_MAX_PENDING)
    {
      answer (p, SOUP_STATUS_SERVICE_UNAVAILABLE, "Retry-After: 1\r\n", "Too many connections; try again.");
      pending_finish (p, TRUE);
      return TRUE;
    }
  p->deadline = g_timeout_add_seconds (ON_AIR_GATE_REQUEST_TIMEOUT_S, on_deadline, p);
  wait_readable (p);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the gate                                                               */

OnAirGate *
_on_air_gate_new (SoupServer *soup, OnAirGateCheck *check, gpointer check_data)
{
  OnAirGate *gate = g_new0 (OnAirGate, 1);

  gate->soup = g_object_ref (soup);
  gate->check = check;
  gate->check_data = check_data;
  gate->pending = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) pending_free, NULL);
  gate->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gate->service = g_socket_service_new ();
  /* Bursts: a classroom scanning the code at once, each phone opening
   * several connections (the kernel caps this at net.core.somaxconn). */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (gate->service), ON_AIR_GATE_BACKLOG);
  g_signal_connect (gate->service, "incoming", G_CALLBACK (on_incoming), gate);
  return gate;
}

gboolean
_on_air_gate_listen (OnAirGate *gate, GInetAddress *address, guint port, GError **error)
{
  GSocketListener *listener = G_SOCKET_LISTENER (gate->service);

  if (address != NULL)
    {
      g_autoptr(GSocketAddress) sockaddr = g_inet_socket_address_new (address, port);
      g_autoptr(GSocketAddress) effective = NULL;

      if (!g_socket_listener_add_address (listener, sockaddr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                          NULL, &effective, error))
        return FALSE;
      gate->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      if ((gate->port = g_socket_listener_add_any_inet_port (listener, NULL, error)) == 0)
        return FALSE;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (listener, port, NULL, error))
        return FALSE;
      gate->port = port;
    }
  g_socket_service_start (gate->service);
  return TRUE;
}

guint
_on_air_gate_get_port (OnAirGate *gate)
{
  return gate->port;
}

void
_on_air_gate_free (OnAirGate *gate)
{
  GHashTableIter iter;
  Pending *p;

  g_socket_service_stop (gate->service);
  g_socket_listener_close (G_SOCKET_LISTENER (gate->service));
  g_signal_handlers_disconnect_by_data (gate->service, gate);
  g_hash_table_iter_init (&iter, gate->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &p, NULL))
    g_io_stream_close (G_IO_STREAM (p->conn), NULL, NULL);
  g_hash_table_unref (gate->pending);
  g_hash_table_unref (gate->per_address);
  g_object_unref (gate->service);
  g_object_unref (gate->soup);
  g_free (gate);
}
