/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detectors.c - the table of detector families, in the order each event visits them
 * (an_int.h says how to add one: a det_NAME.c file and one line here). The asset family
 * runs first so that the other families find the assets of an event's endpoints.
 */
#include "an_core.h"

extern const struct an_detector an_det_asset;
extern const struct an_detector an_det_ops;
extern const struct an_detector an_det_recon;
extern const struct an_detector an_det_errors;
extern const struct an_detector an_det_opcua;
extern const struct an_detector an_det_zone;
extern const struct an_detector an_det_maint;
extern const struct an_detector an_det_baseline;
extern const struct an_detector an_det_rules;

const struct an_detector *const an_detectors[] = {
    &an_det_asset,
    &an_det_ops,
    &an_det_recon,
    &an_det_errors,
    &an_det_opcua,
    &an_det_zone,
    &an_det_maint,
    &an_det_baseline,
    &an_det_rules,
    NULL,
};
