/* on-air-lan.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-lan"

#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "on-air-lan.h"

static gboolean
is_private (const char *address)
{
  return g_str_has_prefix (address, "10.") ||
         g_str_has_prefix (address, "192.168.") ||
         (g_str_has_prefix (address, "172.") &&
          atoi (address + 4) >= 16 && atoi (address + 4) <= 31);
}

static int
compare_addresses (gconstpointer a, gconstpointer b, gpointer unused)
{
  const char *x = *(const char **) a;
  const char *y = *(const char **) b;

  if (is_private (x) != is_private (y))
    return is_private (x) ? -1 : 1;
  return 0;
}

GStrv
on_air_lan_addresses (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  struct ifaddrs *ifs = NULL;

  if (getifaddrs (&ifs) == 0)
    {
      for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next)
        {
          char text[INET_ADDRSTRLEN];
          gboolean seen = FALSE;

          if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
          if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
            continue;
          if (inet_ntop (AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr,
                         text, sizeof text) == NULL)
            continue;
          for (guint j = 0; j < list->len; j++)
            seen |= g_str_equal (g_ptr_array_index (list, j), text);
          if (!seen)
            g_ptr_array_add (list, g_strdup (text));
        }
      freeifaddrs (ifs);
    }

  g_ptr_array_sort_with_data (list, compare_addresses, NULL);
  if (list->len == 0)
    g_ptr_array_add (list, g_strdup ("127.0.0.1"));
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_steal (list, NULL);
}

char *
on_air_lan_viewer_url (const char *address, guint port, const char *token)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  host = strchr (address, ':') ? g_strdup_printf ("[%s]", address) : g_strdup (address);
  if (token != NULL)
    return g_strdup_printf ("http://%s:%u/?token=%s", host, port, token);
  return g_strdup_printf ("http://%s:%u/", host, port);
}
