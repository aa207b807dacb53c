/* on-air-server.c
 *
 * The LAN server: listening, the route table and the router that applies
 * each route's checks, the viewers list, properties and public API.
 * Everything in the server runs on the main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-server"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "on-air-error.h"
#include "on-air-http.h"
#include "on-air-server-private.h"
#include "onair-web-resources.h"
#include "on-air-token.h"
#include "on-air-warm-up.h"

G_DEFINE_FINAL_TYPE (OnAirServer, on_air_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_LISTENING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* routes                                                                 */

/* Which paths under a route's prefix it serves. */
typedef enum
{
  MATCH_EXACT,   /* the prefix itself */
  MATCH_UNDER,   /* whatever libsoup hands the prefix */
  MATCH_SESSION, /* the prefix, '/', and one segment */
  MATCH_PAGE,    /* the viewer page */
  MATCH_FILE,    /* one of the page's files */
} RouteMatch;

/* What the router checks before it calls the route. */
typedef enum
{
  NEEDS_TOKEN  = 1 << 0, /* 401 without the access token */
  NEEDS_SLOT   = 1 << 1, /* 503 when full or when there is no picture */
  NEEDS_COOKIE = 1 << 2, /* a valid ?token= becomes a cookie */
  NEEDS_CORS   = 1 << 3, /* CORS headers, for WHEP players on other origins */
} RouteNeeds;

typedef struct
{
  const char          *prefix;
  RouteMatch           match;
  const char          *methods;   /* the Allow header */
  RouteNeeds           needs;
  const char          *body_type; /* the Content-Type of the body, if one is read */
  OnAirRouteParse     *parse;
  GDestroyNotify       parsed_free;
  OnAirRoutePreflight *preflight;
  OnAirRouteServe     *serve;
} Route;

/* Routes that share a prefix are adjacent: libsoup finds the prefix, the
 * router the route. The first route of a prefix says whether every answer
 * under it, a 404 too, carries CORS headers. */
static const Route routes[] = {
  { "/", MATCH_PAGE, "GET, HEAD", NEEDS_COOKIE,
    .serve = _on_air_server_serve_page },
  { "/", MATCH_FILE, "GET, HEAD", 0,
    .serve = _on_air_server_serve_page },
  { "/stream.mjpg", MATCH_UNDER, "GET", NEEDS_TOKEN | NEEDS_SLOT,
    .serve = _on_air_server_serve_mjpeg },
  { "/video_feed", MATCH_UNDER, "GET", NEEDS_TOKEN | NEEDS_SLOT,
    .serve = _on_air_server_serve_mjpeg },
  { "/snapshot.jpg", MATCH_UNDER, "GET", NEEDS_TOKEN,
    .serve = _on_air_server_serve_snapshot },
  { "/whep", MATCH_EXACT, "POST, OPTIONS", NEEDS_TOKEN | NEEDS_SLOT | NEEDS_CORS,
    "application/sdp", _on_air_server_parse_sdp_offer, _on_air_server_free_offer,
    _on_air_server_whep_preflight, _on_air_server_serve_whep },
  /* No PATCH (trickle ICE): every candidate is in the answer. */
  { "/whep", MATCH_SESSION, "DELETE, OPTIONS", NEEDS_TOKEN | NEEDS_CORS,
    .preflight = _on_air_server_whep_session_preflight, .serve = _on_air_server_end_whep_session },
  { "/offer", MATCH_EXACT, "POST", NEEDS_TOKEN | NEEDS_SLOT,
    "application/json", _on_air_server_parse_json_offer, _on_air_server_free_offer,
    .serve = _on_air_server_serve_offer },
  { "/api/status", MATCH_EXACT, "GET", NEEDS_TOKEN,
    .serve = _on_air_server_serve_status },
};

/* What libsoup passes the router for one prefix. */
typedef struct
{
  OnAirServer *server;
  guint        first;   /* the prefix's first route */
} RouteBinding;

static gboolean
route_matches (const Route *route, const char *path)
{
  gsize len = strlen (route->prefix);

  switch (route->match)
    {
    case MATCH_EXACT:
      return g_str_equal (path, route->prefix);
    case MATCH_UNDER:
      return TRUE;
    case MATCH_SESSION:
      return g_str_has_prefix (path, route->prefix) && path[len] == '/' &&
             path[len + 1] != '\0' && strchr (path + len + 1, '/') == NULL;
    case MATCH_PAGE:
      return _on_air_server_is_page (path) && _on_air_server_has_file (path);
    case MATCH_FILE:
      return _on_air_server_has_file (path);
    default:
      g_assert_not_reached ();
    }
}

static const Route *
find_route (guint first, const char *path)
{
  for (guint i = first; i < G_N_ELEMENTS (routes); i++)
    {
      if (!g_str_equal (routes[i].prefix, routes[first].prefix))
        break;
      if (route_matches (&routes[i], path))
        return &routes[i];
    }
  return NULL;
}

static gboolean
method_allowed (const Route *route, const char *method)
{
  g_auto(GStrv) methods = g_strsplit (route->methods, ", ", -1);

  return g_strv_contains ((const char * const *) methods, method);
}

/* Every request: its route, then the checks the route declares, in the
 * order a client is told what is wrong with it. */
static void
route_request (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  const RouteBinding *binding = user_data;
  OnAirServer *self = binding->server;
  const Route *route = find_route (binding->first, path);
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = NULL;
  gpointer parsed = NULL;

  if (routes[binding->first].needs & NEEDS_CORS)
    on_air_http_add_cors (msg);
  if (route == NULL)
    {
      on_air_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if (!method_allowed (route, method))
    {
      on_air_http_respond_method_not_allowed (msg, route->methods);
      return;
    }
  if (route->preflight != NULL && g_str_equal (method, SOUP_METHOD_OPTIONS))
    {
      route->preflight (msg);
      return;
    }
  if ((route->needs & NEEDS_TOKEN) && !_on_air_server_check_token (self, msg, query))
    return;
  if (route->needs & NEEDS_COOKIE)
    _on_air_server_grant_cookie (self, msg, query);
  if (route->body_type != NULL && !on_air_http_check_body (msg, route->body_type, &body))
    return;
  if (route->parse != NULL && (parsed = route->parse (msg, body)) == NULL)
    return;
  if ((route->needs & NEEDS_SLOT) && !_on_air_server_check_slot (self, msg))
    {
      g_clear_pointer (&parsed, route->parsed_free);
      return;
    }
  route->serve (self, msg, path, query, g_steal_pointer (&parsed));
}

/* The routes libsoup would pick for @path: the longest prefix. */
static gint
find_prefix (const char *path)
{
  gint best = -1;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_has_prefix (path, routes[i].prefix) &&
        (best < 0 || strlen (routes[i].prefix) > strlen (routes[best].prefix)))
      best = i;
  return best;
}

/* The gate asks, before it reads a body, what the router will say. */
static guint
check_before_body (gpointer     user_data,
                   const char  *method,
                   const char  *path,
                   gboolean    *takes_body,
                   const char **allow)
{
  gint first = find_prefix (path);
  const Route *route = first >= 0 ? find_route (first, path) : NULL;

  if (route == NULL)
    return SOUP_STATUS_NOT_FOUND;
  if (!method_allowed (route, method))
    {
      *allow = route->methods;
      return SOUP_STATUS_METHOD_NOT_ALLOWED;
    }
  *takes_body = route->body_type != NULL && !g_str_equal (method, SOUP_METHOD_OPTIONS);
  return 0;
}

static gboolean
prefix_reads_body (guint first)
{
  for (guint i = first; i < G_N_ELEMENTS (routes); i++)
    {
      if (!g_str_equal (routes[i].prefix, routes[first].prefix))
        break;
      if (routes[i].body_type != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
add_routes (OnAirServer *self, SoupServer *soup)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      RouteBinding *binding;

      if (i > 0 && g_str_equal (routes[i].prefix, routes[i - 1].prefix))
        continue;
      binding = g_new (RouteBinding, 1);
      binding->server = self;
      binding->first = i;
      soup_server_add_handler (soup, routes[i].prefix, route_request, binding, g_free);
      /* Before a body is read, refuse the ones we would never accept. */
      if (prefix_reads_body (i))
        soup_server_add_early_handler (soup, routes[i].prefix, on_air_http_refuse_early, NULL, NULL);
    }
}

/* ---------------------------------------------------------------------- */
/* listening                                                              */

/* One request per connection: the gate (on-air-server-gate.c) checks the
 * request a connection opens with, and a kept-alive connection's next
 * request would reach libsoup unchecked. (Also, libsoup before 3.3 never
 * closes a kept-alive connection that the client closed while it was idle,
 * libsoup commit d20c6601.) On a LAN the extra handshake costs one round
 * trip. */
static void
close_after_response (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

static gboolean
listen_on (OnAirGate *gate, const char *address, guint port, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GInetAddress) inet = NULL;

  if (address != NULL && (inet = g_inet_address_new_from_string (address)) == NULL)
    {
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_LISTEN,
                   _("“%s” is not an IP address"), address);
      return FALSE;
    }
  if (_on_air_gate_listen (gate, inet, port, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_PORT_IN_USE,
                 _("Port %u is already in use by another program"), port);
  else
    g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_LISTEN,
                 _("Cannot listen on port %u: %s"), port, local_error->message);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* viewers                                                                */

char *
_on_air_server_new_viewer_id (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

void
_on_air_server_remove_viewer (OnAirServer *self, OnAirViewer *viewer)
{
  guint position;

  if (viewer != NULL && g_list_store_find (self->viewers, viewer, &position))
    g_list_store_remove (self->viewers, position);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
on_air_server_dispose (GObject *object)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  on_air_server_stop (self);
  on_air_warm_up_join ();
  g_clear_signal_handler (&self->jpeg_handler, self->broadcast);
  g_clear_signal_handler (&self->mjpeg_removed_handler, self->broadcast);
  g_clear_object (&self->soup);
  g_clear_object (&self->broadcast);

  G_OBJECT_CLASS (on_air_server_parent_class)->dispose (object);
}

static void
on_air_server_finalize (GObject *object)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->bind_address, g_free);
  g_clear_object (&self->viewers);
  g_hash_table_unref (self->failures);
  g_ptr_array_unref (self->mjpeg_viewers);
  g_ptr_array_unref (self->pending_snapshots);
  g_hash_table_unref (self->peers);
  on_air_setup_turns_free (self->setup_turns);

  G_OBJECT_CLASS (on_air_server_parent_class)->finalize (object);
}

static void
on_air_server_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_LISTENING:
      g_value_set_boolean (value, self->soup != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_server_class_init (OnAirServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = on_air_server_dispose;
  object_class->finalize = on_air_server_finalize;
  object_class->get_property = on_air_server_get_property;

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LISTENING] =
    g_param_spec_boolean ("listening", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Registered by hand: a constructor in a static library may be dropped
   * by the linker. */
  onair_web_register_resource ();
}

static void
on_air_server_init (OnAirServer *self)
{
  self->max_viewers = ON_AIR_SERVER_DEFAULT_MAX_VIEWERS;
  self->viewers = g_list_store_new (ON_AIR_TYPE_VIEWER);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->mjpeg_viewers = g_ptr_array_new ();
  self->pending_snapshots = g_ptr_array_new_with_free_func (g_object_unref);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _on_air_server_peer_entry_free);
  self->setup_turns = on_air_setup_turns_new (ON_AIR_SERVER_SETUP_TURNS, ON_AIR_SERVER_SETUP_HOLD_MS,
                                              ON_AIR_SERVER_SETUP_WAIT_MS);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

OnAirServer *
on_air_server_new (OnAirBroadcast *broadcast)
{
  OnAirServer *self;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (broadcast), NULL);

  self = g_object_new (ON_AIR_TYPE_SERVER, NULL);
  self->broadcast = g_object_ref (broadcast);
  self->jpeg_handler = g_signal_connect (broadcast, "jpeg-frame",
                                         G_CALLBACK (_on_air_server_jpeg_frame_cb), self);
  self->mjpeg_removed_handler = g_signal_connect (broadcast, "mjpeg-client-removed",
                                                  G_CALLBACK (_on_air_server_mjpeg_client_removed_cb), self);
  return self;
}

void
on_air_server_set_token (OnAirServer *self, const char *token)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));
  g_return_if_fail (token == NULL || on_air_token_is_valid (token));

  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
on_air_server_get_token (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return self->token;
}

void
on_air_server_set_max_viewers (OnAirServer *self, guint max_viewers)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));
  self->max_viewers = max_viewers;
}

gboolean
on_air_server_listen (OnAirServer *self, const char *address, guint port, GError **error)
{
  g_autoptr(SoupServer) soup = NULL;
  OnAirGate *gate;

  g_return_val_if_fail (ON_AIR_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->soup != NULL)
    return TRUE;

  soup = soup_server_new ("server-header", "OnAir/" PACKAGE_VERSION " ", NULL);
  g_signal_connect (soup, "request-started", G_CALLBACK (close_after_response), NULL);
  add_routes (self, soup);
  gate = _on_air_gate_new (soup, check_before_body, self);
  if (!listen_on (gate, address, port, error))
    {
      _on_air_gate_free (gate);
      return FALSE;
    }
  self->port = _on_air_gate_get_port (gate);
  self->gate = gate;
  g_clear_pointer (&self->bind_address, g_free);
  if (address != NULL && !g_str_equal (address, "0.0.0.0") && !g_str_equal (address, "::"))
    self->bind_address = g_strdup (address);
  self->soup = g_steal_pointer (&soup);
  self->started_at = g_get_monotonic_time ();
  on_air_warm_up_start ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  return TRUE;
}

guint
on_air_server_get_port (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), 0);
  return self->port;
}

gboolean
on_air_server_is_listening (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), FALSE);
  return self->soup != NULL;
}

void
on_air_server_stop (OnAirServer *self)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));

  _on_air_server_stop_snapshots (self);
  _on_air_server_stop_mjpeg (self);
  /* Nobody waiting to set up starts on the way out. */
  on_air_setup_turns_drop_waiting (self->setup_turns);
  g_hash_table_remove_all (self->peers);
  g_list_store_remove_all (self->viewers);
  _on_air_server_forget_failures (self);

  g_clear_pointer (&self->gate, _on_air_gate_free);
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
    }
}

GListModel *
on_air_server_get_viewers (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return G_LIST_MODEL (self->viewers);
}

OnAirBroadcast *
on_air_server_get_broadcast (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return self->broadcast;
}
