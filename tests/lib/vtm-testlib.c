/*
 * vtm test library: VT-d guest structures encoded over an abstract guest
 * memory (see vtm-testlib.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-testlib.h"

/* ---- The memory writer ------------------------------------------------ */

uint64_t vtmt_r64(const VtmtMem *m, uint64_t addr)
{
    uint64_t le = 0;

    if (!m->read(m->opaque, addr, &le, sizeof(le))) {
        return 0;
    }
    return le64_to_cpu(le);
}

bool vtmt_w64(const VtmtMem *m, uint64_t addr, uint64_t val)
{
    uint64_t le = cpu_to_le64(val);

    return m->write(m->opaque, addr, &le, sizeof(le));
}

uint32_t vtmt_r32(const VtmtMem *m, uint64_t addr)
{
    uint32_t le = 0;

    if (!m->read(m->opaque, addr, &le, sizeof(le))) {
        return 0;
    }
    return le32_to_cpu(le);
}

bool vtmt_w32(const VtmtMem *m, uint64_t addr, uint32_t val)
{
    uint32_t le = cpu_to_le32(val);

    return m->write(m->opaque, addr, &le, sizeof(le));
}

bool vtmt_w128(const VtmtMem *m, uint64_t addr, uint64_t lo, uint64_t hi)
{
    uint64_t le[2] = { cpu_to_le64(lo), cpu_to_le64(hi) };

    return m->write(m->opaque, addr, le, sizeof(le));
}

bool vtmt_fill(const VtmtMem *m, uint64_t addr, uint8_t byte, size_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);

    memset(buf, byte, len);
    return m->write(m->opaque, addr, buf, len);
}

uint64_t vtmt_alloc(const VtmtMem *m)
{
    return m->alloc_page(m->opaque);
}

/* ---- Root and context entries ----------------------------------------- */

uint64_t vtmt_root_lo(uint64_t ctp)
{
    uint64_t lo = FIELD_DP64(0, ROOT_LO, P, 1);

    return FIELD_DP64(lo, ROOT_LO, CTP, ctp >> VTM_PAGE_SHIFT);
}

uint64_t vtmt_ctx_lo(uint64_t slpt, unsigned tt, bool fpd)
{
    uint64_t lo = FIELD_DP64(0, CTX_LO, P, 1);

    lo = FIELD_DP64(lo, CTX_LO, FPD, fpd);
    lo = FIELD_DP64(lo, CTX_LO, TT, tt);
    return FIELD_DP64(lo, CTX_LO, SLPTPTR, slpt >> VTM_PAGE_SHIFT);
}

uint64_t vtmt_ctx_hi(unsigned aw, uint16_t did)
{
    uint64_t hi = FIELD_DP64(0, CTX_HI, AW, aw);

    return FIELD_DP64(hi, CTX_HI, DID, did);
}

uint64_t vtmt_ctx_table(const VtmtMem *m, uint64_t root, uint8_t bus,
                        bool create)
{
    uint64_t at = root + bus * VTM_ROOT_ENTRY_SIZE;
    uint64_t lo = vtmt_r64(m, at);
    uint64_t ctp;

    if (FIELD_EX64(lo, ROOT_LO, P)) {
        return FIELD_EX64(lo, ROOT_LO, CTP) << VTM_PAGE_SHIFT;
    }
    if (!create) {
        return 0;
    }
    ctp = vtmt_alloc(m);
    if (ctp) {
        vtmt_w64(m, at, vtmt_root_lo(ctp));
    }
    return ctp;
}

uint64_t vtmt_ctx_entry(const VtmtMem *m, uint64_t root, uint16_t sid)
{
    uint64_t table = vtmt_ctx_table(m, root, sid >> 8, true);

    return table ? table + (sid & 0xff) * VTM_CTX_ENTRY_SIZE : 0;
}

bool vtmt_set_ctx(const VtmtMem *m, uint64_t root, uint16_t sid,
                  uint64_t lo, uint64_t hi)
{
    uint64_t at = vtmt_ctx_entry(m, root, sid);

    return at && vtmt_w128(m, at, lo, hi);
}

/* ---- Second-stage page tables ----------------------------------------- */

uint64_t vtmt_slpte(uint64_t addr, uint64_t flags, bool ps)
{
    uint64_t pte = FIELD_DP64(flags, SLPTE, ADDR, addr >> VTM_PAGE_SHIFT);

    return FIELD_DP64(pte, SLPTE, PS, ps);
}

uint64_t vtmt_leaf(uint64_t pa, unsigned level, uint64_t flags)
{
    return vtmt_slpte(pa, flags, level > 1);
}

uint64_t vtmt_table_entry(uint64_t table)
{
    return vtmt_slpte(table, VTMT_RW, false);
}

uint64_t vtmt_slpte_addr(uint64_t pte)
{
    return FIELD_EX64(pte, SLPTE, ADDR) << VTM_PAGE_SHIFT;
}

uint64_t vtmt_pt_entry(const VtmtPt *pt, uint64_t iova, unsigned level,
                       bool create)
{
    uint64_t table = pt->top;
    unsigned l;

    g_assert(level >= 1 && level <= pt->levels);
    for (l = pt->levels; table && l > level; l--) {
        uint64_t at = table + vtmt_pt_index(iova, l) * 8;
        uint64_t pte = vtmt_r64(pt->mem, at);

        if (!(pte & VTMT_RW) || FIELD_EX64(pte, SLPTE, PS)) {
            uint64_t next = create ? vtmt_alloc(pt->mem) : 0;

            if (!next) {
                return 0;
            }
            pte = vtmt_table_entry(next);
            vtmt_w64(pt->mem, at, pte);
        }
        table = vtmt_slpte_addr(pte);
    }
    return table ? table + vtmt_pt_index(iova, level) * 8 : 0;
}

uint64_t vtmt_pt_map(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                     unsigned level, uint64_t flags)
{
    uint64_t at = vtmt_pt_entry(pt, iova, level, true);

    if (at) {
        vtmt_w64(pt->mem, at, vtmt_leaf(pa, level, flags));
    }
    return at;
}

uint64_t vtmt_pt_unmap(const VtmtPt *pt, uint64_t iova, unsigned level)
{
    uint64_t at = vtmt_pt_entry(pt, iova, level, true);

    if (at) {
        vtmt_w64(pt->mem, at, 0);
    }
    return at;
}

void vtmt_pt_update(const VtmtPt *pt, uint64_t iova, unsigned level,
                    uint64_t clear, uint64_t set)
{
    uint64_t at = vtmt_pt_entry(pt, iova, level, false);

    g_assert(at);
    vtmt_w64(pt->mem, at, (vtmt_r64(pt->mem, at) & ~clear) | set);
}

bool vtmt_pt_map_range(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                       uint64_t size, unsigned shift, uint64_t flags)
{
    unsigned level = vtmt_shift_level(shift);
    uint64_t page = 1ULL << shift, span = page * VTM_PTES_PER_TABLE;
    g_autofree uint64_t *run = g_new(uint64_t, VTM_PTES_PER_TABLE);
    uint64_t done = 0;

    g_assert_cmpuint(vtmt_level_shift(level), ==, shift);
    g_assert_cmphex((iova | pa | size) & (page - 1), ==, 0);
    while (done < size) {
        uint64_t va = iova + done;
        /* the leaves up to the end of va's table, or of the range */
        uint64_t n = MIN((size - done) / page,
                         (span - (va & (span - 1))) / page);
        uint64_t at = vtmt_pt_entry(pt, va, level, true);
        uint64_t i;

        if (!at) {
            return false;
        }
        for (i = 0; i < n; i++) {
            run[i] = cpu_to_le64(flags ? vtmt_leaf(pa + done + i * page,
                                                   level, flags) : 0);
        }
        pt->mem->write(pt->mem->opaque, at, run, n * 8);
        done += n * page;
    }
    return true;
}

/* Writes val into all entries of the table at table, in one write. */
static void pt_fill_table(const VtmtMem *m, uint64_t table, uint64_t val)
{
    g_autofree uint64_t *run = g_new(uint64_t, VTM_PTES_PER_TABLE);
    unsigned i;

    for (i = 0; i < VTM_PTES_PER_TABLE; i++) {
        run[i] = cpu_to_le64(val);
    }
    m->write(m->opaque, table, run, VTM_PAGE_SIZE);
}

bool vtmt_pt_alias(const VtmtPt *pt, uint64_t leaf)
{
    uint64_t table = pt->top;
    unsigned l;

    for (l = pt->levels; l > 1; l--) {
        uint64_t next = vtmt_alloc(pt->mem);

        if (!next) {
            return false;
        }
        pt_fill_table(pt->mem, table, vtmt_table_entry(next));
        table = next;
    }
    pt_fill_table(pt->mem, table, leaf);
    return true;
}

/* ---- Invalidation descriptors ----------------------------------------- */

VtmtDesc vtmt_desc(unsigned type)
{
    VtmtDesc d = { { 0 } };

    d.qw[0] = FIELD_DP64(0, QI_LO, TYPE_LO, type);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_LO, TYPE_HI, type >> 4);
    return d;
}

VtmtDesc vtmt_qi_cc(unsigned gran, uint16_t did, uint16_t sid, uint8_t fm)
{
    VtmtDesc d = vtmt_desc(VTM_QI_CC);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_CC_LO, G, gran);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_CC_LO, DID, did);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_CC_LO, SID, sid);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_CC_LO, FM, fm);
    return d;
}

VtmtDesc vtmt_qi_iotlb(unsigned gran, uint16_t did, uint64_t addr,
                       unsigned am, bool ih)
{
    VtmtDesc d = vtmt_desc(VTM_QI_IOTLB);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_IOTLB_LO, G, gran);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_IOTLB_LO, DID, did);
    d.qw[1] = FIELD_DP64(0, QI_IOTLB_HI, ADDR, addr >> VTM_PAGE_SHIFT);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_IOTLB_HI, AM, am);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_IOTLB_HI, IH, ih);
    return d;
}

VtmtDesc vtmt_qi_devtlb(uint16_t sid, uint16_t pfsid, uint8_t mip,
                        uint64_t addr, bool size)
{
    VtmtDesc d = vtmt_desc(VTM_QI_DEVTLB);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_DEVTLB_LO, SID, sid);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_DEVTLB_LO, PFSID_LO, pfsid & 0xf);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_DEVTLB_LO, PFSID_HI, pfsid >> 4);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_DEVTLB_LO, MIP, mip);
    d.qw[1] = FIELD_DP64(0, QI_DEVTLB_HI, ADDR, addr >> VTM_PAGE_SHIFT);
    d.qw[1] = FIELD_DP64(d.qw[1], QI_DEVTLB_HI, S, size);
    return d;
}

VtmtDesc vtmt_qi_iec(bool global, uint16_t index, uint8_t im)
{
    VtmtDesc d = vtmt_desc(VTM_QI_IEC);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_IEC_LO, G,
                         global ? VTM_QI_IEC_GLOBAL : VTM_QI_IEC_INDEX);
    if (!global) {
        d.qw[0] = FIELD_DP64(d.qw[0], QI_IEC_LO, IIDX, index);
        d.qw[0] = FIELD_DP64(d.qw[0], QI_IEC_LO, IM, im);
    }
    return d;
}

VtmtDesc vtmt_qi_wait(bool sw, bool intr, bool fn, uint32_t data,
                      uint64_t saddr)
{
    VtmtDesc d = vtmt_desc(VTM_QI_WAIT);

    d.qw[0] = FIELD_DP64(d.qw[0], QI_WAIT_LO, SW, sw);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_WAIT_LO, IF, intr);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_WAIT_LO, FN, fn);
    d.qw[0] = FIELD_DP64(d.qw[0], QI_WAIT_LO, SDATA, data);
    d.qw[1] = FIELD_DP64(0, QI_WAIT_HI, SADDR, saddr >> 2);
    return d;
}

void vtmt_queue_init(VtmtQueue *q, const VtmtMem *m, uint64_t base,
                     unsigned qs)
{
    q->mem = m;
    q->base = base;
    q->size = VTM_PAGE_SIZE << qs;
    q->desc_size = 16;
    q->tail = 0;
    vtmt_fill(m, base, 0, q->size);
}

uint64_t vtmt_queue_iqa(const VtmtQueue *q)
{
    uint64_t iqa = FIELD_DP64(0, IQA, IQA, q->base >> VTM_PAGE_SHIFT);

    iqa = FIELD_DP64(iqa, IQA, QS, ctz32(q->size >> VTM_PAGE_SHIFT));
    return FIELD_DP64(iqa, IQA, DW, q->desc_size == 32);
}

/* The descriptor's bytes as they sit in memory. */
static void desc_le(uint64_t *out, const VtmtDesc *d, unsigned nqw)
{
    unsigned i;

    for (i = 0; i < nqw; i++) {
        out[i] = cpu_to_le64(d->qw[i]);
    }
}

uint32_t vtmt_queue_put(VtmtQueue *q, const VtmtDesc *d)
{
    uint64_t le[4];
    uint32_t at;

    if (q->tail >= q->size) {
        q->tail = 0;
    }
    at = q->tail;
    desc_le(le, d, q->desc_size / 8);
    q->mem->write(q->mem->opaque, q->base + at, le, q->desc_size);
    q->tail += q->desc_size;
    return at;
}

void vtmt_queue_put_many(VtmtQueue *q, const VtmtDesc *d, unsigned n)
{
    unsigned nqw = q->desc_size / 8, first, i;
    g_autofree uint64_t *buf = g_new(uint64_t, (size_t)n * nqw);

    g_assert_cmpuint((uint64_t)n * q->desc_size, <=, q->size);
    for (i = 0; i < n; i++) {
        desc_le(&buf[i * nqw], &d[i], nqw);
    }
    q->tail %= q->size;
    first = MIN(n, (q->size - q->tail) / q->desc_size);
    q->mem->write(q->mem->opaque, q->base + q->tail, buf,
                  first * q->desc_size);
    if (first < n) {
        q->mem->write(q->mem->opaque, q->base, &buf[first * nqw],
                      (n - first) * q->desc_size);
    }
    q->tail = (q->tail + n * q->desc_size) % q->size;
}

uint64_t vtmt_queue_iqt(const VtmtQueue *q)
{
    return FIELD_DP64(0, IQT, QT, (q->tail % q->size) >> 4);
}

/* ---- Register-based invalidation values ------------------------------- */

uint64_t vtmt_reg_ccmd(unsigned cirg, uint16_t did, uint16_t sid,
                       uint8_t fm)
{
    uint64_t v = FIELD_DP64(0, CCMD, ICC, 1);

    v = FIELD_DP64(v, CCMD, CIRG, cirg);
    v = FIELD_DP64(v, CCMD, DID, did);
    v = FIELD_DP64(v, CCMD, SID, sid);
    return FIELD_DP64(v, CCMD, FM, fm);
}

uint64_t vtmt_reg_iotlb(unsigned iirg, uint16_t did, bool dr, bool dw)
{
    uint64_t v = FIELD_DP64(0, IOTLB, IVT, 1);

    v = FIELD_DP64(v, IOTLB, IIRG, iirg);
    v = FIELD_DP64(v, IOTLB, DID, did);
    v = FIELD_DP64(v, IOTLB, DR, dr);
    return FIELD_DP64(v, IOTLB, DW, dw);
}

uint64_t vtmt_reg_iva(uint64_t addr, unsigned am, bool ih)
{
    uint64_t v = FIELD_DP64(0, IVA, ADDR, addr >> VTM_PAGE_SHIFT);

    v = FIELD_DP64(v, IVA, AM, am);
    return FIELD_DP64(v, IVA, IH, ih);
}

/* ---- Interrupt remapping ---------------------------------------------- */

void vtmt_irte(uint64_t raw[2], const VtmtIrte *e, bool eime)
{
    uint64_t lo = 0, hi = 0;

    lo = FIELD_DP64(lo, IRTE_LO, P, 1);
    lo = FIELD_DP64(lo, IRTE_LO, FPD, e->fpd);
    lo = FIELD_DP64(lo, IRTE_LO, DM, e->dm);
    lo = FIELD_DP64(lo, IRTE_LO, RH, e->rh);
    lo = FIELD_DP64(lo, IRTE_LO, TM, e->tm);
    lo = FIELD_DP64(lo, IRTE_LO, DLM, e->dlm);
    lo = FIELD_DP64(lo, IRTE_LO, V, e->vector);
    if (eime) {
        lo = FIELD_DP64(lo, IRTE_LO, DST, e->dest);
    } else {
        lo = FIELD_DP64(lo, IRTE_LO, DST_XAPIC, e->dest);
    }
    hi = FIELD_DP64(hi, IRTE_HI, SID, e->sid);
    hi = FIELD_DP64(hi, IRTE_HI, SQ, e->sq);
    hi = FIELD_DP64(hi, IRTE_HI, SVT, e->svt);
    raw[0] = lo;
    raw[1] = hi;
}

void vtmt_irte_posted(uint64_t raw[2], uint8_t vv, bool urgent,
                      uint64_t pda, bool fpd)
{
    uint64_t lo = 0, hi = 0;

    lo = FIELD_DP64(lo, IRTE_LO, P, 1);
    lo = FIELD_DP64(lo, IRTE_LO, FPD, fpd);
    lo = FIELD_DP64(lo, IRTE_LO, IM, 1);
    lo = FIELD_DP64(lo, IRTE_LO, URG, urgent);
    lo = FIELD_DP64(lo, IRTE_LO, V, vv);
    /* the descriptor's address bits 31:6 and 63:32 */
    lo = FIELD_DP64(lo, IRTE_LO, PDA_L, pda >> 6);
    hi = FIELD_DP64(hi, IRTE_HI, PDA_H, pda >> 32);
    raw[0] = lo;
    raw[1] = hi;
}

bool vtmt_irte_put(const VtmtMem *m, uint64_t irt, uint32_t index,
                   const uint64_t raw[2])
{
    return vtmt_w128(m, irt + (uint64_t)index * VTM_IRTE_SIZE, raw[0],
                     raw[1]);
}

uint64_t vtmt_irta(uint64_t irt, unsigned s, bool eime)
{
    uint64_t irta = FIELD_DP64(0, IRTA, IRTA, irt >> VTM_PAGE_SHIFT);

    irta = FIELD_DP64(irta, IRTA, S, s);
    return FIELD_DP64(irta, IRTA, EIME, eime);
}

uint64_t vtmt_msi_remap_addr(uint32_t index, bool shv)
{
    uint64_t a = 0;

    a = FIELD_DP64(a, MSI_ADDR, HEAD, VTM_MSI_ADDR_HEAD);
    a = FIELD_DP64(a, MSI_ADDR, IF, VTM_MSI_FORMAT_REMAP);
    /* index bits 14:0, then bit 15 */
    a = FIELD_DP64(a, MSI_RADDR, INDEX_LO, index);
    a = FIELD_DP64(a, MSI_RADDR, INDEX_HI,
                   index >> R_MSI_RADDR_INDEX_LO_LENGTH);
    return FIELD_DP64(a, MSI_RADDR, SHV, shv);
}

/* ---- Fake guest memory ------------------------------------------------ */

static uint8_t *fake_page(VtmtFake *f, uint64_t addr, bool create)
{
    uint64_t pfn = addr >> VTM_PAGE_SHIFT;
    uint8_t *page;

    if (f->last_page && f->last_pfn == pfn) {
        return f->last_page;
    }
    page = g_hash_table_lookup(f->pages, GSIZE_TO_POINTER(pfn));
    if (!page && create) {
        page = g_malloc0(VTM_PAGE_SIZE);
        g_hash_table_insert(f->pages, GSIZE_TO_POINTER(pfn), page);
    }
    if (page) {
        f->last_pfn = pfn;
        f->last_page = page;
    }
    return page;
}

/* Copies between buf and memory, page by page; absent pages read 0. */
static void fake_copy(VtmtFake *f, uint64_t addr, void *buf, size_t len,
                      bool to_mem)
{
    size_t done, chunk;

    for (done = 0; done < len; done += chunk) {
        uint64_t a = addr + done;
        uint64_t off = a & (VTM_PAGE_SIZE - 1);
        uint8_t *page = fake_page(f, a, to_mem);

        chunk = MIN(len - done, VTM_PAGE_SIZE - off);
        if (to_mem) {
            memcpy(page + off, (uint8_t *)buf + done, chunk);
        } else if (page) {
            memcpy((uint8_t *)buf + done, page + off, chunk);
        } else {
            memset((uint8_t *)buf + done, 0, chunk);
        }
    }
}

/* Whether the core may access [addr, addr + len). */
static bool fake_ok(VtmtFake *f, uint64_t addr, size_t len)
{
    uint64_t q;

    if (f->size && (addr >= f->size || len > f->size - addr)) {
        return false;
    }
    if (!g_hash_table_size(f->fail)) {
        return true;
    }
    for (q = addr & ~7ULL; q < addr + len; q += 8) {
        if (g_hash_table_contains(f->fail, GSIZE_TO_POINTER(q))) {
            return false;
        }
    }
    return true;
}

bool vtmt_fake_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    VtmtFake *f = opaque;

    f->reads++;
    if (f->reads_within_page) {
        g_assert_cmpuint((addr & (VTM_PAGE_SIZE - 1)) + len, <=,
                         VTM_PAGE_SIZE);
    }
    if (!fake_ok(f, addr, len)) {
        return false;
    }
    fake_copy(f, addr, buf, len, false);
    return true;
}

bool vtmt_fake_write(void *opaque, uint64_t addr, const void *buf,
                     size_t len)
{
    VtmtFake *f = opaque;

    f->writes++;
    if (!fake_ok(f, addr, len)) {
        return false;
    }
    fake_copy(f, addr, (void *)buf, len, true);
    return true;
}

bool vtmt_fake_cmpxchg64(void *opaque, uint64_t addr, uint64_t expected,
                         uint64_t new, uint64_t *found)
{
    VtmtFake *f = opaque;

    f->cas_calls++;
    if (!fake_ok(f, addr, 8) || (addr & 7)) {
        return false;
    }
    if (f->races && addr == f->race_addr) {
        f->races--;
        vtmt_w64(&f->mem, addr, vtmt_r64(&f->mem, addr) ^ f->race_bits);
    }
    *found = vtmt_r64(&f->mem, addr);
    if (*found == expected) {
        vtmt_w64(&f->mem, addr, new);
    }
    return true;
}

/* The encoders' side: neither counted nor failed. */
static bool fake_mem_read(void *opaque, uint64_t addr, void *buf,
                          size_t len)
{
    fake_copy(opaque, addr, buf, len, false);
    return true;
}

static bool fake_mem_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
    fake_copy(opaque, addr, (void *)buf, len, true);
    return true;
}

static uint64_t fake_alloc(void *opaque)
{
    VtmtFake *f = opaque;
    uint64_t a = f->next_free;

    if (f->alloc_limit && a + VTM_PAGE_SIZE > f->alloc_limit) {
        return 0;
    }
    f->next_free += VTM_PAGE_SIZE;
    /* zeroed even where a test wrote before the page was handed out */
    memset(fake_page(f, a, true), 0, VTM_PAGE_SIZE);
    return a;
}

void vtmt_fake_init(VtmtFake *f, uint64_t table_base)
{
    memset(f, 0, sizeof(*f));
    f->pages = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                     g_free);
    f->fail = g_hash_table_new(g_direct_hash, g_direct_equal);
    f->next_free = table_base;
    f->mem = (VtmtMem) {
        .read = fake_mem_read, .write = fake_mem_write,
        .alloc_page = fake_alloc, .opaque = f,
    };
}

void vtmt_fake_destroy(VtmtFake *f)
{
    g_hash_table_destroy(f->pages);
    g_hash_table_destroy(f->fail);
    f->last_page = NULL;
}

void vtmt_fake_fail(VtmtFake *f, uint64_t addr, uint64_t len)
{
    uint64_t q;

    for (q = addr & ~7ULL; q < addr + len; q += 8) {
        g_hash_table_add(f->fail, GSIZE_TO_POINTER(q));
    }
}
