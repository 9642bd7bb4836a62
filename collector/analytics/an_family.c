/* SPDX-License-Identifier: Apache-2.0 */
/*
 * an_family.c - the state most detector families keep (an_int.h): their tuned rules,
 * looked up by id once at init in the order of the family's rule table, and for the
 * counting families a table of windowed counters (count.c). One init and one free that
 * every such family uses as its own; its two steps (an_state_new, an_rules_lookup) serve
 * the families that keep a state of their own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "an_int.h"

void *an_state_new(size_t size, void **state, char *err, size_t errlen)
{
    void *s = calloc(1, size);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *state = s;
    return s;
}

void an_rules_lookup(an_engine *e, const struct an_rule *rules, int nrules,
                     const struct an_rule_rt **r)
{
    for (int i = 0; i < nrules; i++)
        r[i] = an_rule_get(e, rules[i].id);
}

int an_family_init(an_engine *e, const struct an_rule *rules, int nrules, int counts,
                   void **state, char *err, size_t errlen)
{
    struct an_family *o = calloc(1, sizeof *o);
    if (!o || (counts && !(o->c = an_counts_new()))) {
        free(o);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    an_rules_lookup(e, rules, nrules < AN_FAMILY_RULES ? nrules : AN_FAMILY_RULES, o->r);
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
