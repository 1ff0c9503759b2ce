/* ports.c - which end of a connection is likely the server, by its port.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ports.h"

#include <stdlib.h>

/* The ports of Zeek's default script set's analyzers. Sorted. */
static const uint16_t likely_server_ports[] = {
    21,   22,   25,   53,   79,   80,   81,   88,   135,  139,   143,  389,  443,
    445,  465,  502,  514,  563,  585,  587,  614,  631,  636,   989,  990,  992,
    993,  995,  1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389,  5222, 5223, 5269,
    5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
};

static int compare_ports(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

bool tcpconn_likely_server_port(uint16_t port)
{
    return bsearch(&port, likely_server_ports,
                   sizeof likely_server_ports / sizeof likely_server_ports[0],
                   sizeof likely_server_ports[0], compare_ports) != NULL;
}

tcpconn_server_guess tcpconn_guess_server(uint16_t src_port, uint16_t dst_port)
{
    bool src_likely = tcpconn_likely_server_port(src_port);
    bool dst_likely = tcpconn_likely_server_port(dst_port);
    if (src_likely != dst_likely)
        return src_likely ? TCPCONN_SERVER_IS_SOURCE : TCPCONN_SERVER_IS_DESTINATION;
    /* Services without an analyzer still tend to sit on system ports, and
     * clients on ephemeral ones. */
    bool src_system = src_port < 1024, dst_system = dst_port < 1024;
    if (src_system != dst_system)
        return src_system ? TCPCONN_SERVER_IS_SOURCE : TCPCONN_SERVER_IS_DESTINATION;
    return TCPCONN_SERVER_UNKNOWN;
}
