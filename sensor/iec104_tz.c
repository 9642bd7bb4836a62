/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104_tz.c - IEC 104 time zones (iec104_tz.h). An IANA zone is read through the C
 * library from the system tz database (Debian tzdata, /usr/share/zoneinfo): at set-up,
 * with TZ pointed at the zone, localtime_r() gives the UTC offset at any instant, and the
 * instants where it changes (2000..2100, CP56Time2a's years) are found by sampling a week
 * apart and bisecting to the second. A fixed offset is one entry. The tables are written
 * once before the workers start and only read after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "iec104_tz.h"
#include "kv_lines.h"

#define TZ_MAX_ZONES 16
#define TZ_MAX_TRANS 512
#define TZ_MAX_CA 64
#define TZ_NAME_MAX 64

struct tz_zone {
    char name[TZ_NAME_MAX];
    int n;                        /* transitions; at[0] is the start of time */
    int64_t at[TZ_MAX_TRANS];     /* UTC seconds from which off[i] applies */
    int32_t off[TZ_MAX_TRANS];    /* seconds east of UTC */
};

static struct tz_zone zones[TZ_MAX_ZONES];
static int n_zones;
static int default_zone = -1;
static struct {
    uint16_t ca;
    int zone;
} by_ca[TZ_MAX_CA];
static int n_by_ca;

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* y-m-d of day z since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void iec104_tz_civil(int64_t us, unsigned *year, unsigned *month, unsigned *day,
                     unsigned *hour, unsigned *min, unsigned *ms)
{
    int64_t s = us / 1000000, days = s / 86400, rem = s % 86400, y;
    civil_from_days(days, &y, month, day);
    *year = (unsigned)y;
    *hour = (unsigned)(rem / 3600);
    *min = (unsigned)(rem % 3600 / 60);
    *ms = (unsigned)(rem % 60) * 1000u + (unsigned)(us / 1000 % 1000);
}

/* "+08:00", "-0530", "+8", "UTC+08:00": seconds east of UTC, or -1 when not an offset. */
static int parse_offset(const char *s, int32_t *out)
{
    if (strncmp(s, "UTC", 3) == 0 || strncmp(s, "GMT", 3) == 0)
        s += 3;
    if (*s == '\0' || strcmp(s, "Z") == 0) {
        *out = 0;
        return 0;
    }
    if (*s != '+' && *s != '-')
        return -1;
    int sign = *s++ == '-' ? -1 : 1;
    unsigned h = 0, m = 0, digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 2) {
        h = h * 10 + (unsigned)(*s++ - '0');
        digits++;
    }
    if (digits == 0)
        return -1;
    if (*s == ':')
        s++;
    if (*s) {
        if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') || s[2])
            return -1;
        m = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    }
    if (h > 14 || m > 59)
        return -1;
    *out = sign * (int32_t)(h * 3600 + m * 60);
    return 0;
}

static int32_t offset_at(time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return (int32_t)tm.tm_gmtoff;
}

/* Tables an IANA zone with the C library (TZ set to it for the duration). */
static int table_iana(struct tz_zone *z, const char *name, char *err, size_t errlen)
{
    char path[320];
    struct stat sb;
    if (strstr(name, "..") || name[0] == '/' ||
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name) >= (int)sizeof path ||
        stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "time zone '%s' is neither UTC, an offset like +08:00 nor a "
                 "name in the tz database (/usr/share/zoneinfo, Debian package tzdata)", name);
        return -1;
    }
    const char *old = getenv("TZ");
    char saved[256] = "";
    int had = old != NULL;
    if (had)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("TZ", name, 1);
    tzset();
    time_t start = (time_t)(days_from_civil(1999, 12, 1) * 86400);
    time_t end = (time_t)(days_from_civil(2101, 1, 1) * 86400);
    z->n = 1;
    z->at[0] = INT64_MIN;
    z->off[0] = offset_at(start);
    int32_t cur = z->off[0];
    for (time_t t = start; t < end && z->n < TZ_MAX_TRANS; t += 7 * 86400) {
        time_t next = t + 7 * 86400;
        int32_t o = offset_at(next);
        if (o == cur)
            continue;
        time_t lo = t, hi = next; /* offset_at(lo) == cur, offset_at(hi) != cur */
        while (hi - lo > 1) {
            time_t mid = lo + (hi - lo) / 2;
            if (offset_at(mid) == cur)
                lo = mid;
            else
                hi = mid;
        }
        z->at[z->n] = (int64_t)hi;
        z->off[z->n] = offset_at(hi);
        cur = z->off[z->n];
        z->n++;
    }
    if (had)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    return 0;
}

static int zone_find_or_add(const char *spec, char *err, size_t errlen)
{
    for (int i = 0; i < n_zones; i++)
        if (strcmp(zones[i].name, spec) == 0)
            return i;
    if (n_zones >= TZ_MAX_ZONES || strlen(spec) >= TZ_NAME_MAX || spec[0] == '\0') {
        snprintf(err, errlen, "time zone '%s': empty, too long or more than %d zones", spec,
                 TZ_MAX_ZONES);
        return -1;
    }
    struct tz_zone *z = &zones[n_zones];
    memset(z, 0, sizeof *z);
    snprintf(z->name, sizeof z->name, "%s", spec);
    int32_t off;
    if (parse_offset(spec, &off) == 0) {
        z->n = 1;
        z->at[0] = INT64_MIN;
        z->off[0] = off;
    } else if (table_iana(z, spec, err, errlen) < 0) {
        return -1;
    }
    return n_zones++;
}

int iec104_tz_setup(const char *zone, const char *map, char *err, size_t errlen)
{
    n_zones = 0;
    n_by_ca = 0;
    default_zone = zone_find_or_add(zone && *zone ? zone : "UTC", err, errlen);
    if (default_zone < 0)
        return -1;
    const char *line = map ? map : "";
    char buf[160], *value;
    int got;
    while ((got = kv_line_next(&line, buf, sizeof buf, &value)) != 0) {
        if (got < 0) {
            snprintf(err, errlen, "dissect.iec104.time_zone_by_ca: entry too long");
            return -1;
        }
        char *end = NULL;
        long ca = strtol(buf, &end, 10);
        if (end == buf || *end || ca < 0 || ca > 65535) {
            snprintf(err, errlen, "dissect.iec104.time_zone_by_ca: '%s' is not a common "
                     "address 0..65535", buf);
            return -1;
        }
        if (n_by_ca >= TZ_MAX_CA) {
            snprintf(err, errlen, "dissect.iec104.time_zone_by_ca: more than %d entries",
                     TZ_MAX_CA);
            return -1;
        }
        int z = zone_find_or_add(value, err, errlen);
        if (z < 0)
            return -1;
        by_ca[n_by_ca].ca = (uint16_t)ca;
        by_ca[n_by_ca].zone = z;
        n_by_ca++;
    }
    return 0;
}

static const struct tz_zone *zone_of(uint16_t ca)
{
    for (int i = 0; i < n_by_ca; i++)
        if (by_ca[i].ca == ca)
            return &zones[by_ca[i].zone];
    return default_zone >= 0 ? &zones[default_zone] : NULL;
}

const char *iec104_tz_name(uint16_t ca)
{
    const struct tz_zone *z = zone_of(ca);
    return z ? z->name : "UTC";
}

static int32_t zone_offset(const struct tz_zone *z, int64_t utc_s)
{
    int lo = 0, hi = z->n - 1;
    while (lo < hi) { /* the last transition at or before utc_s */
        int mid = (lo + hi + 1) / 2;
        if (z->at[mid] <= utc_s)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->off[lo];
}

int64_t iec104_tz_to_utc(uint16_t ca, unsigned year, unsigned month, unsigned day,
                         unsigned hour, unsigned min, unsigned ms, int summer)
{
    int is_utc;
    return iec104_tz_to_utc_z(ca, year, month, day, hour, min, ms, summer, &is_utc);
}

int64_t iec104_tz_to_utc_z(uint16_t ca, unsigned year, unsigned month, unsigned day,
                           unsigned hour, unsigned min, unsigned ms, int summer, int *is_utc)
{
    const struct tz_zone *z = zone_of(ca);
    *is_utc = !z || (z->n == 1 && z->off[0] == 0);
    int64_t local = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60;
    int64_t utc = local;
    if (z && z->n == 1) { /* UTC or a fixed offset */
        utc = local - z->off[0];
    } else if (z) {
        /* the two readings: before and after a change near this wall time */
        int32_t o1 = zone_offset(z, local - 86400), o2 = zone_offset(z, local + 86400);
        int64_t u1 = local - o1, u2 = local - o2;
        int ok1 = zone_offset(z, u1) == o1, ok2 = zone_offset(z, u2) == o2;
        if (ok1 && ok2 && u1 != u2) /* an hour that repeats: SU names the summer reading */
            utc = (summer ? (o1 > o2 ? u1 : u2) : (o1 > o2 ? u2 : u1));
        else if (ok1)
            utc = u1;
        else if (ok2)
            utc = u2;
        else /* a skipped hour: read with the offset before the change */
            utc = u1;
    }
    return utc * 1000000 + (int64_t)ms * 1000;
}
