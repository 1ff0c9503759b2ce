/* multi_file.c - opens several capture files, one after the other, in one
 * libwireshark process (as the GUI does on File > Open), and prints the
 * tcpconn.reason of every frame in a single pass:
 *
 *     FILE<TAB>FRAME<TAB>REASON
 *
 * test_multi_file.py compares each file's lines with a fresh tshark run on
 * that file alone: state left over from an earlier file would show.
 * Plugins load from the personal plugin folder, as for tshark.
 *
 * libwireshark's API changes between releases; each difference is behind
 * TCPCONN_WS_AT_LEAST() (plugin/version_compat.h) with the release named.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include <wireshark.h>

#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>
#include <wsutil/wslog.h>

#include "version_compat.h"

/* What epan asks of the application for the file being read. */
struct packet_provider_data {
    nstime_t *times; /* frame number -> timestamp, for time references */
    guint32 count;
};

static const nstime_t *frame_ts(struct packet_provider_data *prov, guint32 frame_num)
{
    return frame_num >= 1 && frame_num <= prov->count ? &prov->times[frame_num - 1] : NULL;
}

static int print_reasons(const char *path, int hf_reason)
{
    int err;
    gchar *err_info = NULL;
    wtap *wth = wtap_open_offline(path, WTAP_TYPE_AUTO, &err, &err_info, FALSE);
    if (wth == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", path, wtap_strerror(err));
        g_free(err_info);
        return 1;
    }

    struct packet_provider_data prov = { 0 };
    /* Designated: the struct grows with new members (4.6 has seven). */
    static const struct packet_provider_funcs funcs = { .get_frame_ts = frame_ts };
    epan_t *session = epan_new(&prov, &funcs);

    wtap_rec rec;
#if TCPCONN_WS_AT_LEAST(4, 6)
    /* 4.6: the record carries its own data buffer (rec.data), sized here. */
    wtap_rec_init(&rec, 1514);
#else
    Buffer buf;
    wtap_rec_init(&rec);
    ws_buffer_init(&buf, 1514);
#endif
    gint64 offset;
    guint32 cum_bytes = 0;
    nstime_t elapsed = NSTIME_INIT_ZERO;
    const frame_data *ref = NULL, *prev_dis = NULL;
    frame_data previous;
    gsize capacity = 0;

    for (;;) {
#if TCPCONN_WS_AT_LEAST(4, 6)
        /* 4.6: wtap_read() reads into rec.data, no Buffer argument. */
        if (!wtap_read(wth, &rec, &err, &err_info, &offset))
            break;
#else
        if (!wtap_read(wth, &rec, &buf, &err, &err_info, &offset))
            break;
#endif
        frame_data fd;
        if (prov.count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            prov.times = g_renew(nstime_t, prov.times, capacity);
        }
        prov.times[prov.count++] = rec.ts;
        frame_data_init(&fd, prov.count, &rec, offset, cum_bytes);
        frame_data_set_before_dissect(&fd, &elapsed, &ref, prev_dis);

        epan_dissect_t edt;
        epan_dissect_init(&edt, session, TRUE, FALSE);
        epan_dissect_prime_with_hfid(&edt, hf_reason);
#if TCPCONN_WS_AT_LEAST(4, 6)
        /* 4.6: epan_dissect_run() makes the frame's tvb from rec.data itself
         * and lost its tvb argument. */
        epan_dissect_run(&edt, wtap_file_type_subtype(wth), &rec, &fd, NULL);
#else
        tvbuff_t *tvb =
            tvb_new_real_data(ws_buffer_start_ptr(&buf), rec.rec_header.packet_header.caplen,
                              rec.rec_header.packet_header.len);
        epan_dissect_run(&edt, wtap_file_type_subtype(wth), &rec, tvb, &fd, NULL);
#endif

        GPtrArray *found = proto_get_finfo_ptr_array(edt.tree, hf_reason);
        const char *reason = "";
        char *text = NULL;
        if (found != NULL && found->len > 0) {
            field_info *fi = (field_info *)g_ptr_array_index(found, 0);
#if TCPCONN_WS_AT_LEAST(4, 2)
            /* 4.2: field_info holds a pointer to its value (seen in 4.4's
             * headers; 4.0 embeds the fvalue_t). */
            text = fvalue_to_string_repr(NULL, fi->value, FTREPR_DISPLAY, BASE_NONE);
#else
            text = fvalue_to_string_repr(NULL, &fi->value, FTREPR_DISPLAY, BASE_NONE);
#endif
            reason = text;
        }
        printf("%s\t%u\t%s\n", path, fd.num, reason);
        wmem_free(NULL, text);

        frame_data_set_after_dissect(&fd, &cum_bytes);
        previous = fd;
        prev_dis = &previous;
        epan_dissect_cleanup(&edt);
        frame_data_destroy(&fd);
        wtap_rec_reset(&rec);
    }
    g_free(err_info);

    /* As after a sequential read, then as on closing the file. */
    postseq_cleanup_all_protocols();
    epan_free(session);
    wtap_rec_cleanup(&rec);
#if !TCPCONN_WS_AT_LEAST(4, 6)
    ws_buffer_free(&buf);
#endif
    wtap_close(wth);
    g_free(prov.times);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CAPTURE...\n", argv[0]);
        return 2;
    }
#if TCPCONN_WS_AT_LEAST(4, 6)
    /* 4.6: ws_log_init() and configuration_init() lost their program name
     * and namespace arguments. */
    ws_log_init(NULL);
#else
    ws_log_init("multi_file", NULL);
#endif
    init_process_policies();
    /* Sets the folders, the personal plugin folder among them. */
#if TCPCONN_WS_AT_LEAST(4, 6)
    char *error = configuration_init(argv[0]);
#else
    char *error = configuration_init(argv[0], NULL);
#endif
    if (error != NULL) {
        fprintf(stderr, "%s\n", error);
        g_free(error);
        return 1;
    }
    wtap_init(TRUE);
    if (!epan_init(NULL, NULL, TRUE))
        return 1;
    epan_load_settings();

    int hf_reason = proto_registrar_get_id_byname("tcpconn.reason");
    if (hf_reason < 0) {
        fprintf(stderr, "the tcpconn plugin is not loaded\n");
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= print_reasons(argv[i], hf_reason);
    epan_cleanup();
    wtap_cleanup();
    return status;
}
