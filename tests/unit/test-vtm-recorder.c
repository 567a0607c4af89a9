/*
 * Unit tests of the record=PATH writer (vtm-recorder.c): the bounded
 * ring drops and counts rather than wait, the writer thread puts every
 * record it took into the file in order, and bad paths are refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-recorder.h"

typedef struct RecFixture {
    char *dir;
    char *path;
} RecFixture;

static void rec_setup(RecFixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("vtm-recorder-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "rec", NULL);
}

static void rec_teardown(RecFixture *f, gconstpointer data)
{
    unlink(f->path);
    rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

/* A translation record whose arrival time tells it apart. */
static void make_xlate(VTMRecord *rec, uint64_t n)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = VTM_REC_XLATE;
    rec->time = n;
    rec->sid = 0x20;
    rec->iova = n << 12;
    rec->size = 64;
    rec->has_did = true;
    rec->did = 3;
    rec->latency = n % 1000;
}

/* The file's record lines (header and comments skipped), parsed. */
static GArray *read_records(const char *path, uint32_t *clock)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *recs = g_array_new(false, true, sizeof(VTMRecord));
    int i;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    *clock = vtm_record_parse_header(lines[0]);
    for (i = 1; lines[i]; i++) {
        g_autofree char *err = NULL;
        VTMRecord rec;

        err = vtm_record_parse(lines[i], &rec);
        g_assert_null(err);
        if (rec.kind != VTM_REC_NONE) {
            g_array_append_val(recs, rec);
        }
    }
    return recs;
}

static void test_full_ring_drops(RecFixture *f, gconstpointer data)
{
    g_autofree char *err = NULL;
    VTMRecorder *r = vtm_recorder_open(f->path, 1500, 4, &err);
    VTMRecorderStats st;
    g_autoptr(GArray) recs = NULL;
    VTMRecord rec;
    uint32_t clock;
    uint64_t i;

    g_assert_null(err);
    g_assert_nonnull(r);
    vtm_recorder_pause(r, true);
    for (i = 0; i < 10; i++) {
        make_xlate(&rec, i);
        vtm_recorder_put(r, &rec);      /* never waits for the writer */
    }
    vtm_recorder_stats(r, &st);
    g_assert_cmpuint(st.put, ==, 4);
    g_assert_cmpuint(st.dropped, ==, 6);
    g_assert_cmpuint(st.written, ==, 0);
    vtm_recorder_sync(r);               /* paused: returns at once */

    vtm_recorder_pause(r, false);
    vtm_recorder_sync(r);
    vtm_recorder_stats(r, &st);
    g_assert_cmpuint(st.written, ==, 4);
    g_assert_false(st.failed);

    /* room again: later records are taken */
    make_xlate(&rec, 100);
    vtm_recorder_put(r, &rec);
    vtm_recorder_close(r);

    recs = read_records(f->path, &clock);
    g_assert_cmpuint(clock, ==, 1500);
    g_assert_cmpuint(recs->len, ==, 5);
    for (i = 0; i < 4; i++) {
        g_assert_cmpuint(g_array_index(recs, VTMRecord, i).time, ==, i);
        g_assert_cmpuint(g_array_index(recs, VTMRecord, i).iova, ==, i << 12);
    }
    g_assert_cmpuint(g_array_index(recs, VTMRecord, 4).time, ==, 100);
}

/* Many records through a small ring: all accounted for, in order. */
static void test_stream_in_order(RecFixture *f, gconstpointer data)
{
    const uint64_t n = 200000;
    g_autofree char *err = NULL;
    VTMRecorder *r = vtm_recorder_open(f->path, 1000, 1024, &err);
    g_autoptr(GArray) recs = NULL;
    VTMRecorderStats st;
    VTMRecord rec;
    uint64_t i, last = 0;
    uint32_t clock;

    g_assert_nonnull(r);
    for (i = 1; i <= n; i++) {
        make_xlate(&rec, i);
        vtm_recorder_put(r, &rec);
    }
    vtm_recorder_sync(r);
    vtm_recorder_stats(r, &st);
    g_assert_cmpuint(st.put + st.dropped, ==, n);
    g_assert_cmpuint(st.written, ==, st.put);
    vtm_recorder_close(r);

    recs = read_records(f->path, &clock);
    g_assert_cmpuint(recs->len, ==, st.written);
    for (i = 0; i < recs->len; i++) {
        const VTMRecord *p = &g_array_index(recs, VTMRecord, i);

        g_assert_cmpuint(p->time, >, last);     /* no record twice */
        g_assert_cmpuint(p->iova, ==, p->time << 12);
        g_assert_cmpuint(p->latency, ==, p->time % 1000);
        last = p->time;
    }
}

static void test_bad_open(RecFixture *f, gconstpointer data)
{
    g_autofree char *missing = g_build_filename(f->dir, "no", "rec", NULL);
    g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL;

    g_assert_null(vtm_recorder_open(f->path, 1000, 1000, &e1));
    g_assert_nonnull(strstr(e1, "power of two"));
    g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));

    g_assert_null(vtm_recorder_open(missing, 1000, 8, &e2));
    g_assert_nonnull(strstr(e2, missing));

    if (g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
        /* the header cannot be written: refused, not a silent empty file */
        g_assert_null(vtm_recorder_open("/dev/full", 1000, 8, &e3));
        g_assert_nonnull(strstr(e3, "/dev/full"));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/vtm/recorder/full-ring-drops", RecFixture, NULL,
               rec_setup, test_full_ring_drops, rec_teardown);
    g_test_add("/vtm/recorder/stream-in-order", RecFixture, NULL,
               rec_setup, test_stream_in_order, rec_teardown);
    g_test_add("/vtm/recorder/bad-open", RecFixture, NULL,
               rec_setup, test_bad_open, rec_teardown);
    return g_test_run();
}
