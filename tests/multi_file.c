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
    static const struct packet_provider_funcs funcs = { frame_ts, NULL, NULL, NULL };
    epan_t *session = epan_new(&prov, &funcs);

    wtap_rec rec;
    Buffer buf;
    wtap_rec_init(&rec);
    ws_buffer_init(&buf, 1514);
    gint64 offset;
    guint32 cum_bytes = 0;
    nstime_t elapsed = NSTIME_INIT_ZERO;
    const frame_data *ref = NULL, *prev_dis = NULL;
    frame_data previous;
    gsize capacity = 0;

    while (wtap_read(wth, &rec, &buf, &err, &err_info, &offset)) {
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
        tvbuff_t *tvb =
            tvb_new_real_data(ws_buffer_start_ptr(&buf), rec.rec_header.packet_header.caplen,
                              rec.rec_header.packet_header.len);
        epan_dissect_run(&edt, wtap_file_type_subtype(wth), &rec, tvb, &fd, NULL);

        GPtrArray *found = proto_get_finfo_ptr_array(edt.tree, hf_reason);
        const char *reason = "";
        char *text = NULL;
        if (found != NULL && found->len > 0) {
            field_info *fi = (field_info *)g_ptr_array_index(found, 0);
            text = fvalue_to_string_repr(NULL, &fi->value, FTREPR_DISPLAY, BASE_NONE);
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
    ws_buffer_free(&buf);
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
    ws_log_init("multi_file", NULL);
    init_process_policies();
    /* Sets the folders, the personal plugin folder among them. */
    char *error = configuration_init(argv[0], NULL);
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
