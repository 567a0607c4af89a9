/*
 * The fault matrix: every fault reason vtm defines (VTMFaultReason in
 * vtm-defs.h) has exactly one row, with its code, in the "Fault reasons"
 * table of docs/vtm.rst, and the tests a row names exist and check that
 * reason.  One case per reason; a reason that no test raises yet is
 * reported as skipped, with the table's word for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"

typedef struct Reason {
    char *name;                 /* VTM_FR_... */
    unsigned code;
} Reason;

typedef struct Row {
    char *name;
    unsigned code;
    char *tests;                /* the last column */
} Row;

static GPtrArray *reasons;      /* of Reason, from vtm-defs.h */
static GHashTable *rows;        /* name -> Row, from docs/vtm.rst */
static GPtrArray *row_errors;   /* of char *: rows that do not parse */
static char *bindir;            /* where this program and its peers are */

static char *read_source(const char *rel)
{
    g_autofree char *path = g_build_filename(VTM_SRC_ROOT, rel, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_printerr("%s\n", err->message);
        return NULL;
    }
    return text;
}

static void load_reasons(void)
{
    g_autofree char *defs = read_source("hw/i386/vtm/vtm-defs.h");
    g_autoptr(GRegex) body = g_regex_new(
        "typedef enum VTMFaultReason \\{(.*?)\\} VTMFaultReason",
        G_REGEX_DOTALL, 0, NULL);
    g_autoptr(GRegex) item = g_regex_new(
        "\\b(VTM_FR_\\w+)\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autoptr(GMatchInfo) it = NULL;
    g_autofree char *enum_text = NULL;

    reasons = g_ptr_array_new();
    g_assert_nonnull(defs);
    g_assert_true(g_regex_match(body, defs, 0, &m));
    enum_text = g_match_info_fetch(m, 1);
    g_regex_match(item, enum_text, 0, &it);
    while (g_match_info_matches(it)) {
        Reason *r = g_new0(Reason, 1);
        g_autofree char *code = g_match_info_fetch(it, 2);

        r->name = g_match_info_fetch(it, 1);
        r->code = g_ascii_strtoull(code, NULL, 0);
        if (r->code) {          /* VTM_FR_NONE is no fault */
            g_ptr_array_add(reasons, r);
        } else {
            g_free(r->name);
            g_free(r);
        }
        g_match_info_next(it, NULL);
    }
}

/*
 * The section's list-table: rows "* - 0xNN", "- ``VTM_FR_...``",
 * "- condition", "- tests", each cell on one or more lines.
 */
static void load_rows(void)
{
    g_autofree char *doc = read_source("docs/vtm.rst");
    g_autoptr(GRegex) row = g_regex_new(
        "^   \\* - (0x[0-9a-fA-F]+)\\s*\\n"
        "     - ``(VTM_FR_\\w+)``\\s*\\n"
        "     - (?:.|\\n(?!     - ))*\\n"
        "     - ((?:.|\\n(?!   \\* |\\n))*)",
        G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    char *start, *end;

    rows = g_hash_table_new(g_str_hash, g_str_equal);
    row_errors = g_ptr_array_new();
    g_assert_nonnull(doc);
    start = strstr(doc, "\nFault reasons\n-------------");
    g_assert_nonnull(start);
    end = strstr(start + 1, "\n-----");
    end = end ? g_strrstr_len(start, end - start, "\n\n") : NULL;
    if (end) {
        *end = 0;
    }
    g_regex_match(row, start, 0, &m);
    while (g_match_info_matches(m)) {
        Row *r = g_new0(Row, 1);
        g_autofree char *code = g_match_info_fetch(m, 1);

        r->code = g_ascii_strtoull(code, NULL, 16);
        r->name = g_match_info_fetch(m, 2);
        r->tests = g_match_info_fetch(m, 3);
        if (g_hash_table_contains(rows, r->name)) {
            g_ptr_array_add(row_errors,
                            g_strdup_printf("%s: two rows", r->name));
        }
        g_hash_table_insert(rows, r->name, r);
        g_match_info_next(m, NULL);
    }
}

/*
 * The test paths of a unit test program: its -l listing, from the build
 * folder this program runs from.  NULL when it is not there.
 */
static char *unit_paths(const char *program)
{
    g_autofree char *exe = g_build_filename(bindir, program, NULL);
    char *argv[] = { exe, (char *)"-l", NULL };
    char *out = NULL;
    int status;

    if (!g_file_test(exe, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                      NULL, &out, NULL, &status, NULL)) {
        return NULL;
    }
    return out;
}

/* Whether path is a test of program (sources: its listing or source). */
static bool has_test(const char *program, const char *src, const char *path)
{
    g_autofree char *list = NULL;
    g_autofree char *line = g_strdup_printf("\n%s\n", path);
    g_autofree char *quoted = g_strdup_printf("\"%s\"", path);

    if (g_str_has_prefix(program, "test-vtm-")) {
        list = unit_paths(program);
    }
    if (list) {
        g_autofree char *all = g_strdup_printf("\n%s", list);

        return strstr(all, line) != NULL;
    }
    return strstr(src, quoted) != NULL;
}

/*
 * A row that says the reason is "not raised": no source of the device
 * but vtm-defs.h (which defines it) may name it.
 */
static void check_not_raised(const Reason *reason)
{
    g_autofree char *dir = g_build_filename(VTM_SRC_ROOT, "hw/i386/vtm",
                                            NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    unsigned files = 0;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *rel = NULL;
        g_autofree char *text = NULL;

        if (!strcmp(name, "vtm-defs.h") || (!g_str_has_suffix(name, ".c") &&
                                            !g_str_has_suffix(name, ".h"))) {
            continue;
        }
        rel = g_strdup_printf("hw/i386/vtm/%s", name);
        text = read_source(rel);
        g_assert_nonnull(text);
        files++;
        if (strstr(text, reason->name)) {
            g_test_message("%s: %s raises it, but its row says \"not "
                           "raised\"", reason->name, rel);
            g_test_fail();
        }
    }
    g_assert_cmpuint(files, >, 0);
}

/*
 * A test cell names programs (``test-vtm-walk``, ``vtm-test``), each
 * followed by test paths of it (``/vtm/walk/...``); other literals are
 * left alone.  Each program's source must exist and check the reason;
 * each path must be a test of the program named before it: a unit
 * test's listing (-l), or a literal in a qtest's source.
 */
static void check_tests(const Reason *reason, const Row *row)
{
    g_autoptr(GRegex) ref = g_regex_new("``([^`]+)``", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autofree char *src = NULL;
    g_autofree char *program = NULL;
    unsigned programs = 0;

    g_regex_match(ref, row->tests, 0, &m);
    while (g_match_info_matches(m)) {
        g_autofree char *word = g_match_info_fetch(m, 1);

        if (word[0] == '/' && program) {
            if (!has_test(program, src, word)) {
                g_test_message("%s: %s is no test of %s", reason->name,
                               word, program);
                g_test_fail();
            }
        } else if (g_str_has_prefix(word, "test-vtm-") ||
                   (g_str_has_prefix(word, "vtm-") &&
                    g_str_has_suffix(word, "test"))) {
            g_autofree char *rel = g_strdup_printf(
                "tests/%s/%s.c", g_str_has_prefix(word, "test-") ?
                "unit" : "qtest", word);

            g_free(src);
            src = read_source(rel);
            g_assert_nonnull(src);
            g_free(program);
            program = g_strdup(word);
            programs++;
            if (!strstr(src, reason->name)) {
                g_test_message("%s: %s does not check it", reason->name,
                               rel);
                g_test_fail();
            }
        }
        g_match_info_next(m, NULL);
    }
    if (!programs) {
        g_autofree char *why = g_strstrip(g_strdup(row->tests));

        if (g_str_has_prefix(why, "not raised")) {
            check_not_raised(reason);
        } else {
            g_test_skip(why);
        }
    }
}

static void test_reason(gconstpointer opaque)
{
    const Reason *reason = opaque;
    const Row *row = g_hash_table_lookup(rows, reason->name);

    if (!row) {
        g_test_message("%s (0x%x) has no row in docs/vtm.rst, "
                       "section \"Fault reasons\"", reason->name,
                       reason->code);
        g_test_fail();
        return;
    }
    g_assert_cmphex(row->code, ==, reason->code);
    check_tests(reason, row);
}

/* Every row names a reason of the code, and each row parsed. */
static void test_rows(void)
{
    GHashTableIter it;
    gpointer key, value;
    guint i;

    for (i = 0; i < row_errors->len; i++) {
        g_test_message("%s", (char *)g_ptr_array_index(row_errors, i));
        g_test_fail();
    }
    g_hash_table_iter_init(&it, rows);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        bool found = false;

        for (i = 0; i < reasons->len; i++) {
            found |= !strcmp(((Reason *)reasons->pdata[i])->name, key);
        }
        if (!found) {
            g_test_message("row %s: no such reason in vtm-defs.h",
                           (char *)key);
            g_test_fail();
        }
    }
}

int main(int argc, char **argv)
{
    guint i;

    g_test_init(&argc, &argv, NULL);
    bindir = g_path_get_dirname(argv[0]);
    load_reasons();
    load_rows();
    g_assert_cmpuint(reasons->len, >, 0);
    g_test_add_func("/vtm/faults/rows", test_rows);
    for (i = 0; i < reasons->len; i++) {
        const Reason *r = reasons->pdata[i];
        g_autofree char *path = g_strdup_printf("/vtm/faults/%02x-%s",
                                                r->code, r->name + 7);

        g_test_add_data_func(path, r, test_reason);
    }
    return g_test_run();
}
