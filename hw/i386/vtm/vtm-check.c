/*
 * vtm: x-check-walks (vtm-check.h).
 *
 * The caches may keep a translation after the guest changed its tables
 * until the guest invalidates it, as hardware's do; a device that uses
 * such an IOVA is a guest bug.  A translation that differs from the
 * tables while the guest believes it invalidated it, or a device write
 * landing in a page table, is a bug of the unit (or of the guest's
 * invalidation).  The reference unit tells them apart for whoever reads
 * the log with the guest's trace of its invalidations (-d guest_errors,
 * trace events vtm_inv_*).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qobject/qdict.h"
#include "vtm-check.h"
#include "vtm-core.h"

struct VTMChecker {
    VTMCore ref;
    GHashTable *tables;         /* page numbers of tables walks read */
    uint64_t checked;
    uint64_t mismatches;
    uint64_t table_writes;
};

/* The reference unit sets no A/D bit: it only looks. */
static bool vtm_check_cmpxchg64(void *opaque, uint64_t addr,
                                uint64_t expected, uint64_t new,
                                uint64_t *found)
{
    *found = expected;
    return true;
}

void vtm_check_init(VTMState *s)
{
    VTMCoreConfig cfg = s->cfg;
    VTMMemOps mem = s->mem;
    VTMChecker *k = g_new0(VTMChecker, 1);

    vtm_core_uncached_config(&cfg);
    cfg.timing.mode = VTM_TIMING_OFF;
    mem.cmpxchg64 = vtm_check_cmpxchg64;
    vtm_core_init(&k->ref, &cfg, &mem);
    k->tables = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      NULL);
    s->checker = k;
}

static void vtm_check_note_tables(VTMChecker *k, const VTMWalkLog *log)
{
    unsigned i;

    for (i = 0; i < log->nsteps; i++) {
        uint64_t pfn = log->step[i].pte_addr >> VTM_PAGE_SHIFT;

        /* add() would replace the key it holds, so look first */
        if (!g_hash_table_contains(k->tables, &pfn)) {
            g_hash_table_add(k->tables, g_memdup2(&pfn, sizeof(pfn)));
        }
    }
}

static bool vtm_check_same(const VTMResult *a, const VTMResult *b)
{
    if (a->fault.reason != b->fault.reason) {
        return false;
    }
    return a->fault.reason != VTM_FR_NONE ||
           (a->translated == b->translated && a->addr_mask == b->addr_mask &&
            a->perm == b->perm);
}

void vtm_check_translation_locked(VTMState *s, const VTMRequest *req,
                                  const VTMResult *res)
{
    VTMChecker *k = s->checker;
    VTMRequest r = *req;
    VTMResult ref;
    VTMWalkLog log = { 0 };
    uint64_t page;

    k->ref.root_table = s->core.root_table;
    k->ref.ttm = s->core.ttm;
    r.ats = false;
    r.untimed = true;
    vtm_core_translate(&k->ref, &r, &ref, &log);
    k->checked++;
    vtm_check_note_tables(k, &log);
    if (!vtm_check_same(res, &ref)) {
        k->mismatches++;
        qemu_log_mask(LOG_GUEST_ERROR, "vtm-check: sid 0x%04x pasid %u "
                      "iova 0x%" PRIx64 " %s: unit 0x%" PRIx64 "/0x%" PRIx64
                      " perm %u fault 0x%x (iotlb hit %d), tables 0x%"
                      PRIx64 "/0x%" PRIx64 " perm %u fault 0x%x\n",
                      req->sid, res->pasid, req->addr,
                      req->is_write ? "write" : "read", res->translated,
                      res->addr_mask, res->perm, res->fault.reason,
                      res->how.iotlb_hit, ref.translated, ref.addr_mask,
                      ref.perm, ref.fault.reason);
    }
    if (!req->is_write || res->fault.reason != VTM_FR_NONE) {
        return;
    }
    page = (res->translated | (req->addr & res->addr_mask)) >>
           VTM_PAGE_SHIFT;
    if (g_hash_table_contains(k->tables, &page)) {
        k->table_writes++;
        qemu_log_mask(LOG_GUEST_ERROR, "vtm-check: sid 0x%04x iova 0x%"
                      PRIx64 " write to 0x%" PRIx64 ", a page walks read "
                      "as a table (iotlb hit %d)\n", req->sid, req->addr,
                      page << VTM_PAGE_SHIFT, res->how.iotlb_hit);
    }
}

void vtm_check_stats_locked(VTMState *s, QDict *unit)
{
    QDict *d;

    if (!s->checker) {
        return;
    }
    d = qdict_new();
    qdict_put_int(d, "translations", s->checker->checked);
    qdict_put_int(d, "mismatches", s->checker->mismatches);
    qdict_put_int(d, "table-writes", s->checker->table_writes);
    qdict_put(unit, "check", d);
}
