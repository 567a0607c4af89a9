/*
 * vtm test library, scalable mode (see vtm-enc-sm.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-enc-sm.h"

uint64_t vtmt_sm_root_half(uint64_t ctp)
{
    return FIELD_DP64(FIELD_DP64(0, SM_ROOT_LO, LP, 1), SM_ROOT_LO, LCTP,
                      ctp >> VTM_PAGE_SHIFT);
}

void vtmt_sm_ctx(uint64_t q[4], const VtmtSmCtx *c)
{
    uint64_t q0 = FIELD_DP64(0, SM_CTX_Q0, P, 1);

    q0 = FIELD_DP64(q0, SM_CTX_Q0, FPD, c->fpd);
    q0 = FIELD_DP64(q0, SM_CTX_Q0, DTE, c->dte);
    q0 = FIELD_DP64(q0, SM_CTX_Q0, PASIDE, c->paside);
    q0 = FIELD_DP64(q0, SM_CTX_Q0, PRE, c->pre);
    q0 = FIELD_DP64(q0, SM_CTX_Q0, PDTS, c->pdts);
    q0 = FIELD_DP64(q0, SM_CTX_Q0, PASIDDIRPTR,
                    c->pasid_dir >> VTM_PAGE_SHIFT);
    q[0] = q0;
    q[1] = FIELD_DP64(FIELD_DP64(0, SM_CTX_Q1, RID_PASID, c->rid_pasid),
                      SM_CTX_Q1, RID_PRIV, c->rid_priv);
    q[2] = q[3] = 0;
}

uint64_t vtmt_sm_ctx_entry(const VtmtMem *m, uint64_t root, uint16_t sid,
                           bool create)
{
    unsigned devfn = sid & 0xff;
    uint64_t raddr = root + (sid >> 8) * VTM_ROOT_ENTRY_SIZE;
    /* the lower half serves devfn 0-127, the upper half 128-255 */
    uint64_t half_addr = raddr + (devfn >= VTM_SM_CTX_PER_TABLE ? 8 : 0);
    uint64_t half = vtmt_r64(m, half_addr), ctp;

    if (!FIELD_EX64(half, SM_ROOT_LO, LP)) {
        if (!create) {
            return 0;
        }
        ctp = vtmt_alloc(m);
        if (!ctp || !vtmt_w64(m, half_addr, vtmt_sm_root_half(ctp))) {
            return 0;
        }
    } else {
        ctp = FIELD_EX64(half, SM_ROOT_LO, LCTP) << VTM_PAGE_SHIFT;
    }
    return ctp + (devfn % VTM_SM_CTX_PER_TABLE) * VTM_SM_CTX_ENTRY_SIZE;
}

bool vtmt_sm_set_ctx(const VtmtMem *m, uint64_t root, uint16_t sid,
                     const uint64_t q[4])
{
    uint64_t a = vtmt_sm_ctx_entry(m, root, sid, true);
    unsigned i;

    for (i = 0; a && i < 4; i++) {
        if (!vtmt_w64(m, a + i * 8, q[i])) {
            return false;
        }
    }
    return a != 0;
}

uint64_t vtmt_pasid_dir_entry(uint64_t table, bool fpd)
{
    uint64_t e = FIELD_DP64(0, PASID_DIR, P, 1);

    e = FIELD_DP64(e, PASID_DIR, FPD, fpd);
    return FIELD_DP64(e, PASID_DIR, SMPTBLPTR, table >> VTM_PAGE_SHIFT);
}

void vtmt_pasid_entry(uint64_t q[VTM_PASID_ENTRY_QWORDS],
                      const VtmtPasidEntry *e)
{
    uint64_t q0 = FIELD_DP64(0, PASID_Q0, P, 1), q1 = 0, q2 = 0;

    memset(q, 0, VTM_PASID_ENTRY_SIZE);
    q0 = FIELD_DP64(q0, PASID_Q0, FPD, e->fpd);
    q0 = FIELD_DP64(q0, PASID_Q0, AW, e->aw);
    q0 = FIELD_DP64(q0, PASID_Q0, PGTT, e->pgtt);
    q0 = FIELD_DP64(q0, PASID_Q0, SSADE, e->ssade);
    q0 = FIELD_DP64(q0, PASID_Q0, SSPTPTR, e->ssptptr >> VTM_PAGE_SHIFT);
    q1 = FIELD_DP64(q1, PASID_Q1, DID, e->did);
    q1 = FIELD_DP64(q1, PASID_Q1, PWSNP, e->pwsnp);
    q1 = FIELD_DP64(q1, PASID_Q1, PGSNP, e->pgsnp);
    q2 = FIELD_DP64(q2, PASID_Q2, SRE, e->sre);
    q2 = FIELD_DP64(q2, PASID_Q2, ERE, e->ere);
    q2 = FIELD_DP64(q2, PASID_Q2, FSPM, e->fspm);
    q2 = FIELD_DP64(q2, PASID_Q2, WPE, e->wpe);
    q2 = FIELD_DP64(q2, PASID_Q2, NXE, e->nxe);
    q2 = FIELD_DP64(q2, PASID_Q2, SMEP, e->smep);
    q2 = FIELD_DP64(q2, PASID_Q2, FSPTPTR, e->fsptptr >> VTM_PAGE_SHIFT);
    q[0] = q0;
    q[1] = q1;
    q[2] = q2;
}

uint64_t vtmt_pasid_entry_addr(const VtmtMem *m, uint64_t dir,
                               uint32_t pasid, bool create)
{
    uint64_t de_addr = dir + (pasid >> VTM_PASID_DIR_SHIFT) *
                       VTM_PASID_DIR_SIZE;
    uint64_t de = vtmt_r64(m, de_addr), table;

    if (!FIELD_EX64(de, PASID_DIR, P)) {
        if (!create) {
            return 0;
        }
        table = vtmt_alloc(m);
        if (!table || !vtmt_w64(m, de_addr, vtmt_pasid_dir_entry(table,
                                                                 false))) {
            return 0;
        }
    } else {
        table = FIELD_EX64(de, PASID_DIR, SMPTBLPTR) << VTM_PAGE_SHIFT;
    }
    return table + (pasid % VTM_PASID_PER_TABLE) * VTM_PASID_ENTRY_SIZE;
}

bool vtmt_set_pasid_entry(const VtmtMem *m, uint64_t dir, uint32_t pasid,
                          const uint64_t q[VTM_PASID_ENTRY_QWORDS])
{
    uint64_t a = vtmt_pasid_entry_addr(m, dir, pasid, true);
    unsigned i;

    for (i = 0; a && i < VTM_PASID_ENTRY_QWORDS; i++) {
        if (!vtmt_w64(m, a + i * 8, q[i])) {
            return false;
        }
    }
    return a != 0;
}

uint64_t vtmt_fspte(uint64_t addr, uint64_t flags, bool ps)
{
    return FIELD_DP64(FIELD_DP64(flags, FSPTE, ADDR,
                                 addr >> VTM_PAGE_SHIFT), FSPTE, PS, ps);
}

/* Walks (or builds, with table_flags) the path down to level. */
static uint64_t vtmt_fs_path(const VtmtPt *pt, uint64_t iova,
                             unsigned level, bool create,
                             uint64_t table_flags)
{
    uint64_t table = pt->top;
    unsigned l;

    for (l = pt->levels; l > level; l--) {
        uint64_t a = table + vtmt_pt_index(iova, l) * 8;
        uint64_t e = vtmt_r64(pt->mem, a);

        if (!FIELD_EX64(e, FSPTE, P) || FIELD_EX64(e, FSPTE, PS)) {
            if (!create) {
                return 0;
            }
            table = vtmt_alloc(pt->mem);
            if (!table ||
                !vtmt_w64(pt->mem, a, vtmt_fspte(table, table_flags,
                                                 false))) {
                return 0;
            }
        } else {
            table = FIELD_EX64(e, FSPTE, ADDR) << VTM_PAGE_SHIFT;
        }
    }
    return table + vtmt_pt_index(iova, level) * 8;
}

uint64_t vtmt_fs_map(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                     unsigned level, uint64_t leaf_flags,
                     uint64_t table_flags)
{
    uint64_t a = vtmt_fs_path(pt, iova, level, true, table_flags);

    if (a && !vtmt_w64(pt->mem, a, vtmt_fspte(pa, leaf_flags, level > 1))) {
        return 0;
    }
    return a;
}

uint64_t vtmt_fs_entry(const VtmtPt *pt, uint64_t iova, unsigned level)
{
    return vtmt_fs_path(pt, iova, level, false, 0);
}

/* ---- Nested translation: guest-physical memory ------------------------ */

static bool gpa_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    VtmtGpa *g = opaque;

    return g->host->read(g->host->opaque, addr + g->off, buf, len);
}

static bool gpa_write(void *opaque, uint64_t addr, const void *buf,
                      size_t len)
{
    VtmtGpa *g = opaque;

    return g->host->write(g->host->opaque, addr + g->off, buf, len);
}

static uint64_t gpa_alloc(void *opaque)
{
    VtmtGpa *g = opaque;
    uint64_t gpa = g->next;

    if (!gpa || gpa >= g->limit) {
        return 0;
    }
    g->next += VTM_PAGE_SIZE;
    if (!vtmt_fill(g->host, gpa + g->off, 0, VTM_PAGE_SIZE) ||
        !vtmt_gpa_map(g, gpa, 1, g->ss_flags)) {
        return 0;
    }
    return gpa;
}

void vtmt_gpa_init(VtmtGpa *g, const VtmtMem *host, const VtmtPt *ss,
                   uint64_t off, uint64_t first, uint64_t limit)
{
    memset(g, 0, sizeof(*g));
    g->mem = (VtmtMem) {
        .read = gpa_read, .write = gpa_write, .alloc_page = gpa_alloc,
        .opaque = g,
    };
    g->host = host;
    g->ss = ss;
    g->off = off;
    g->next = first;
    g->limit = limit;
    g->ss_flags = VTMT_RW;
}

uint64_t vtmt_gpa_host(const VtmtGpa *g, uint64_t gpa)
{
    return gpa + g->off;
}

uint64_t vtmt_gpa_map(const VtmtGpa *g, uint64_t gpa, unsigned level,
                      uint64_t flags)
{
    uint64_t base = gpa & ~MAKE_64BIT_MASK(0, vtmt_level_shift(level));

    return vtmt_pt_map(g->ss, base, base + g->off, level, flags);
}

VtmtDesc vtmt_qi_pc(unsigned gran, uint16_t did, uint32_t pasid)
{
    VtmtDesc d = { { 0 } };

    d.qw[0] = FIELD_DP64(d.qw[0], QI_LO, TYPE_LO, VTM_QI_PC);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PC_LO, G, gran);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PC_LO, DID, did);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PC_LO, PASID, pasid);
    return d;
}

VtmtDesc vtmt_qi_piotlb(unsigned gran, uint16_t did, uint32_t pasid,
                        uint64_t addr, unsigned am, bool ih)
{
    VtmtDesc d = { { 0 } };

    d.qw[0] = FIELD_DP64(d.qw[0], QI_LO, TYPE_LO, VTM_QI_PIOTLB);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PIOTLB_LO, G, gran);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PIOTLB_LO, DID, did);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PIOTLB_LO, PASID, pasid);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PIOTLB_HI, AM, am);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PIOTLB_HI, IH, ih);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PIOTLB_HI, ADDR,
                         addr >> VTM_PAGE_SHIFT);
    return d;
}

VtmtDesc vtmt_qi_pdevtlb(uint16_t sid, uint16_t pfsid, uint8_t mip,
                         uint32_t pasid, uint64_t addr, bool size,
                         bool global)
{
    VtmtDesc d = { { 0 } };

    d.qw[0] = FIELD_DP64(d.qw[0], QI_LO, TYPE_LO, VTM_QI_PDEVTLB);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PDEVTLB_LO, MIP, mip);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PDEVTLB_LO, PFSID_LO, pfsid & 0xf);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PDEVTLB_LO, SID, sid);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PDEVTLB_LO, PASID, pasid);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_PDEVTLB_LO, PFSID_HI, pfsid >> 4);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PDEVTLB_HI, G, global);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PDEVTLB_HI, S, size);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_PDEVTLB_HI, ADDR,
                         addr >> VTM_PAGE_SHIFT);
    return d;
}
