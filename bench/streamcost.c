/* streamcost.c - what the attempt table costs per packet against the number
 * of streams: feeds a SYN flood (one bare SYN per stream, client ports and
 * servers varied) straight into the core, as the post-dissector does, and
 * prints the table's bytes per stream. Run it under callgrind with
 * --toggle-collect=tcpconn_streams_segment to count the instructions per
 * packet that depend on the table (bench/RESULTS.md, "Flatness").
 *
 *   streamcost STREAMS
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams.h"

static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void heap_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: streamcost STREAMS\n");
        return 2;
    }
    uint32_t streams = (uint32_t)strtoul(argv[1], NULL, 10);
    static const tcpconn_allocator heap = { heap_realloc, heap_free, NULL };
    tcpconn_streams_options options = { false, 1000 * 1000000LL };
    tcpconn_streams *t = tcpconn_streams_new(&heap, &options);
    for (uint32_t i = 0; i < streams; i++) {
        /* Client 10.x.y.z:1024+, 64 servers 192.0.2.n:443, as a scan or flood would. */
        uint8_t client[TCPCONN_ENDPOINT_LEN] = { 4, 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                                                 (uint8_t)i };
        uint8_t server[TCPCONN_ENDPOINT_LEN] = { 4, 192, 0, 2, (uint8_t)(i % 64) };
        uint16_t client_port = (uint16_t)(1024 + i % 60000);
        client[17] = (uint8_t)(client_port >> 8);
        client[18] = (uint8_t)client_port;
        server[17] = 443 >> 8;
        server[18] = 443 & 0xff;
        int64_t time_ns = (int64_t)i * 10000;
        tcpconn_segment s = { .frame = i + 1,
                              .time_ns = time_ns,
                              .orientation = tcpconn_orientation(client, server),
                              .flags = TCPCONN_SYN,
                              .seq = i * 7919u,
                              .window = 64240,
                              .src_port = client_port,
                              .dst_port = 443,
                              .src_endpoint = client,
                              .dst_endpoint = server };
        tcpconn_streams_frame_seen(t, time_ns);
        tcpconn_streams_segment(t, i, &s);
    }
    printf("streams %u bytes %zu bytes/stream %.1f\n", streams, tcpconn_streams_bytes(t),
           streams ? (double)tcpconn_streams_bytes(t) / streams : 0.0);
    tcpconn_streams_free(t);
    return 0;
}
