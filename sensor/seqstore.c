/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seqstore.c - persisted event and batch sequence numbers (see seqstore.h). The state file
 * is six lines of text so an operator can read it:
 *
 *   tanzhen-sensor-state 1
 *   sensor <id>
 *   seq <n>        every event seq below n may have been used
 *   batch <m>      every batch_seq below m may have been used
 *   clean <0|1>    1: written at a clean stop, n and m are exact
 *   run <hex>      the run id (16 hex digits); absent in files from before run ids (run 0)
 *
 * It is replaced atomically: written to seq.tmp, fsync, rename over seq, fsync of the
 * directory.
 */
#include "seqstore.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SEQSTORE_MAGIC "tanzhen-sensor-state 1"

static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes the file with the given numbers; returns 0 or -1 with errno set. */
static int seqstore_write(struct seqstore *st, uint64_t seq, uint64_t batch, int clean)
{
    char text[256];
    int n = snprintf(text, sizeof text, SEQSTORE_MAGIC "\nsensor %s\nseq %" PRIu64
                     "\nbatch %" PRIu64 "\nclean %d\nrun %016" PRIx64 "\n", st->sensor, seq,
                     batch, clean, st->run);
    if (n < 0 || (size_t)n >= sizeof text) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(st->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(st->tmp);
        errno = e;
        return -1;
    }
    if (close(fd) != 0 || rename(st->tmp, st->path) != 0)
        return -1;
    int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int rc = fsync(dfd);
    close(dfd);
    return rc;
}

static int parse_u64(const char *line, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    if (strncmp(line, key, kl) != 0 || line[kl] != ' ')
        return -1;
    const char *v = line + kl + 1;
    if (*v < '0' || *v > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || (*end != '\0' && *end != '\n'))
        return -1;
    *out = x;
    return 0;
}

static int seqstore_read(struct seqstore *st, FILE *f, char *err, size_t errlen)
{
    char line[5][160];
    for (int i = 0; i < 5; i++) {
        if (!fgets(line[i], sizeof line[i], f)) {
            snprintf(err, errlen, "%s: truncated state file (remove it to start over)",
                     st->path);
            return -1;
        }
        line[i][strcspn(line[i], "\n")] = '\0';
    }
    uint64_t clean = 0;
    if (strcmp(line[0], SEQSTORE_MAGIC) != 0 || strncmp(line[1], "sensor ", 7) != 0 ||
        parse_u64(line[2], "seq", &st->next[SEQ_EVENT]) != 0 ||
        parse_u64(line[3], "batch", &st->next[SEQ_BATCH]) != 0 ||
        parse_u64(line[4], "clean", &clean) != 0 || clean > 1) {
        snprintf(err, errlen, "%s: not a tanzhen sensor state file", st->path);
        return -1;
    }
    if (strcmp(line[1] + 7, st->sensor) != 0) {
        snprintf(err, errlen,
                 "%s belongs to sensor '%s', not '%s': give each sensor id its own "
                 "output.state_dir",
                 st->path, line[1] + 7, st->sensor);
        return -1;
    }
    for (int k = 0; k < 2; k++)
        if (st->next[k] == 0)
            st->next[k] = 1;
    st->unclean = clean == 0;
    st->prev_limit = st->next[SEQ_EVENT];
    /* the sixth line, run, is optional: a file from before run ids keeps run 0 */
    char rl[160];
    st->run = 0;
    if (fgets(rl, sizeof rl, f)) {
        rl[strcspn(rl, "\n")] = '\0';
        char *end = NULL;
        errno = 0;
        unsigned long long r = strncmp(rl, "run ", 4) == 0 ? strtoull(rl + 4, &end, 16) : 0;
        if (strncmp(rl, "run ", 4) != 0 || errno || !end || *end != '\0' || end == rl + 4) {
            snprintf(err, errlen, "%s: line 6 is not 'run <hex>'", st->path);
            return -1;
        }
        st->run = r;
    }
    return 0;
}

uint64_t seqstore_new_run(void)
{
    uint64_t r = 0;
    if (sodium_init() < 0)
        log_err("libsodium did not initialise; the run id comes from its fallback");
    while (r == 0)
        randombytes_buf(&r, sizeof r);
    return r;
}

int seqstore_open(struct seqstore *st, const char *dir, const char *sensor_id, char *err,
                  size_t errlen)
{
    memset(st, 0, sizeof *st);
    st->next[SEQ_EVENT] = st->next[SEQ_BATCH] = 1;
    st->block[SEQ_EVENT] = SEQSTORE_BLOCK_EVENT;
    st->block[SEQ_BATCH] = SEQSTORE_BLOCK_BATCH;
    if (!dir || !dir[0]) {
        st->limit[SEQ_EVENT] = st->limit[SEQ_BATCH] = UINT64_MAX;
        st->run = seqstore_new_run();
        st->run_drawn = 1;
        return 0;
    }
    size_t sl = strlen(sensor_id);
    if (sl == 0 || sl >= sizeof st->sensor || strchr(sensor_id, '\n')) {
        snprintf(err, errlen, "sensor.id: not usable in a state file");
        return -1;
    }
    memcpy(st->sensor, sensor_id, sl + 1);
    if ((size_t)snprintf(st->dir, sizeof st->dir, "%s", dir) >= sizeof st->dir ||
        (size_t)snprintf(st->path, sizeof st->path, "%s/" SEQSTORE_FILE, dir) >=
            sizeof st->path ||
        (size_t)snprintf(st->tmp, sizeof st->tmp, "%s/" SEQSTORE_FILE ".tmp", dir) >=
            sizeof st->tmp) {
        snprintf(err, errlen, "output.state_dir: path too long");
        return -1;
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "output.state_dir %s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    st->persist = 1;
    FILE *f = fopen(st->path, "r");
    if (f) {
        st->found = 1;
        int rc = seqstore_read(st, f, err, errlen);
        fclose(f);
        if (rc != 0)
            return -1;
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot read: %s", st->path, strerror(errno));
        return -1;
    } else {
        st->run = seqstore_new_run(); /* a new or emptied state directory: a new run */
        st->run_drawn = 1;
    }
    /* reserve the first blocks now: proves the directory is writable, and marks the file
     * unclean until seqstore_close() */
    for (int k = 0; k < 2; k++)
        st->limit[k] = st->next[k] + st->block[k];
    if (seqstore_write(st, st->limit[SEQ_EVENT], st->limit[SEQ_BATCH], 0) != 0) {
        snprintf(err, errlen, "output.state_dir %s: cannot write %s: %s", dir, st->path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static void seqstore_reserve(struct seqstore *st, enum seq_kind k)
{
    uint64_t lim[2] = {st->limit[0], st->limit[1]};
    lim[k] = st->next[k] + st->block[k];
    if (seqstore_write(st, lim[0], lim[1], 0) != 0) {
        /* the number is handed out anyway: capture never stops for the state file */
        if (st->write_fail++ % 100 == 0)
            log_err("%s: cannot persist sequence numbers (%s); a crash now could reuse "
                    "numbers (%" PRIu64 " failures)",
                    st->path, strerror(errno), st->write_fail);
    }
    st->limit[k] = lim[k];
}

int seqstore_raise(struct seqstore *st, enum seq_kind k, uint64_t floor)
{
    if (st->next[k] >= floor)
        return 0;
    st->next[k] = floor;
    if (st->persist && st->limit[k] <= floor) {
        seqstore_reserve(st, k);
        return st->write_fail ? -1 : 0;
    }
    return 0;
}

uint64_t seqstore_take(struct seqstore *st, enum seq_kind k)
{
    if (st->persist && st->next[k] >= st->limit[k])
        seqstore_reserve(st, k);
    return st->next[k]++;
}

int seqstore_close(struct seqstore *st)
{
    if (!st->persist)
        return 0;
    if (seqstore_write(st, st->next[SEQ_EVENT], st->next[SEQ_BATCH], 1) != 0) {
        log_err("%s: cannot write the final sequence numbers: %s (the next start skips to "
                "the reserved block)",
                st->path, strerror(errno));
        return -1;
    }
    st->limit[SEQ_EVENT] = st->next[SEQ_EVENT];
    st->limit[SEQ_BATCH] = st->next[SEQ_BATCH];
    return 0;
}
