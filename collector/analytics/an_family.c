/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_family.c - the state most detector families keep (an_int.h): their tuned rules,
 * looked up by id once at init in the order of the family's rule table, and for the
 * counting families a table of windowed counters (count.c). One init and one free that
 * every such family uses as its own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "an_int.h"

int an_family_init(an_engine *e, const struct an_rule *rules, int nrules, int counts,
                   void **state, char *err, size_t errlen)
{
    struct an_family *o = calloc(1, sizeof *o);
    if (!o || (counts && !(o->c = an_counts_new()))) {
        free(o);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < nrules && i < AN_FAMILY_RULES; i++)
        o->r[i] = an_rule_get(e, rules[i].id);
    *state = o;
    return 0;
}

void an_family_free(void *state)
{
    struct an_family *o = state;
    if (!o)
        return;
    an_counts_free(o->c);
    free(o);
}
