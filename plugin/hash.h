/* hash.h - the one hash the core's tables use (FNV-1a, 64 bits): small
 * keys, no allocation, and the same on every platform.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_HASH_H
#define TCPCONN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TCPCONN_HASH_START 14695981039346656037u

static inline uint64_t tcpconn_hash_byte(uint64_t h, uint8_t byte)
{
    return (h ^ byte) * 1099511628211u;
}

static inline uint64_t tcpconn_hash_bytes(uint64_t h, const void *bytes, size_t len)
{
    const uint8_t *b = bytes;
    for (size_t i = 0; i < len; i++)
        h = tcpconn_hash_byte(h, b[i]);
    return h;
}

#endif /* TCPCONN_HASH_H */
