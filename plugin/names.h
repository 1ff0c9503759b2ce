/* names.h - which name the client looked up for a server address, from the
 * DNS answers in the capture.
 *
 * Plain C, with the caller's allocator (allocator.h). Answers are recorded
 * in the order of the capture's frames; a lookup asks for the latest answer
 * the client's host had received by a given frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCPCONN_NAMES_H
#define TCPCONN_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

/* Which host a frame's client is. The glue decides (see docs); the table
 * only compares the bytes. */
#define TCPCONN_HOST_LEN 8
typedef struct {
    uint8_t bytes[TCPCONN_HOST_LEN];
} tcpconn_host;

typedef struct tcpconn_names tcpconn_names;

tcpconn_names *tcpconn_names_new(const tcpconn_allocator *alloc);
void tcpconn_names_free(tcpconn_names *t);

/* `host` received, in frame `frame`, an answer giving `address` (4 or 16
 * bytes) for `name`. Frames come in increasing order. */
void tcpconn_names_answer(tcpconn_names *t, const tcpconn_host *host, const uint8_t *address,
                          uint8_t address_len, const char *name, uint32_t frame);

/* The name of the latest answer for `address` that `host` received before
 * frame `frame`, as an id (0: none). */
uint32_t tcpconn_names_find(const tcpconn_names *t, const tcpconn_host *host,
                            const uint8_t *address, uint8_t address_len, uint32_t frame);

/* The text of name `id` (not 0). */
const char *tcpconn_names_text(const tcpconn_names *t, uint32_t id);

/* Answers kept, and bytes of memory used. */
size_t tcpconn_names_answers(const tcpconn_names *t);
size_t tcpconn_names_bytes(const tcpconn_names *t);

#endif /* TCPCONN_NAMES_H */
