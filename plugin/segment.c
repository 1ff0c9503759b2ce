/* segment.c - endpoint keys and orientation of the core's events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "segment.h"

#include <string.h>

void tcpconn_endpoint_key(uint8_t key[TCPCONN_ENDPOINT_LEN], const uint8_t *address,
                          uint8_t address_len, uint16_t port)
{
    memset(key, 0, TCPCONN_ENDPOINT_LEN);
    key[0] = address_len == 16 ? 6 : 4;
    memcpy(key + 1, address, address_len == 16 ? 16 : 4);
    key[17] = (uint8_t)(port >> 8);
    key[18] = (uint8_t)port;
}

uint8_t tcpconn_orientation(const uint8_t src[TCPCONN_ENDPOINT_LEN],
                            const uint8_t dst[TCPCONN_ENDPOINT_LEN])
{
    return memcmp(src, dst, TCPCONN_ENDPOINT_LEN) > 0;
}
