/* on-air-server-stream.c: a TCP connection whose first bytes were read
 * already
 *
 * The gate (on-air-server-gate.c) reads and checks a whole request before
 * libsoup sees it; libsoup then reads it again from this stream, which
 * gives back those bytes first and then reads the socket. Its input is
 * pollable, as libsoup's non-blocking reads need. The socket stays
 * reachable for the routes that hand it on (MJPEG) or watch it (WHEP).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-server-stream"

#include "config.h"

#include <string.h>

#include "on-air-server-private.h"

/* ---------------------------------------------------------------------- */
/* input: the bytes read already, then the socket                         */

#define ON_AIR_TYPE_REPLAY_INPUT (on_air_replay_input_get_type ())
G_DECLARE_FINAL_TYPE (OnAirReplayInput, on_air_replay_input, ON_AIR, REPLAY_INPUT, GInputStream)

struct _OnAirReplayInput
{
  GInputStream  parent_instance;
  GInputStream *base;   /* pollable */
  GBytes       *replay;
  gsize         offset;
};

static void on_air_replay_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnAirReplayInput, on_air_replay_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      on_air_replay_input_pollable_init))

static gsize
replay_left (OnAirReplayInput *self)
{
  return self->replay != NULL ? g_bytes_get_size (self->replay) - self->offset : 0;
}

static gssize
take_replay (OnAirReplayInput *self, void *buffer, gsize count)
{
  gsize n = MIN (count, replay_left (self));

  memcpy (buffer, (const guint8 *) g_bytes_get_data (self->replay, NULL) + self->offset, n);
  self->offset += n;
  if (replay_left (self) == 0)
    g_clear_pointer (&self->replay, g_bytes_unref);
  return n;
}

static gssize
replay_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (stream);

  if (replay_left (self) > 0)
    return take_replay (self, buffer, count);
  return g_input_stream_read (self->base, buffer, count, cancellable, error);
}

static gboolean
replay_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (stream);

  g_clear_pointer (&self->replay, g_bytes_unref);
  return TRUE; /* the connection closes the socket */
}

static gboolean
replay_is_readable (GPollableInputStream *stream)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (stream);

  return replay_left (self) > 0 ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
replay_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (stream);
  g_autoptr(GSource) inner = NULL;
  GSource *source;

  if (replay_left (self) > 0)
    {
      /* Ready at once: a timeout of 0 stands for "readable now". */
      inner = g_timeout_source_new (0);
    }
  else
    inner = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base), cancellable);
  source = g_pollable_source_new (G_OBJECT (self));
  g_source_set_dummy_callback (inner);
  g_source_add_child_source (source, inner);
  return source;
}

static gssize
replay_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count, GError **error)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (stream);

  if (replay_left (self) > 0)
    return take_replay (self, buffer, count);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base),
                                                   buffer, count, NULL, error);
}

static void
on_air_replay_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = replay_is_readable;
  iface->create_source = replay_create_source;
  iface->read_nonblocking = replay_read_nonblocking;
}

static void
on_air_replay_input_finalize (GObject *object)
{
  OnAirReplayInput *self = ON_AIR_REPLAY_INPUT (object);

  g_clear_pointer (&self->replay, g_bytes_unref);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (on_air_replay_input_parent_class)->finalize (object);
}

static void
on_air_replay_input_class_init (OnAirReplayInputClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = on_air_replay_input_finalize;
  stream_class->read_fn = replay_read;
  stream_class->close_fn = replay_close;
}

static void
on_air_replay_input_init (OnAirReplayInput *self)
{
}

/* ---------------------------------------------------------------------- */
/* the connection                                                         */

#define ON_AIR_TYPE_REPLAY_STREAM (on_air_replay_stream_get_type ())
G_DECLARE_FINAL_TYPE (OnAirReplayStream, on_air_replay_stream, ON_AIR, REPLAY_STREAM, GIOStream)

struct _OnAirReplayStream
{
  GIOStream          parent_instance;
  GSocketConnection *base;
  OnAirReplayInput  *input;
};

G_DEFINE_FINAL_TYPE (OnAirReplayStream, on_air_replay_stream, G_TYPE_IO_STREAM)

static GInputStream *
replay_stream_get_input (GIOStream *stream)
{
  return G_INPUT_STREAM (ON_AIR_REPLAY_STREAM (stream)->input);
}

static GOutputStream *
replay_stream_get_output (GIOStream *stream)
{
  return g_io_stream_get_output_stream (G_IO_STREAM (ON_AIR_REPLAY_STREAM (stream)->base));
}

static gboolean
replay_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  OnAirReplayStream *self = ON_AIR_REPLAY_STREAM (stream);

  g_input_stream_close (G_INPUT_STREAM (self->input), NULL, NULL);
  return g_io_stream_close (G_IO_STREAM (self->base), cancellable, error);
}

static void
on_air_replay_stream_finalize (GObject *object)
{
  OnAirReplayStream *self = ON_AIR_REPLAY_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (on_air_replay_stream_parent_class)->finalize (object);
}

static void
on_air_replay_stream_class_init (OnAirReplayStreamClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = on_air_replay_stream_finalize;
  stream_class->get_input_stream = replay_stream_get_input;
  stream_class->get_output_stream = replay_stream_get_output;
  stream_class->close_fn = replay_stream_close;
}

static void
on_air_replay_stream_init (OnAirReplayStream *self)
{
}

GIOStream *
_on_air_server_replay_stream_new (GSocketConnection *connection, GBytes *replay)
{
  OnAirReplayStream *self = g_object_new (ON_AIR_TYPE_REPLAY_STREAM, NULL);

  self->base = g_object_ref (connection);
  self->input = g_object_new (ON_AIR_TYPE_REPLAY_INPUT, NULL);
  self->input->base = g_object_ref (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  self->input->replay = g_bytes_get_size (replay) > 0 ? g_bytes_ref (replay) : NULL;
  return G_IO_STREAM (self);
}

/* libsoup knows the socket of connections it accepted itself; of ours,
 * the gate hung it on the remote address it gave libsoup. */
GSocket *
_on_air_server_message_socket (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  GSocketAddress *remote;

  if (socket != NULL)
    return socket;
  remote = soup_server_message_get_remote_address (msg);
  return remote != NULL ? g_object_get_data (G_OBJECT (remote), "on-air-socket") : NULL;
}
