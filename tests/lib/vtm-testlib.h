/*
 * vtm test library: VT-d guest structures encoded over an abstract guest
 * memory, shared by the unit tests (tests/unit), the qtests (tests/qtest)
 * and vtm-sim (tools).
 *
 * Every layout comes from hw/i386/vtm/vtm-defs.h (REG64/FIELD); nothing
 * here copies a constant.  The library knows nothing of libqtest or of
 * vtm's core: a user hands it a VtmtMem (three callbacks) and gets
 *   - root and context entries (legacy mode, 9.1 and 9.3),
 *   - second-stage page tables of 3 to 5 levels with leaves of any page
 *     size, one entry at a time or a whole range,
 *   - invalidation descriptors (6.5.2) and a queue writer,
 *   - IRTEs (9.10, 9.11) and remappable-format MSI addresses (5.1.2.2),
 *   - register values of the register-based invalidation (11.4.7-11.4.8),
 *   - a fake guest memory for unit tests (VtmtFake).
 * Scalable-mode structures live in vtm-enc-sm.[ch], on the same VtmtMem.
 *
 * Build: the standalone build (top-level meson.build) compiles
 * vtm-testlib.c into the unit tests and vtm-sim; QEMU's qtest build
 * (patches/0001, tests/qtest/meson.build) compiles it into each vtm
 * qtest.  It includes only qemu/osdep.h (QEMU's, or compat/ in the
 * standalone build), GLib and vtm-defs.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_LIB_VTM_TESTLIB_H
#define TESTS_LIB_VTM_TESTLIB_H

#include "hw/i386/vtm/vtm-defs.h"

/* ---- The memory writer ------------------------------------------------ */

/*
 * Guest memory as the encoders see it.  read and write copy len bytes
 * (len may exceed a page) and return false on a bus error; alloc_page
 * returns the guest address of a fresh, zeroed, 4 KiB-aligned page, or 0
 * when none is left.  Values cross it little-endian, as VT-d stores them.
 * Implementations: the fake memory below (unit tests, vtm-sim) and the
 * libqtest-backed VtmQtMem (tests/qtest/vtm-qtest-util.h).
 */
typedef struct VtmtMem {
    bool (*read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    uint64_t (*alloc_page)(void *opaque);
    void *opaque;
} VtmtMem;

/* Qword access in CPU order; a failed read returns 0. */
uint64_t vtmt_r64(const VtmtMem *m, uint64_t addr);
bool vtmt_w64(const VtmtMem *m, uint64_t addr, uint64_t val);
uint32_t vtmt_r32(const VtmtMem *m, uint64_t addr);
bool vtmt_w32(const VtmtMem *m, uint64_t addr, uint32_t val);
/* A 128-bit entry as two qwords (lo at addr, hi at addr + 8). */
bool vtmt_w128(const VtmtMem *m, uint64_t addr, uint64_t lo, uint64_t hi);
bool vtmt_fill(const VtmtMem *m, uint64_t addr, uint8_t byte, size_t len);
/* A zeroed page, or 0 when the memory has none left. */
uint64_t vtmt_alloc(const VtmtMem *m);

/* ---- Root and context entries (legacy mode) --------------------------- */

/* A present root entry's low qword pointing at context table ctp (9.1). */
uint64_t vtmt_root_lo(uint64_t ctp);
/* A present context entry (9.3): slpt top table, TT, FPD ... */
uint64_t vtmt_ctx_lo(uint64_t slpt, unsigned tt, bool fpd);
/* ... and its upper half: AW encoding (levels - 2) and domain id. */
uint64_t vtmt_ctx_hi(unsigned aw, uint16_t did);
/* The AW encoding of a table depth: 3 levels 1, 4 levels 2, 5 levels 3. */
static inline unsigned vtmt_aw_of_levels(unsigned levels)
{
    return levels - 2;
}

/*
 * The context table of bus under the root table at root; when the root
 * entry is not present and create is set, a new table is allocated and
 * the entry written.  0 when absent (or no page was left).
 */
uint64_t vtmt_ctx_table(const VtmtMem *m, uint64_t root, uint8_t bus,
                        bool create);
/* The address of sid's context entry (tables created), 0 if none. */
uint64_t vtmt_ctx_entry(const VtmtMem *m, uint64_t root, uint16_t sid);
/* Writes sid's context entry (lo, hi); false when no page was left. */
bool vtmt_set_ctx(const VtmtMem *m, uint64_t root, uint16_t sid,
                  uint64_t lo, uint64_t hi);

/* ---- Second-stage page tables (9.8) ----------------------------------- */

#define VTMT_RW     (R_SLPTE_R_MASK | R_SLPTE_W_MASK)

/* The shift of the page a leaf at level maps: 12, 21, 30, 39, 48. */
static inline unsigned vtmt_level_shift(unsigned level)
{
    return VTM_PAGE_SHIFT + VTM_LEVEL_STRIDE * (level - 1);
}

/* The level whose leaf maps a page of 1 << shift bytes. */
static inline unsigned vtmt_shift_level(unsigned shift)
{
    return (shift - VTM_PAGE_SHIFT) / VTM_LEVEL_STRIDE + 1;
}

/* iova's entry index in a table at level. */
static inline unsigned vtmt_pt_index(uint64_t iova, unsigned level)
{
    return extract64(iova, vtmt_level_shift(level), VTM_LEVEL_STRIDE);
}

/* SLPTE R/W bits of an access: r and w as booleans. */
static inline uint64_t vtmt_perm(bool r, bool w)
{
    uint64_t v = FIELD_DP64(0, SLPTE, R, r);

    return FIELD_DP64(v, SLPTE, W, w);
}

/*
 * A second-stage entry: the address bits of addr that the entry holds,
 * flags (R, W, SNP, ...: SLPTE bits), PS set for a large-page leaf.
 */
uint64_t vtmt_slpte(uint64_t addr, uint64_t flags, bool ps);
/* A leaf at level mapping pa (PS above level 1). */
uint64_t vtmt_leaf(uint64_t pa, unsigned level, uint64_t flags);
/* A non-leaf entry pointing at table, read and write granted. */
uint64_t vtmt_table_entry(uint64_t table);
/* The table (or page) an entry points at. */
uint64_t vtmt_slpte_addr(uint64_t pte);

/*
 * A page table of levels (3, 4 or 5) whose top table is at top, in m.
 */
typedef struct VtmtPt {
    const VtmtMem *mem;
    uint64_t top;
    unsigned levels;
} VtmtPt;

/*
 * The address of iova's entry at level.  With create, a missing table
 * on the way (an entry without R and W, or a large-page leaf) is
 * replaced by a new empty table; without it, 0 when the path is missing.
 * 0 when no page was left.
 */
uint64_t vtmt_pt_entry(const VtmtPt *pt, uint64_t iova, unsigned level,
                       bool create);
/*
 * Maps iova to pa by a leaf at level with flags (tables created); returns
 * the leaf's address, 0 when no page was left.
 */
uint64_t vtmt_pt_map(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                     unsigned level, uint64_t flags);
/* The entry at level on iova's path made 0; its address, 0 if none. */
uint64_t vtmt_pt_unmap(const VtmtPt *pt, uint64_t iova, unsigned level);
/* Sets and clears bits of the entry at level on iova's (existing) path. */
void vtmt_pt_update(const VtmtPt *pt, uint64_t iova, unsigned level,
                    uint64_t clear, uint64_t set);
/*
 * Maps [iova, iova + size) to [pa, pa + size) by pages of 1 << shift
 * bytes (everything aligned to it), writing each table's run of leaves
 * in one write; flags 0 makes the entries not present.  False when no
 * page was left.
 */
bool vtmt_pt_map_range(const VtmtPt *pt, uint64_t iova, uint64_t pa,
                       uint64_t size, unsigned shift, uint64_t flags);
/*
 * A malicious table: every entry of the top table and of one new table
 * per level below points to the next level's table, and the level-1
 * table holds leaf (a raw entry, 0 for none) 512 times, so 2^36 pages
 * (at 4 levels) alias a handful of tables.  False when no page was left.
 */
bool vtmt_pt_alias(const VtmtPt *pt, uint64_t leaf);

/* ---- Invalidation descriptors (6.5.2) --------------------------------- */

/*
 * One descriptor: 128-bit ones use qw[0] and qw[1]; the 256-bit ones of
 * scalable mode (IQA.DW=1) all four.
 */
typedef struct VtmtDesc {
    uint64_t qw[4];
} VtmtDesc;

/* A descriptor of type (TYPE_LO and TYPE_HI), every other field 0. */
VtmtDesc vtmt_desc(unsigned type);
/* 6.5.2.1 context-cache invalidation */
VtmtDesc vtmt_qi_cc(unsigned gran, uint16_t did, uint16_t sid, uint8_t fm);
/* 6.5.2.3 IOTLB invalidation (DR and DW clear) */
VtmtDesc vtmt_qi_iotlb(unsigned gran, uint16_t did, uint64_t addr,
                       unsigned am, bool ih);
/* 6.5.2.5 device-TLB invalidation */
VtmtDesc vtmt_qi_devtlb(uint16_t sid, uint16_t pfsid, uint8_t mip,
                        uint64_t addr, bool size);
/* 6.5.2.7 interrupt entry cache invalidation: global, or 2^im from index */
VtmtDesc vtmt_qi_iec(bool global, uint16_t index, uint8_t im);
/* 6.5.2.8 invalidation wait: status write of data at saddr, IF, FN */
VtmtDesc vtmt_qi_wait(bool sw, bool intr, bool fn, uint32_t data,
                      uint64_t saddr);

/*
 * An invalidation queue in guest memory: size bytes (4 KiB << IQA.QS) at
 * base, descriptors of desc_size bytes (16, or 32 with IQA.DW=1), the
 * next one written at byte offset tail.  It wraps; keeping it from
 * filling is the caller's business.
 */
typedef struct VtmtQueue {
    const VtmtMem *mem;
    uint64_t base;
    uint32_t size;
    uint32_t desc_size;
    uint32_t tail;
} VtmtQueue;

/* A zeroed queue of 4 KiB << qs bytes at base, 128-bit descriptors. */
void vtmt_queue_init(VtmtQueue *q, const VtmtMem *m, uint64_t base,
                     unsigned qs);
/* The IQA register value that describes it (11.4.9.3). */
uint64_t vtmt_queue_iqa(const VtmtQueue *q);
/* Writes d at the tail and moves it; returns d's byte offset. */
uint32_t vtmt_queue_put(VtmtQueue *q, const VtmtDesc *d);
/* n descriptors at the tail, in at most two writes (the queue wraps). */
void vtmt_queue_put_many(VtmtQueue *q, const VtmtDesc *d, unsigned n);
/* The IQT register value that submits everything put (11.4.9.2). */
uint64_t vtmt_queue_iqt(const VtmtQueue *q);

/* ---- Register-based invalidation values (11.4.7, 11.4.8) -------------- */

uint64_t vtmt_reg_ccmd(unsigned cirg, uint16_t did, uint16_t sid,
                       uint8_t fm);
/* IOTLB register with IVT set; addr etc. go to IVA */
uint64_t vtmt_reg_iotlb(unsigned iirg, uint16_t did, bool dr, bool dw);
uint64_t vtmt_reg_iva(uint64_t addr, unsigned am, bool ih);

/* ---- Interrupt remapping (9.10, 9.11, 5.1.2.2) ------------------------ */

/* A remapped-format IRTE's fields. */
typedef struct VtmtIrte {
    bool fpd, dm, rh, tm;
    uint8_t dlm, vector;
    uint32_t dest;              /* APIC id: 8 bits in xAPIC mode */
    uint8_t svt, sq;
    uint16_t sid;
} VtmtIrte;

/* A present remapped-format IRTE: eime selects the x2APIC destination. */
void vtmt_irte(uint64_t raw[2], const VtmtIrte *e, bool eime);
/* A present posted-format IRTE for virtual vector vv, descriptor at pda. */
void vtmt_irte_posted(uint64_t raw[2], uint8_t vv, bool urgent,
                      uint64_t pda, bool fpd);
/* Writes entry index of the table at irt. */
bool vtmt_irte_put(const VtmtMem *m, uint64_t irt, uint32_t index,
                   const uint64_t raw[2]);
/* IRTA for a table at irt with 2^(s+1) entries. */
uint64_t vtmt_irta(uint64_t irt, unsigned s, bool eime);
/* The remappable-format MSI address naming index, SHV as given. */
uint64_t vtmt_msi_remap_addr(uint32_t index, bool shv);

/* ---- Fake guest memory (unit tests, vtm-sim) -------------------------- */

/*
 * Sparse 4 KiB pages allocated on first write; unwritten memory reads as
 * zeros.  Accesses at or above size (0: no limit) fail, and so do those
 * touching a qword marked with vtmt_fake_fail.  Pages for tables come
 * from a bump allocator at [next_free, alloc_limit) (alloc_limit 0: no
 * limit).  The callbacks fit VTMMemOps (vtm-types.h): a unit test hands
 * vtmt_fake_read/write/cmpxchg64 to the core with the fake as opaque,
 * and its encoders use fake->mem, whose accesses are not counted.
 */
typedef struct VtmtFake {
    VtmtMem mem;
    GHashTable *pages;          /* page number -> 4 KiB buffer */
    GHashTable *fail;           /* qword address -> accesses fail */
    uint64_t size;
    uint64_t next_free;
    uint64_t alloc_limit;
    uint64_t reads, writes;     /* counted core accesses */
    bool reads_within_page;     /* a core read crossing a page fails */
    unsigned cas_calls;
    /*
     * Lost races: for the next `races` exchanges of the qword at
     * race_addr, another agent first XORs race_bits into it.
     */
    unsigned races;
    uint64_t race_addr;
    uint64_t race_bits;
    uint64_t last_pfn;          /* one-entry lookup cache */
    uint8_t *last_page;
} VtmtFake;

void vtmt_fake_init(VtmtFake *f, uint64_t table_base);
void vtmt_fake_destroy(VtmtFake *f);
/* Accesses touching [addr, addr + len) fail from now on. */
void vtmt_fake_fail(VtmtFake *f, uint64_t addr, uint64_t len);
bool vtmt_fake_read(void *opaque, uint64_t addr, void *buf, size_t len);
bool vtmt_fake_write(void *opaque, uint64_t addr, const void *buf,
                     size_t len);
bool vtmt_fake_cmpxchg64(void *opaque, uint64_t addr, uint64_t expected,
                         uint64_t new, uint64_t *found);

#endif
