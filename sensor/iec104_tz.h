/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iec104_tz.h - the zone IEC 104 CP56Time2a tags are read in (dissect.iec104.time_zone and
 * dissect.iec104.time_zone_by_ca): UTC, a fixed offset (+08:00) or an IANA name
 * (Asia/Shanghai) from the system tz database, whose UTC offsets are tabled at start-up
 * so that converting a tag on the packet path reads only that table (no locks, no TZ).
 */
#ifndef TZ_IEC104_TZ_H
#define TZ_IEC104_TZ_H

#include <stddef.h>
#include <stdint.h>

/* Control path, before the workers start: the default zone and a "ca=zone\n" map. Returns
 * 0, or -1 with a message in err that says what to fix. Calling it again replaces all. */
int iec104_tz_setup(const char *zone, const char *by_ca, char *err, size_t errlen);

/* The UTC time (microseconds since the epoch) of a wall-clock tag read in the zone of
 * common address ca. year is the full year; summer is the CP56 SU bit, used only to pick
 * between the two readings of an hour that repeats when clocks go back. */
int64_t iec104_tz_to_utc(uint16_t ca, unsigned year, unsigned month, unsigned day,
                         unsigned hour, unsigned min, unsigned ms, int summer);

/* The same; *is_utc is set when the zone of ca is UTC (offset 0), so the tag is UTC. */
int64_t iec104_tz_to_utc_z(uint16_t ca, unsigned year, unsigned month, unsigned day,
                           unsigned hour, unsigned min, unsigned ms, int summer, int *is_utc);

/* The UTC calendar fields of us (microseconds since the epoch, >= 0); ms is milliseconds
 * within the minute, as CP56Time2a counts them. No locks (gmtime_r takes glibc's tz lock). */
void iec104_tz_civil(int64_t us, unsigned *year, unsigned *month, unsigned *day,
                     unsigned *hour, unsigned *min, unsigned *ms);

/* The zone name in force for ca ("UTC" when nothing was set up). */
const char *iec104_tz_name(uint16_t ca);

#endif
