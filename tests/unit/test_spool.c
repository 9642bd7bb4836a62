/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool.c - the queue of unacked batches (sensor/spool.c): append, ack in any order,
 * reopen after a clean close and after a crash; a torn last record cut at every length
 * is dropped and the spool goes on; a record whose checksum fails (at open or when read
 * back) is detected; a full spool drops exactly the oldest unacked batches and reports
 * their event count and seq range, or refuses (SPOOL_FULL) when told not to drop.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"

static char *tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/tz_spool.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void rmtree(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A body of `count` JSON lines of about `len` bytes in all, derived from batch_seq. */
static uint32_t body_for(uint64_t batch_seq, uint32_t count, uint32_t len, char *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        int w = snprintf(out + n, 256, "{\"batch\":%llu,\"i\":%u,\"pad\":\"",
                         (unsigned long long)batch_seq, i);
        n += (uint32_t)w;
        uint32_t want = len / count;
        while (n < (i + 1) * want - 3 && n < len) {
            out[n] = (char)('a' + (batch_seq + n) % 26);
            n++;
        }
        out[n++] = '"';
        out[n++] = '}';
        out[n++] = '\n';
    }
    return n;
}

static struct spool *open_ok(const char *dir, uint64_t max_bytes, uint32_t mem)
{
    struct spool *sp = NULL;
    char err[512];
    struct spool_cfg c = {dir, max_bytes, mem};
    cr_assert_eq(spool_open(&sp, &c, err, sizeof err), 0, "%s", err);
    return sp;
}

/* Appends batch b (events first..first+count-1); asserts the outcome. */
static void append(struct spool *sp, uint64_t b, uint64_t first, uint32_t count, uint32_t len,
                   int may_drop, int want, struct spool_loss *loss)
{
    static char body[1 << 16];
    uint32_t n = body_for(b, count, len, body);
    struct spool_loss l0 = {0, 0, 0, 0};
    int rc = spool_append(sp, b, first, count, body, n, may_drop, loss ? loss : &l0);
    cr_assert_eq(rc, want, "append batch %llu: %d, wanted %d", (unsigned long long)b, rc, want);
}

/* The unacked batch_seqs in order, into out; returns how many. */
static size_t pending(struct spool *sp, uint64_t *out, size_t cap)
{
    size_t pos = 0, n = 0;
    struct spool_ent *e;
    while ((e = spool_iter(sp, &pos)) != NULL && n < cap)
        out[n++] = e->batch_seq;
    return n;
}

static void check_bodies(struct spool *sp)
{
    static char buf[1 << 16], want[1 << 16];
    size_t pos = 0;
    struct spool_ent *e;
    while ((e = spool_iter(sp, &pos)) != NULL) {
        const char *b = spool_body(sp, e, buf, sizeof buf);
        cr_assert_not_null(b, "batch %llu unreadable", (unsigned long long)e->batch_seq);
        uint32_t n = body_for(e->batch_seq, e->count, e->len, want);
        cr_assert_eq(n, e->len);
        cr_assert_arr_eq(b, want, n);
    }
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strstr(de->d_name, ".seg") != NULL;
    closedir(d);
    return n;
}

static void seg_file(const char *dir, uint64_t id, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%020llu.seg", dir, (unsigned long long)id);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "%s", path);
    return sb.st_size;
}

Test(spool, memory_only_append_ack_full_drop)
{
    struct spool *sp = open_ok(NULL, 0, 4);
    for (uint64_t b = 1; b <= 4; b++)
        append(sp, b, 1 + (b - 1) * 10, 10, 500, 0, SPOOL_OK, NULL);
    append(sp, 5, 41, 10, 500, 0, SPOOL_FULL, NULL); /* replay: wait */
    uint64_t got[16];
    cr_assert_eq(pending(sp, got, 16), 4);
    /* acks in any order */
    cr_assert_not_null(spool_ack(sp, 3));
    cr_assert_null(spool_ack(sp, 3), "acked twice");
    cr_assert_null(spool_ack(sp, 99));
    cr_assert_eq(pending(sp, got, 16), 3);
    cr_assert_eq(got[0], 1);
    cr_assert_eq(got[1], 2);
    cr_assert_eq(got[2], 4);
    append(sp, 5, 41, 10, 500, 0, SPOOL_OK, NULL);
    /* full again: live capture drops the oldest, exactly one batch of 10 events */
    struct spool_loss loss = {0, 0, 0, 0};
    append(sp, 6, 51, 7, 500, 1, SPOOL_OK, &loss);
    cr_assert_eq(loss.batches, 1);
    cr_assert_eq(loss.events, 10);
    cr_assert_eq(loss.first_seq, 1);
    cr_assert_eq(loss.last_seq, 10);
    cr_assert_eq(pending(sp, got, 16), 4);
    cr_assert_eq(got[0], 2);
    cr_assert_eq(got[3], 6);
    check_bodies(sp);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    cr_assert_eq(st.batches, 4);
    cr_assert_eq(st.events, 10 + 10 + 10 + 7);
    cr_assert_eq(st.disk_bytes, 0);
    spool_close(sp);
}

Test(spool, disk_append_ack_reopen_in_order)
{
    char *dir = tmpdir();
    /* 1 MiB: 128 KiB segments; 40 batches of ~20 KB make several segments */
    struct spool *sp = open_ok(dir, 1 << 20, 8);
    for (uint64_t b = 1; b <= 40; b++)
        append(sp, b, 1 + (b - 1) * 50, 50, 20000, 0, SPOOL_OK, NULL);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    cr_assert_eq(st.batches, 40);
    cr_assert_eq(st.mem_batches, 8, "only the first memory_batches bodies stay in memory");
    cr_assert_gt(st.segments, 4);
    check_bodies(sp); /* 8 from memory, 32 read back from disk */
    /* ack the first 12 out of order: whole segments go away */
    for (uint64_t b = 12; b >= 1; b--)
        cr_assert_not_null(spool_ack(sp, b));
    spool_get_stats(sp, &st);
    uint64_t segs_before = st.segments;
    cr_assert_lt(st.disk_bytes, 28 * (20000 + SPOOL_REC_HDR) + 128 * 1024);
    spool_close(sp);
    cr_assert_eq(count_files(dir), (int)segs_before);

    sp = open_ok(dir, 1 << 20, 8);
    spool_get_stats(sp, &st);
    /* a clean close wrote the ack mark: exactly the 28 unacked batches come back */
    cr_assert_eq(st.loaded_batches, 28);
    cr_assert_eq(st.loaded_events, 28 * 50);
    uint64_t got[64];
    size_t n = pending(sp, got, 64);
    cr_assert_eq(n, st.loaded_batches);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], 40 - n + 1 + i, "in batch order");
    cr_assert_eq(got[n - 1], 40);
    check_bodies(sp);
    uint64_t hb, hs;
    spool_high(sp, &hb, &hs);
    cr_assert_eq(hb, 40);
    cr_assert_eq(hs, 40 * 50);
    /* appending after reopen goes to a new segment; ack everything: nothing left on disk */
    append(sp, 41, 2001, 5, 1000, 0, SPOOL_OK, NULL);
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(spool_ack(sp, got[i]));
    cr_assert_not_null(spool_ack(sp, 41));
    spool_get_stats(sp, &st);
    cr_assert_eq(st.batches, 0);
    cr_assert_eq(st.disk_bytes, 0);
    spool_close(sp);
    cr_assert_eq(count_files(dir), 0);
    sp = open_ok(dir, 1 << 20, 8);
    spool_get_stats(sp, &st);
    cr_assert_eq(st.loaded_batches, 0);
    spool_close(sp);
    rmtree(dir);
}

Test(spool, crash_resends_only_what_the_ack_mark_does_not_cover)
{
    char *dir = tmpdir();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* the child writes, acks, syncs once, acks more and is killed: no close */
        struct spool *sp = open_ok(dir, 1 << 20, 64);
        for (uint64_t b = 1; b <= 10; b++)
            append(sp, b, b * 10, 10, 400, 0, SPOOL_OK, NULL);
        for (uint64_t b = 1; b <= 4; b++)
            cr_assert_not_null(spool_ack(sp, b));
        cr_assert_not_null(spool_ack(sp, 8)); /* out of order: the mark stays at 4 */
        spool_sync(sp);
        cr_assert_not_null(spool_ack(sp, 5)); /* after the last sync: not written down */
        raise(SIGKILL);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
    struct spool *again = open_ok(dir, 1 << 20, 64);
    uint64_t got[16];
    size_t n = pending(again, got, 16);
    cr_assert_eq(n, 6, "5 and 8 are sent again (duplicates), 1-4 are not: got %zu", n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], 5 + i);
    check_bodies(again);
    uint64_t hb, hs;
    spool_high(again, &hb, &hs);
    cr_assert_eq(hb, 10);
    cr_assert_eq(hs, 109);
    spool_close(again);
    rmtree(dir);
}

/* Five batches in one segment; returns the offset where the last record starts. */
static off_t write_five(const char *dir, char *seg, size_t cap)
{
    struct spool *sp = open_ok(dir, 1 << 20, 64);
    for (uint64_t b = 1; b <= 5; b++)
        append(sp, b, b * 100, 3, 150 + (uint32_t)b * 7, 0, SPOOL_OK, NULL);
    spool_close(sp);
    seg_file(dir, 1, seg, cap);
    off_t size = file_size(seg);
    uint32_t last = body_for(5, 3, 150 + 35, (char[1024]){0});
    return size - (off_t)(SPOOL_REC_HDR + last);
}

Test(spool, torn_last_record_at_every_length)
{
    char seg[256];
    char *dir = tmpdir();
    off_t start = write_five(dir, seg, sizeof seg);
    off_t size = file_size(seg);
    cr_assert_gt(size - start, SPOOL_REC_HDR);
    for (off_t cut = start; cut < size; cut++) {
        rmtree(dir);
        cr_assert_eq(mkdir(dir, 0700), 0);
        write_five(dir, seg, sizeof seg);
        cr_assert_eq(truncate(seg, cut), 0);
        struct spool *sp = open_ok(dir, 1 << 20, 64);
        struct spool_stats st;
        spool_get_stats(sp, &st);
        cr_assert_eq(st.loaded_batches, 4, "cut at %lld", (long long)cut);
        cr_assert_eq(st.loaded_events, 12);
        cr_assert_eq(st.torn, cut > start ? 1 : 0, "cut at %lld", (long long)cut);
        cr_assert_eq(st.corrupt, 0);
        cr_assert_eq(file_size(seg), start, "the torn tail is cut off");
        check_bodies(sp);
        /* the spool goes on: batch 5 is sealed again (same numbers) and survives a reopen */
        append(sp, 5, 500, 3, 185, 0, SPOOL_OK, NULL);
        spool_close(sp);
        sp = open_ok(dir, 1 << 20, 64);
        uint64_t got[8];
        cr_assert_eq(pending(sp, got, 8), 5);
        cr_assert_eq(got[4], 5);
        check_bodies(sp);
        spool_close(sp);
    }
    rmtree(dir);
}

Test(spool, checksum_mismatch_detected_at_open)
{
    char seg[256];
    char *dir = tmpdir();
    write_five(dir, seg, sizeof seg);
    /* flip one byte in the body of batch 3: batches 1 and 2 survive */
    struct spool *sp = open_ok(dir, 1 << 20, 0);
    size_t pos = 0;
    struct spool_ent *e;
    uint64_t off3 = 0;
    while ((e = spool_iter(sp, &pos)) != NULL)
        if (e->batch_seq == 3)
            off3 = e->off;
    spool_close(sp);
    int fd = open(seg, O_RDWR);
    cr_assert_geq(fd, 0);
    char c;
    cr_assert_eq(pread(fd, &c, 1, (off_t)off3 + SPOOL_REC_HDR + 10), 1);
    c ^= 0x20;
    cr_assert_eq(pwrite(fd, &c, 1, (off_t)off3 + SPOOL_REC_HDR + 10), 1);
    close(fd);
    sp = open_ok(dir, 1 << 20, 64);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    cr_assert_eq(st.corrupt, 1);
    cr_assert_eq(st.loaded_batches, 2);
    cr_assert_eq(file_size(seg), (off_t)off3);
    check_bodies(sp);
    spool_close(sp);
    rmtree(dir);
}

Test(spool, checksum_mismatch_detected_on_read_back)
{
    char seg[256];
    char *dir = tmpdir();
    write_five(dir, seg, sizeof seg);
    struct spool *sp = open_ok(dir, 1 << 20, 64); /* loaded: bodies are on disk only */
    size_t pos = 0;
    struct spool_ent *e, *e4 = NULL;
    while ((e = spool_iter(sp, &pos)) != NULL)
        if (e->batch_seq == 4)
            e4 = e;
    cr_assert_not_null(e4);
    cr_assert_null(e4->mem);
    int fd = open(seg, O_RDWR);
    char c = 'Z';
    cr_assert_eq(pwrite(fd, &c, 1, (off_t)e4->off + SPOOL_REC_HDR + e4->len - 5), 1);
    close(fd);
    static char buf[4096];
    cr_assert_null(spool_body(sp, e4, buf, sizeof buf));
    struct spool_stats st;
    spool_get_stats(sp, &st);
    cr_assert_eq(st.corrupt, 1);
    /* the header is covered too: a changed count is caught */
    fd = open(seg, O_RDWR);
    uint8_t cnt = 9;
    cr_assert_eq(pwrite(fd, &cnt, 1, (off_t)e4->off + 27), 1);
    close(fd);
    cr_assert_null(spool_body(sp, e4, buf, sizeof buf));
    spool_close(sp);
    rmtree(dir);
}

/* Events per batch in the full-spool test: divisors of 1000 so every body is 1000 bytes. */
static uint32_t count_of(uint64_t b)
{
    static const uint32_t c[5] = {1, 2, 4, 5, 8};
    return c[b % 5];
}

Test(spool, full_disk_drops_exactly_the_oldest)
{
    char *dir = tmpdir();
    /* 32 KiB: 4 KiB segments; 1048-byte records, three per segment */
    const uint64_t max = 32 << 10;
    struct spool *sp = open_ok(dir, max, 4);
    cr_assert_eq(spool_max_body(sp), 4096 - SPOOL_REC_HDR);
    uint64_t seq = 1;
    uint64_t counts[200] = {0}, firsts[200] = {0};
    struct spool_stats st;
    uint64_t b = 1;
    /* fill without dropping until it refuses */
    for (;; b++) {
        uint32_t count = count_of(b);
        static char body[2048];
        uint32_t n = body_for(b, count, 1000, body);
        cr_assert_eq(n, 1000);
        struct spool_loss l = {0, 0, 0, 0};
        int rc = spool_append(sp, b, seq, count, body, n, 0, &l);
        cr_assert_eq(l.batches, 0);
        if (rc == SPOOL_FULL)
            break;
        cr_assert_eq(rc, SPOOL_OK);
        counts[b] = count;
        firsts[b] = seq;
        seq += count;
        spool_get_stats(sp, &st);
        cr_assert_leq(st.disk_bytes, max);
    }
    /* 31 records fit: 10 full segments of 3 and one more (31 * 1048 <= 32768 < 32 * 1048) */
    cr_assert_eq(b, 32);
    /* live: the 32nd drops the oldest segment, batches 1..3, and says exactly so */
    struct spool_loss loss = {0, 0, 0, 0};
    append(sp, 32, seq, count_of(32), 1000, 1, SPOOL_OK, &loss);
    counts[32] = count_of(32);
    firsts[32] = seq;
    seq += counts[32];
    cr_assert_eq(loss.batches, 3);
    cr_assert_eq(loss.events, counts[1] + counts[2] + counts[3]);
    cr_assert_eq(loss.first_seq, firsts[1]);
    cr_assert_eq(loss.last_seq, firsts[3] + counts[3] - 1);
    uint64_t got[64];
    size_t n = pending(sp, got, 64);
    cr_assert_eq(n, 29);
    cr_assert_eq(got[0], 4);
    /* an acked batch in the middle is not counted when its segment is dropped later */
    cr_assert_not_null(spool_ack(sp, 5));
    uint64_t lost_total = loss.events;
    for (uint64_t k = 33; k <= 120; k++) {
        struct spool_loss l = {0, 0, 0, 0};
        uint32_t count = count_of(k);
        append(sp, k, seq, count, 1000, 1, SPOOL_OK, &l);
        counts[k] = count;
        firsts[k] = seq;
        seq += count;
        lost_total += l.events;
        spool_get_stats(sp, &st);
        cr_assert_leq(st.disk_bytes, max);
    }
    /* what is left plus what was lost plus the one ack is everything appended */
    n = pending(sp, got, 64);
    uint64_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += counts[got[i]];
    cr_assert_eq(left + lost_total + counts[5], seq - 1);
    /* the survivors are the newest, contiguous, and their bodies intact */
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], 120 - n + 1 + i);
    check_bodies(sp);
    spool_close(sp);
    rmtree(dir);
}

Test(spool, body_larger_than_a_segment_is_refused)
{
    char *dir = tmpdir();
    struct spool *sp = open_ok(dir, 32 << 10, 4);
    static char body[8192];
    memset(body, 'x', sizeof body);
    struct spool_loss l = {0, 0, 0, 0};
    cr_assert_eq(spool_append(sp, 1, 1, 1, body, sizeof body, 1, &l), SPOOL_ERR);
    spool_close(sp);
    rmtree(dir);
}

Test(spool, out_of_order_record_is_corrupt)
{
    char *dir = tmpdir();
    struct spool *sp = open_ok(dir, 1 << 20, 4);
    append(sp, 10, 100, 2, 300, 0, SPOOL_OK, NULL);
    spool_close(sp);
    /* a second segment whose batch goes backwards (e.g. a state dir copied over) */
    char a[256], b[256];
    seg_file(dir, 1, a, sizeof a);
    seg_file(dir, 2, b, sizeof b);
    sp = open_ok(dir, 1 << 20, 4);
    append(sp, 11, 102, 2, 300, 0, SPOOL_OK, NULL);
    spool_close(sp);
    /* now swap: segment 2 holds batch 10 and segment 3 batch 11 -> rename 1 to 3 */
    char c[256];
    seg_file(dir, 3, c, sizeof c);
    cr_assert_eq(rename(a, c), 0);
    sp = open_ok(dir, 1 << 20, 4);
    struct spool_stats st;
    spool_get_stats(sp, &st);
    cr_assert_eq(st.loaded_batches, 1);
    cr_assert_eq(st.corrupt, 1);
    spool_close(sp);
    rmtree(dir);
}
