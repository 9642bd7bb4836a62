/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_seqstore.c - persisted sequence numbers (sensor/seqstore.c): numbers start at 1
 * without a state directory; a clean close resumes exactly; a crash (no close) at any
 * point resumes above every number handed out, so none is reused; the file names its
 * sensor and refuses another; a stale temp file from a crash mid-write is harmless. The
 * run id: random and non-zero without a state directory (a new one at every open), drawn
 * once for a new state directory and kept in its file across clean and unclean restarts,
 * drawn again when the directory is emptied; a file from before run ids keeps run 0; the
 * block end an unclean run reserved is reported (prev_limit).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seqstore.h"

static char *tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/tz_seqstore.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void rmtree(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void read_file(const char *dir, char *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "%s/seq", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

Test(seqstore, memory_only_starts_at_one)
{
    struct seqstore st;
    char err[256];
    cr_assert_eq(seqstore_open(&st, "", "s1", err, sizeof err), 0);
    cr_assert_eq(st.persist, 0);
    for (uint64_t i = 1; i <= 25000; i++)
        cr_assert_eq(seqstore_take(&st, SEQ_EVENT), i);
    cr_assert_eq(seqstore_take(&st, SEQ_BATCH), 1);
    cr_assert_eq(seqstore_close(&st), 0);
    cr_assert_eq(seqstore_open(&st, NULL, "s1", err, sizeof err), 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 1);
}

Test(seqstore, clean_close_resumes_exactly)
{
    char *dir = tmpdir();
    struct seqstore st;
    char err[256], text[512];
    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.found, 0);
    for (uint64_t i = 1; i <= 5; i++)
        cr_assert_eq(seqstore_take(&st, SEQ_EVENT), i);
    cr_assert_eq(seqstore_take(&st, SEQ_BATCH), 1);
    /* while running, the file holds the reserved block ends and says unclean */
    read_file(dir, text, sizeof text);
    char want[512];
    snprintf(want, sizeof want, "tanzhen-sensor-state 1\nsensor plant-a\nseq 10001\nbatch 1001\n"
             "clean 0\nrun %016llx\n", (unsigned long long)st.run);
    cr_assert_str_eq(text, want);
    cr_assert_eq(seqstore_close(&st), 0);
    read_file(dir, text, sizeof text);
    snprintf(want, sizeof want, "tanzhen-sensor-state 1\nsensor plant-a\nseq 6\nbatch 2\n"
             "clean 1\nrun %016llx\n", (unsigned long long)st.run);
    cr_assert_str_eq(text, want);

    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.found, 1);
    cr_assert_eq(st.unclean, 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 6);
    cr_assert_eq(seqstore_take(&st, SEQ_BATCH), 2);
    seqstore_close(&st);
    rmtree(dir);
}

Test(seqstore, crash_never_reuses_a_number)
{
    char *dir = tmpdir();
    char err[256];
    uint64_t highest = 0, highest_batch = 0;
    /* runs of various lengths, each "killed" (never closed) after its last number; the
     * lengths cross block boundaries at different points */
    const uint64_t runs[] = {1, 9999, 10000, 10001, 3, 25000, 0, 12345, 20000, 1};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        struct seqstore st;
        cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0, "%s", err);
        if (r > 0)
            cr_assert_eq(st.unclean, 1, "run %zu: the last run was not closed", r);
        for (uint64_t i = 0; i < runs[r]; i++) {
            uint64_t v = seqstore_take(&st, SEQ_EVENT);
            cr_assert_gt(v, highest, "run %zu: %llu handed out again (highest %llu)", r,
                         (unsigned long long)v, (unsigned long long)highest);
            highest = v;
        }
        uint64_t b = seqstore_take(&st, SEQ_BATCH);
        cr_assert_gt(b, highest_batch);
        highest_batch = b;
        /* a crash may also leave a half-written temp file behind */
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s/seq.tmp", dir);
        FILE *f = fopen(tmp, "w");
        cr_assert_not_null(f);
        fputs("tanzhen-sensor-st", f);
        fclose(f);
    }
    /* and a clean close after all that still resumes above everything */
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    uint64_t v = seqstore_take(&st, SEQ_EVENT);
    cr_assert_gt(v, highest);
    cr_assert_eq(seqstore_close(&st), 0);
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    cr_assert_eq(st.unclean, 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), v + 1);
    rmtree(dir);
}

Test(seqstore, restart_skips_at_most_one_block)
{
    char *dir = tmpdir();
    char err[256];
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    for (int i = 0; i < 15000; i++)
        seqstore_take(&st, SEQ_EVENT);
    /* crash: the next run starts at the end of the block that 15000 lives in */
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    cr_assert_eq(st.unclean, 1);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 15001 + (SEQSTORE_BLOCK_EVENT - 5000));
    rmtree(dir);
}

Test(seqstore, raise_moves_past_a_floor)
{
    char *dir = tmpdir();
    char err[256];
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    cr_assert_eq(seqstore_raise(&st, SEQ_EVENT, 50000), 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 50000);
    cr_assert_eq(seqstore_raise(&st, SEQ_EVENT, 10), 0); /* never goes back */
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 50001);
    /* crash: the raised number was reserved on disk before it was handed out */
    cr_assert_eq(seqstore_open(&st, dir, "s", err, sizeof err), 0);
    cr_assert_gt(seqstore_take(&st, SEQ_EVENT), 50001);
    rmtree(dir);
}

Test(seqstore, refuses_another_sensor_and_garbage)
{
    char *dir = tmpdir();
    char err[256], path[256];
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, dir, "sensor-a", err, sizeof err), 0);
    seqstore_close(&st);
    cr_assert_eq(seqstore_open(&st, dir, "sensor-b", err, sizeof err), -1);
    cr_assert(strstr(err, "belongs to sensor 'sensor-a'"), "%s", err);

    snprintf(path, sizeof path, "%s/seq", dir);
    FILE *f = fopen(path, "w");
    fputs("tanzhen-sensor-state 1\nsensor sensor-a\nseq x\nbatch 1\nclean 1\n", f);
    fclose(f);
    cr_assert_eq(seqstore_open(&st, dir, "sensor-a", err, sizeof err), -1);
    cr_assert(strstr(err, "not a tanzhen sensor state file"), "%s", err);
    f = fopen(path, "w");
    fputs("tanzhen-sensor-state 1\nsensor sensor-a\n", f);
    fclose(f);
    cr_assert_eq(seqstore_open(&st, dir, "sensor-a", err, sizeof err), -1);
    cr_assert(strstr(err, "truncated"), "%s", err);
    rmtree(dir);
}

Test(seqstore, unusable_directory_is_a_startup_error)
{
    char *dir = tmpdir();
    char err[256], file[256], sub[300];
    snprintf(file, sizeof file, "%s/plain-file", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(sub, sizeof sub, "%s/state", file); /* a directory under a regular file */
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, sub, "s", err, sizeof err), -1);
    cr_assert(strstr(err, "output.state_dir"), "%s", err);
    rmtree(dir);
}

Test(seqstore, run_id_without_state_dir_is_new_each_start)
{
    struct seqstore a, b;
    char err[256];
    cr_assert_eq(seqstore_open(&a, "", "s1", err, sizeof err), 0);
    cr_assert_eq(seqstore_open(&b, NULL, "s1", err, sizeof err), 0);
    cr_assert_neq(a.run, 0);
    cr_assert_neq(b.run, 0);
    cr_assert_neq(a.run, b.run, "two starts without a state dir share run %llx",
                  (unsigned long long)a.run);
    cr_assert_eq(a.run_drawn, 1);
}

Test(seqstore, run_id_persists_in_state_dir)
{
    char *dir = tmpdir();
    struct seqstore st;
    char err[256], path[256];
    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    uint64_t run = st.run;
    cr_assert_neq(run, 0);
    cr_assert_eq(st.run_drawn, 1);
    seqstore_take(&st, SEQ_EVENT);
    cr_assert_eq(seqstore_close(&st), 0);
    /* clean restart: the same run */
    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.run, run);
    cr_assert_eq(st.run_drawn, 0);
    for (int i = 0; i < 12345; i++)
        seqstore_take(&st, SEQ_EVENT);
    /* crash (no close): still the same run, and the block end it reserved is known */
    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.run, run);
    cr_assert_eq(st.unclean, 1);
    cr_assert_eq(st.prev_limit, 20002, "prev_limit %llu", (unsigned long long)st.prev_limit);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 20002);
    seqstore_close(&st);
    /* an emptied state dir draws a new run */
    snprintf(path, sizeof path, "%s/seq", dir);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(seqstore_open(&st, dir, "plant-a", err, sizeof err), 0, "%s", err);
    cr_assert_neq(st.run, run);
    cr_assert_neq(st.run, 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 1);
    seqstore_close(&st);
    rmtree(dir);
}

Test(seqstore, state_file_from_before_run_ids_keeps_run_zero)
{
    char *dir = tmpdir();
    char err[256], path[256], text[512];
    snprintf(path, sizeof path, "%s/seq", dir);
    FILE *f = fopen(path, "w");
    fputs("tanzhen-sensor-state 1\nsensor old\nseq 77\nbatch 5\nclean 1\n", f);
    fclose(f);
    struct seqstore st;
    cr_assert_eq(seqstore_open(&st, dir, "old", err, sizeof err), 0, "%s", err);
    cr_assert_eq(st.run, 0);
    cr_assert_eq(st.run_drawn, 0);
    cr_assert_eq(seqstore_take(&st, SEQ_EVENT), 77);
    seqstore_close(&st);
    read_file(dir, text, sizeof text);
    cr_assert(strstr(text, "\nrun 0000000000000000\n"), "%s", text);
    f = fopen(path, "w");
    fputs("tanzhen-sensor-state 1\nsensor old\nseq 77\nbatch 5\nclean 1\nrun zz\n", f);
    fclose(f);
    cr_assert_eq(seqstore_open(&st, dir, "old", err, sizeof err), -1);
    cr_assert(strstr(err, "run <hex>"), "%s", err);
    rmtree(dir);
}
