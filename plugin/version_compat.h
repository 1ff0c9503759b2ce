/* version_compat.h - one place for the Wireshark version tests.
 *
 * One source builds against Wireshark 4.0 (Debian 12), 4.2 (Ubuntu 24.04),
 * 4.4 (Debian 13) and 4.6 (Debian unstable); every #if on the version uses
 * this, with a comment naming the version and the change.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_VERSION_COMPAT_H
#define TCPCONN_VERSION_COMPAT_H

#include <glib.h>
#include <stdbool.h>
#include <ws_version.h>

#define TCPCONN_WS_AT_LEAST(major, minor)                                                          \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                          \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* Boolean preferences are gboolean up to 4.2 and bool from 4.4 on. */
#if TCPCONN_WS_AT_LEAST(4, 4)
typedef bool tcpconn_pref_bool;
#else
typedef gboolean tcpconn_pref_bool;
#endif

#endif /* TCPCONN_VERSION_COMPAT_H */
