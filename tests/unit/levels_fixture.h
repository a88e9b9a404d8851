/*
 * levels_fixture.h -- hand-made CA-side climb levels for the unit tests of the verdict and of the
 * authoritative checks. Include after cmocka.h.
 */
#ifndef CAASCAN_TEST_LEVELS_FIXTURE_H
#define CAASCAN_TEST_LEVELS_FIXTURE_H

#include "caascan/ca_lookup.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/* Try letters: D (CAA data), E (no CAA), N (NXDOMAIN), S (SERVFAIL), B (SERVFAIL, EDE 7), T
 * (timeout); tries alternate between resolvers 0 and 1. */
/* A done level with the given try results; CAA records (presentation lines) for DATA tries. */
static inline struct cs_ca_level *level(const char *name, const char *results, const char *caa1,
                                        const char *caa2)
{
    struct cs_ca_level *lv = calloc(1, sizeof(*lv) + CS_MAX_ATTEMPTS * sizeof(lv->tries[0]));
    lv->name = strdup(name);
    lv->done = true;
    for (const char *p = results; *p; p++) {
        struct cs_ca_try *t = &lv->tries[lv->ntries];
        t->resolver = lv->ntries % 2;
        t->ede = -1;
        t->cd_rcode = -1;
        switch (*p) {
        case 'D':
            t->result = CS_TRY_DATA;
            t->rcode = 0;
            lv->n_data++;
            break;
        case 'E':
            t->result = CS_TRY_EMPTY;
            t->rcode = 0;
            lv->n_empty++;
            break;
        case 'N':
            t->result = CS_TRY_NXDOMAIN;
            t->rcode = 3;
            lv->n_nxdomain++;
            break;
        case 'S':
            t->result = CS_TRY_ERROR;
            t->rcode = 2;
            lv->n_error++;
            break;
        case 'B': /* SERVFAIL with EDE 7 */
            t->result = CS_TRY_ERROR;
            t->rcode = 2;
            t->ede = 7;
            t->ede_text = strdup("sig expired");
            t->dnssec = true;
            lv->n_error++;
            lv->n_dnssec++;
            break;
        case 'T':
            t->result = CS_TRY_TIMEOUT;
            t->rcode = -1;
            lv->n_timeout++;
            break;
        }
        lv->ntries++;
    }
    if (caa1) {
        lv->caa = ldns_rr_list_new();
        const char *lines[2] = {caa1, caa2};
        for (int i = 0; i < 2 && lines[i]; i++) {
            ldns_rr *rr = NULL;
            assert_int_equal(ldns_rr_new_frm_str(&rr, lines[i], 300, NULL, NULL), LDNS_STATUS_OK);
            ldns_rr_list_push_rr(lv->caa, rr);
        }
        lv->caa_owner = strdup(name);
    }
    return lv;
}

static inline void free_levels(struct cs_ca_level **lv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ldns_rr_list_deep_free(lv[i]->caa);
        for (unsigned k = 0; k < lv[i]->ntries; k++)
            free(lv[i]->tries[k].ede_text);
        free(lv[i]->caa_owner);
        free(lv[i]->name);
        free(lv[i]);
    }
}

#endif
