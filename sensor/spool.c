/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c - unacked batches in memory and in an append-only on-disk spool (spool.h).
 *
 * Files: DIR/<20-digit id>.seg, ids increasing; records are appended to the newest segment
 * only, which is rolled once it would pass max_bytes/8 (4 KiB .. 16 MiB). A record is a
 * 48-byte header and the batch body (JSON lines), integers big-endian:
 *
 *   "TZS1" | body_len u32 | batch_seq u64 | first_seq u64 | count u32 | reserved u32 (0)
 *   | BLAKE2b-128 (libsodium crypto_generichash) of the 32 bytes before it and the body
 *
 * Open reads every segment in order and keeps the records whose checksum holds and whose
 * batch_seq increases; the first record that does not (torn by a crash, or corrupt) ends
 * its segment, which is truncated there. Space is given back by whole segments: a segment
 * whose records are all acked is deleted (the open one is truncated to 0); dropping the
 * oldest data to make room drops the oldest segment with whatever it still holds.
 *
 * Durability: every record is written with pwritev before the batch is sent, so it
 * survives the process being killed (the page cache holds it). The open segment is
 * fdatasync'd when it is rolled, at close, and by spool_sync(), which the publisher calls
 * at most every SPOOL_SYNC_MS; a power cut can lose that last second of records (the torn
 * tail is then cut at the next open and the collector reports the gap). New segment files
 * are made durable with an fsync of the directory.
 *
 * Acks: DIR/acked ("tanzhen-spool-acked N seq S": every batch_seq <= N is acked or
 * dropped, S the highest event seq ever spooled, so it is known after the segments that
 * held it were deleted; files without " seq S" are read too) is
 * rewritten (temp file + rename, no fsync) by spool_sync() and at close when N moved; open
 * skips the records at or below it. It can only lag behind the truth, so after a crash
 * the batches acked since its last write (and those acked out of order) are sent again
 * and the collector answers them as duplicates.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

#define SPOOL_MAGIC "TZS1"
#define SPOOL_SUM_LEN 16
#define SPOOL_SEG_MIN (4u << 10)
#define SPOOL_SEG_MAX (16u << 20)
#define SPOOL_BODY_MAX (64u << 20) /* a record claiming more is corrupt */

struct seg {
    uint64_t id;
    uint64_t bytes; /* valid bytes in the file */
    uint32_t live;  /* records not yet acked or dropped */
};

struct spool {
    char dir[1024];
    int disk;
    uint64_t max_bytes, seg_max;
    uint32_t mem_max;
    struct spool_ent *ents; /* ring of cap (a power of two) entries, n from head */
    size_t cap, head, n;
    struct seg *segs;       /* sorted by id; the last one is open for appending if fd >= 0 */
    size_t nsegs, segcap;
    int fd;
    int dirty;
    uint64_t used;          /* sum of segs[].bytes */
    uint64_t high_batch, high_seq;
    uint64_t next_seg_id;   /* above every segment file ever seen */
    uint64_t acked_mark;    /* from DIR/acked at open: batches at or below are done */
    uint64_t mark_written;  /* the value DIR/acked holds */
    struct spool_stats st;
};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void rec_sum(const uint8_t *hdr, const void *body, uint32_t len,
                    uint8_t out[SPOOL_SUM_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, SPOOL_SUM_LEN);
    crypto_generichash_update(&h, hdr, 32);
    crypto_generichash_update(&h, body, len);
    crypto_generichash_final(&h, out, SPOOL_SUM_LEN);
}

static void rec_header(uint8_t *hdr, uint64_t batch_seq, uint64_t first_seq, uint32_t count,
                       const void *body, uint32_t len)
{
    memcpy(hdr, SPOOL_MAGIC, 4);
    put32(hdr + 4, len);
    put64(hdr + 8, batch_seq);
    put64(hdr + 16, first_seq);
    put32(hdr + 24, count);
    put32(hdr + 28, 0);
    rec_sum(hdr, body, len, hdr + 32);
}

static void seg_path(const struct spool *sp, uint64_t id, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%020" PRIu64 ".seg", sp->dir, id);
}

static struct spool_ent *ent_at(const struct spool *sp, size_t i)
{
    return &sp->ents[(sp->head + i) & (sp->cap - 1)];
}

/* A new entry at the tail (zeroed), or NULL when out of memory. */
static struct spool_ent *ent_push(struct spool *sp)
{
    if (sp->n == sp->cap) {
        size_t ncap = sp->cap ? sp->cap * 2 : 64;
        struct spool_ent *ne = calloc(ncap, sizeof *ne);
        if (!ne)
            return NULL;
        for (size_t i = 0; i < sp->n; i++)
            ne[i] = *ent_at(sp, i);
        free(sp->ents);
        sp->ents = ne;
        sp->cap = ncap;
        sp->head = 0;
    }
    struct spool_ent *e = ent_at(sp, sp->n);
    memset(e, 0, sizeof *e);
    sp->n++;
    return e;
}

static void ent_pop_done(struct spool *sp)
{
    while (sp->n > 0 && ent_at(sp, 0)->done) {
        sp->head = (sp->head + 1) & (sp->cap - 1);
        sp->n--;
    }
}

/* Index of the entry holding batch_seq, or -1 (entries are sorted by batch_seq). */
static long ent_find(const struct spool *sp, uint64_t batch_seq)
{
    size_t lo = 0, hi = sp->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t b = ent_at(sp, mid)->batch_seq;
        if (b == batch_seq)
            return (long)mid;
        if (b < batch_seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long seg_find(const struct spool *sp, uint64_t id)
{
    size_t lo = 0, hi = sp->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->segs[mid].id == id)
            return (long)mid;
        if (sp->segs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int seg_push(struct spool *sp, uint64_t id, uint64_t bytes, uint32_t live)
{
    if (sp->nsegs == sp->segcap) {
        size_t ncap = sp->segcap ? sp->segcap * 2 : 16;
        struct seg *ns = realloc(sp->segs, ncap * sizeof *ns);
        if (!ns)
            return -1;
        sp->segs = ns;
        sp->segcap = ncap;
    }
    sp->segs[sp->nsegs++] = (struct seg){id, bytes, live};
    sp->used += bytes;
    return 0;
}

static int seg_is_open(const struct spool *sp, size_t i)
{
    return sp->fd >= 0 && i + 1 == sp->nsegs;
}

/* Deletes segment i (the open one is emptied instead). */
static void seg_remove(struct spool *sp, size_t i)
{
    struct seg *g = &sp->segs[i];
    sp->used -= g->bytes;
    if (seg_is_open(sp, i)) {
        if (ftruncate(sp->fd, 0) != 0)
            log_warn("spool %s: cannot truncate segment %" PRIu64 ": %s", sp->dir, g->id,
                     strerror(errno));
        g->bytes = 0;
        return;
    }
    char path[1100];
    seg_path(sp, g->id, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        log_warn("spool: cannot delete %s: %s", path, strerror(errno));
    memmove(&sp->segs[i], &sp->segs[i + 1], (sp->nsegs - i - 1) * sizeof *sp->segs);
    sp->nsegs--;
}

static void seg_release(struct spool *sp, uint64_t id)
{
    long i = seg_find(sp, id);
    if (i < 0)
        return;
    if (--sp->segs[i].live == 0)
        seg_remove(sp, (size_t)i);
}

/* Marks e done and gives back what it held (without touching its segment). */
static void ent_finish(struct spool *sp, struct spool_ent *e)
{
    e->done = 1;
    sp->st.batches--;
    sp->st.events -= e->count;
    if (e->mem) {
        free(e->mem);
        e->mem = NULL;
        sp->st.mem_batches--;
    }
}

static void loss_add(struct spool_loss *loss, const struct spool_ent *e)
{
    uint64_t last = e->first_seq + e->count - 1;
    if (loss->batches == 0 || e->first_seq < loss->first_seq)
        loss->first_seq = e->first_seq;
    if (loss->batches == 0 || last > loss->last_seq)
        loss->last_seq = last;
    loss->batches++;
    loss->events += e->count;
}

/* Drops the oldest unacked data: the oldest segment (disk) or the oldest entry (memory).
 * Returns 0, or -1 when there is nothing left to drop. */
static int drop_oldest(struct spool *sp, struct spool_loss *loss)
{
    if (sp->disk) {
        if (sp->nsegs == 0 || sp->used == 0)
            return -1;
        size_t si = 0;
        while (si < sp->nsegs && sp->segs[si].bytes == 0)
            si++;
        if (si == sp->nsegs)
            return -1;
        uint64_t id = sp->segs[si].id;
        for (size_t i = 0; i < sp->n; i++) {
            struct spool_ent *e = ent_at(sp, i);
            if (e->seg > id)
                break;
            if (e->seg == id && !e->done) {
                loss_add(loss, e);
                ent_finish(sp, e);
            }
        }
        sp->segs[si].live = 0;
        seg_remove(sp, si);
        ent_pop_done(sp);
        return 0;
    }
    for (size_t i = 0; i < sp->n; i++) {
        struct spool_ent *e = ent_at(sp, i);
        if (!e->done) {
            loss_add(loss, e);
            ent_finish(sp, e);
            ent_pop_done(sp);
            return 0;
        }
    }
    return -1;
}

static int fsync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int rc = fsync(dfd);
    close(dfd);
    return rc;
}

/* Closes the open segment (synced) and opens a new, empty one. */
static int seg_roll(struct spool *sp)
{
    uint64_t id = sp->next_seg_id++;
    if (sp->fd >= 0) {
        if (sp->dirty && fdatasync(sp->fd) != 0)
            log_warn("spool %s: fdatasync: %s", sp->dir, strerror(errno));
        sp->dirty = 0;
        close(sp->fd);
        sp->fd = -1;
        /* the closed segment may hold nothing live (all acked while it was open) */
        if (sp->nsegs && sp->segs[sp->nsegs - 1].live == 0)
            seg_remove(sp, sp->nsegs - 1);
    }
    char path[1100];
    seg_path(sp, id, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (seg_push(sp, id, 0, 0) != 0) {
        close(fd);
        unlink(path);
        errno = ENOMEM;
        return -1;
    }
    sp->fd = fd;
    if (fsync_dir(sp->dir) != 0)
        log_warn("spool %s: fsync of the directory: %s", sp->dir, strerror(errno));
    return 0;
}

/* Writes one record to the open segment (rolling first when needed); sets *seg, *off. */
static int disk_write(struct spool *sp, const uint8_t *hdr, const void *body, uint32_t len,
                      uint64_t *seg, uint64_t *off)
{
    uint64_t rec = SPOOL_REC_HDR + (uint64_t)len;
    if (sp->fd < 0 || (sp->segs[sp->nsegs - 1].bytes > 0 &&
                       sp->segs[sp->nsegs - 1].bytes + rec > sp->seg_max)) {
        if (seg_roll(sp) != 0)
            return -1;
    }
    struct seg *g = &sp->segs[sp->nsegs - 1];
    uint64_t at = g->bytes, done = 0;
    while (done < rec) {
        struct iovec v[2];
        int cnt = 0;
        if (done < SPOOL_REC_HDR) {
            v[cnt++] = (struct iovec){(void *)(hdr + done), SPOOL_REC_HDR - done};
            v[cnt++] = (struct iovec){(void *)body, len};
        } else {
            v[cnt++] = (struct iovec){(char *)body + (done - SPOOL_REC_HDR), rec - done};
        }
        ssize_t w = pwritev(sp->fd, v, cnt, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            /* cut the partial record so the segment stays parseable */
            if (ftruncate(sp->fd, (off_t)at) != 0)
                log_warn("spool %s: cannot truncate a partial record: %s", sp->dir,
                         strerror(errno));
            errno = e;
            return -1;
        }
        done += (uint64_t)w;
    }
    g->bytes += rec;
    g->live++;
    sp->used += rec;
    sp->dirty = 1;
    *seg = g->id;
    *off = at;
    return 0;
}

int spool_append(struct spool *sp, uint64_t batch_seq, uint64_t first_seq, uint32_t count,
                 const void *body, uint32_t len, int may_drop, struct spool_loss *loss)
{
    if (len > spool_max_body(sp) || count == 0) {
        sp->st.write_errors++;
        return SPOOL_ERR;
    }
    uint64_t rec = SPOOL_REC_HDR + (uint64_t)len;
    if (sp->disk) {
        /* a roll deletes an open segment that holds nothing live: count it as free */
        while (sp->used + rec > sp->max_bytes) {
            if (!may_drop)
                return SPOOL_FULL;
            if (drop_oldest(sp, loss) != 0)
                break;
        }
    } else {
        while (sp->st.mem_batches >= sp->mem_max) {
            if (!may_drop)
                return SPOOL_FULL;
            if (drop_oldest(sp, loss) != 0)
                return SPOOL_ERR;
        }
    }
    uint64_t seg = 0, off = 0;
    if (sp->disk) {
        uint8_t hdr[SPOOL_REC_HDR];
        rec_header(hdr, batch_seq, first_seq, count, body, len);
        if (disk_write(sp, hdr, body, len, &seg, &off) != 0) {
            if (sp->st.write_errors++ % 100 == 0)
                log_err("spool %s: cannot write batch %" PRIu64 ": %s (kept in memory if "
                        "there is room; %" PRIu64 " write errors)",
                        sp->dir, batch_seq, strerror(errno), sp->st.write_errors);
            if (sp->st.mem_batches >= sp->mem_max)
                return SPOOL_ERR;
            seg = 0;
        }
    }
    char *mem = NULL;
    if (!sp->disk || seg == 0 || sp->st.mem_batches < sp->mem_max) {
        mem = malloc(len ? len : 1);
        if (mem)
            memcpy(mem, body, len);
        else if (seg == 0)
            goto fail;
    }
    struct spool_ent *e = ent_push(sp);
    if (!e) {
        free(mem);
        goto fail;
    }
    e->batch_seq = batch_seq;
    e->first_seq = first_seq;
    e->count = count;
    e->len = len;
    e->mem = mem;
    e->seg = seg;
    e->off = off;
    sp->st.batches++;
    sp->st.events += count;
    if (mem)
        sp->st.mem_batches++;
    sp->high_batch = batch_seq;
    sp->high_seq = first_seq + count - 1;
    return SPOOL_OK;
fail:
    if (seg)
        seg_release(sp, seg); /* the record stays in the file but nothing refers to it */
    sp->st.write_errors++;
    return SPOOL_ERR;
}

const struct spool_ent *spool_ack(struct spool *sp, uint64_t batch_seq)
{
    long i = ent_find(sp, batch_seq);
    if (i < 0)
        return NULL;
    struct spool_ent *e = ent_at(sp, (size_t)i);
    if (e->done)
        return NULL;
    ent_finish(sp, e);
    if (e->seg)
        seg_release(sp, e->seg);
    ent_pop_done(sp);
    return e;
}

struct spool_ent *spool_find(struct spool *sp, uint64_t batch_seq)
{
    long i = ent_find(sp, batch_seq);
    if (i < 0 || ent_at(sp, (size_t)i)->done)
        return NULL;
    return ent_at(sp, (size_t)i);
}

struct spool_ent *spool_iter(struct spool *sp, size_t *pos)
{
    while (*pos < sp->n) {
        struct spool_ent *e = ent_at(sp, (*pos)++);
        if (!e->done)
            return e;
    }
    return NULL;
}

static int read_full(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Checks a record header read from disk against its body; 0 when it holds. */
static int rec_check(const uint8_t *hdr, const void *body, uint32_t len)
{
    uint8_t sum[SPOOL_SUM_LEN];
    rec_sum(hdr, body, len, sum);
    return sodium_memcmp(sum, hdr + 32, SPOOL_SUM_LEN) == 0 ? 0 : -1;
}

const char *spool_body(struct spool *sp, const struct spool_ent *e, char *buf, size_t cap)
{
    if (e->mem)
        return e->mem;
    if (!e->seg || e->len > cap)
        return NULL;
    char path[1100];
    seg_path(sp, e->seg, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint8_t hdr[SPOOL_REC_HDR];
    int ok = fd >= 0 && read_full(fd, hdr, sizeof hdr, e->off) == 0 &&
             read_full(fd, buf, e->len, e->off + SPOOL_REC_HDR) == 0;
    if (fd >= 0)
        close(fd);
    if (ok)
        ok = memcmp(hdr, SPOOL_MAGIC, 4) == 0 && get32(hdr + 4) == e->len &&
             get64(hdr + 8) == e->batch_seq && get64(hdr + 16) == e->first_seq &&
             get32(hdr + 24) == e->count && rec_check(hdr, buf, e->len) == 0;
    if (!ok) {
        sp->st.corrupt++;
        log_err("spool: batch %" PRIu64 " in %s at offset %" PRIu64
                " cannot be read back or fails its checksum",
                e->batch_seq, path, e->off);
        return NULL;
    }
    return buf;
}

/* Every batch_seq at or below the mark is acked or dropped. */
static uint64_t ack_mark(const struct spool *sp)
{
    if (sp->n > 0)
        return ent_at(sp, 0)->batch_seq - 1; /* the head is never done (ent_pop_done) */
    return sp->high_batch;
}

static void mark_write(struct spool *sp)
{
    uint64_t mark = ack_mark(sp);
    if (!sp->disk || mark <= sp->mark_written)
        return;
    char path[1100], tmp[1100], text[64];
    snprintf(path, sizeof path, "%s/acked", sp->dir);
    snprintf(tmp, sizeof tmp, "%s/acked.tmp", sp->dir);
    int n = snprintf(text, sizeof text, "tanzhen-spool-acked %" PRIu64 " seq %" PRIu64 "\n",
                     mark, sp->high_seq);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return;
    int ok = write(fd, text, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        sp->mark_written = mark;
}

static uint64_t mark_read(const char *dir, uint64_t *high_seq)
{
    *high_seq = 0;
    char path[1100], text[64] = "";
    snprintf(path, sizeof path, "%s/acked", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(text, sizeof text, f))
        text[0] = '\0';
    fclose(f);
    static const char head[] = "tanzhen-spool-acked ";
    if (strncmp(text, head, sizeof head - 1) != 0)
        return 0; /* unreadable: every record is sent again, which is safe */
    char *end = NULL;
    unsigned long long v = strtoull(text + sizeof head - 1, &end, 10);
    if (end && strncmp(end, " seq ", 5) == 0) {
        char *e2 = NULL;
        unsigned long long hs = strtoull(end + 5, &e2, 10);
        if (!e2 || *e2 != '\n')
            return 0;
        *high_seq = hs;
        return v;
    }
    return end && *end == '\n' ? v : 0;
}

int spool_sync(struct spool *sp)
{
    mark_write(sp);
    if (sp->fd < 0 || !sp->dirty)
        return 0;
    sp->dirty = 0;
    if (fdatasync(sp->fd) != 0) {
        log_warn("spool %s: fdatasync: %s", sp->dir, strerror(errno));
        return -1;
    }
    return 0;
}

void spool_high(const struct spool *sp, uint64_t *batch_seq, uint64_t *seq)
{
    *batch_seq = sp->high_batch;
    *seq = sp->high_seq;
}

void spool_get_stats(const struct spool *sp, struct spool_stats *st)
{
    *st = sp->st;
    st->disk_bytes = sp->used;
    st->segments = sp->nsegs;
}

uint32_t spool_max_body(const struct spool *sp)
{
    if (!sp->disk)
        return UINT32_MAX;
    return (uint32_t)(sp->seg_max - SPOOL_REC_HDR);
}

/* Loads one segment's valid records; cuts the file at the first one that is not. */
static int seg_load(struct spool *sp, uint64_t id, uint8_t **scratch, size_t *scap)
{
    char path[1100];
    seg_path(sp, id, path, sizeof path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        log_err("spool: cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t size = (uint64_t)sb.st_size, off = 0;
    uint32_t live = 0;
    const char *why = NULL;
    while (off < size) {
        uint8_t hdr[SPOOL_REC_HDR];
        if (size - off < SPOOL_REC_HDR || read_full(fd, hdr, sizeof hdr, off) != 0) {
            why = "torn";
            break;
        }
        uint32_t len = get32(hdr + 4);
        uint64_t bseq = get64(hdr + 8), first = get64(hdr + 16);
        uint32_t count = get32(hdr + 24);
        if (memcmp(hdr, SPOOL_MAGIC, 4) != 0 || len > SPOOL_BODY_MAX) {
            why = "corrupt";
            break;
        }
        if (size - off - SPOOL_REC_HDR < len) {
            why = "torn";
            break;
        }
        if (*scap < len) {
            uint8_t *nb = realloc(*scratch, len);
            if (!nb) {
                close(fd);
                return -1;
            }
            *scratch = nb;
            *scap = len;
        }
        if (read_full(fd, *scratch, len, off + SPOOL_REC_HDR) != 0) {
            why = "torn";
            break;
        }
        if (rec_check(hdr, *scratch, len) != 0 || count == 0 || bseq <= sp->high_batch ||
            first == 0 || first <= sp->high_seq) {
            why = "corrupt";
            break;
        }
        off += SPOOL_REC_HDR + len;
        sp->high_batch = bseq;
        sp->high_seq = first + count - 1;
        if (bseq <= sp->acked_mark)
            continue; /* acked before the stop */
        struct spool_ent *e = ent_push(sp);
        if (!e) {
            close(fd);
            return -1;
        }
        e->batch_seq = bseq;
        e->first_seq = first;
        e->count = count;
        e->len = len;
        e->seg = id;
        e->off = off - SPOOL_REC_HDR - len;
        sp->st.batches++;
        sp->st.events += count;
        sp->st.loaded_batches++;
        sp->st.loaded_events += count;
        live++;
    }
    if (why) {
        if (why[0] == 't') {
            sp->st.torn++;
            log_info("spool: %s ends with an incomplete record (a crash while writing): "
                     "%" PRIu64 " bytes cut at offset %" PRIu64,
                     path, size - off, off);
        } else {
            sp->st.corrupt++;
            log_warn("spool: %s: record at offset %" PRIu64 " fails its checks (checksum, "
                     "magic or order); it and the %" PRIu64 " bytes after it are discarded",
                     path, off, size - off);
        }
        if (ftruncate(fd, (off_t)off) != 0)
            log_warn("spool: cannot truncate %s: %s", path, strerror(errno));
    }
    close(fd);
    if (live == 0) {
        unlink(path);
        return 0;
    }
    return seg_push(sp, id, off, live);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment ids in dir, sorted; returns the count or -1. */
static long list_segments(const char *dir, uint64_t **ids)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t n = 0, cap = 0;
    *ids = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (strlen(nm) != 24 || strcmp(nm + 20, ".seg") != 0)
            continue;
        uint64_t id = 0;
        int ok = 1;
        for (int i = 0; i < 20 && ok; i++) {
            ok = nm[i] >= '0' && nm[i] <= '9';
            id = id * 10 + (uint64_t)(nm[i] - '0');
        }
        if (!ok || id == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            uint64_t *ni = realloc(*ids, ncap * sizeof *ni);
            if (!ni) {
                closedir(d);
                free(*ids);
                *ids = NULL;
                return -1;
            }
            *ids = ni;
            cap = ncap;
        }
        (*ids)[n++] = id;
    }
    closedir(d);
    if (n)
        qsort(*ids, n, sizeof **ids, cmp_u64);
    return (long)n;
}

int spool_open(struct spool **out, const struct spool_cfg *cfg, char *err, size_t errlen)
{
    struct spool *sp = calloc(1, sizeof *sp);
    if (!sp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sp->fd = -1;
    sp->mem_max = cfg->mem_batches ? cfg->mem_batches : 1;
    sp->max_bytes = cfg->max_bytes;
    uint64_t seg = cfg->max_bytes / 8;
    sp->seg_max = seg < SPOOL_SEG_MIN ? SPOOL_SEG_MIN : seg > SPOOL_SEG_MAX ? SPOOL_SEG_MAX : seg;
    if (cfg->dir && cfg->dir[0]) {
        if (sodium_init() < 0) {
            snprintf(err, errlen, "libsodium initialisation failed");
            free(sp);
            return -1;
        }
        if (sp->max_bytes < 2 * sp->seg_max) {
            snprintf(err, errlen, "spool bound %" PRIu64 " bytes is below two segments",
                     sp->max_bytes);
            free(sp);
            return -1;
        }
        sp->disk = 1;
        if ((size_t)snprintf(sp->dir, sizeof sp->dir, "%s", cfg->dir) >= sizeof sp->dir) {
            snprintf(err, errlen, "spool directory path too long");
            free(sp);
            return -1;
        }
        if (mkdir(sp->dir, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "spool directory %s: cannot create: %s", sp->dir,
                     strerror(errno));
            free(sp);
            return -1;
        }
        uint64_t *ids = NULL;
        long n = list_segments(sp->dir, &ids);
        if (n < 0) {
            snprintf(err, errlen, "spool directory %s: cannot read: %s", sp->dir,
                     strerror(errno));
            free(sp);
            return -1;
        }
        uint64_t mark_seq = 0;
        sp->acked_mark = sp->mark_written = mark_read(sp->dir, &mark_seq);
        uint8_t *scratch = NULL;
        size_t scap = 0;
        for (long i = 0; i < n; i++) {
            if (seg_load(sp, ids[i], &scratch, &scap) != 0) {
                snprintf(err, errlen, "spool directory %s: cannot load segment %" PRIu64,
                         sp->dir, ids[i]);
                free(scratch);
                free(ids);
                spool_close(sp);
                return -1;
            }
        }
        /* what the acked file remembers of segments deleted since (all acked) */
        if (mark_seq > sp->high_seq)
            sp->high_seq = mark_seq;
        if (sp->acked_mark > sp->high_batch)
            sp->high_batch = sp->acked_mark;
        /* the next segment gets an id above every file seen, even deleted ones */
        sp->next_seg_id = n > 0 ? ids[n - 1] + 1 : 1;
        free(scratch);
        free(ids);
        /* write test: a missing write permission is a start-up error, not a silent loss */
        if (access(sp->dir, W_OK) != 0) {
            snprintf(err, errlen, "spool directory %s is not writable: %s", sp->dir,
                     strerror(errno));
            spool_close(sp);
            return -1;
        }
    }
    *out = sp;
    return 0;
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    mark_write(sp);
    if (sp->fd >= 0) {
        spool_sync(sp);
        close(sp->fd);
        sp->fd = -1;
        if (sp->nsegs && sp->segs[sp->nsegs - 1].bytes == 0) {
            char path[1100];
            seg_path(sp, sp->segs[sp->nsegs - 1].id, path, sizeof path);
            unlink(path);
        }
    }
    for (size_t i = 0; i < sp->n; i++)
        free(ent_at(sp, i)->mem);
    free(sp->ents);
    free(sp->segs);
    free(sp);
}
