/*
 * Unit tests for vtm's generic set-associative cache.
 *
 * Victims are observed without disturbing the cache: vtm_cache_invalidate_if
 * with a predicate that never drops reports which keys are present without
 * touching LRU stamps or lookup statistics.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtm-cache.h"

typedef struct TPayload {
    uint64_t val;
    uint32_t extra;
} TPayload;

static VTMCacheParams tparams(uint32_t entries, uint32_t ways,
                              VTMCachePolicy policy)
{
    VTMCacheParams p = {
        .entries = entries,
        .ways = ways,
        .policy = policy,
        .seed = 1,
        .enable = true,
        .latency = 1,
    };
    return p;
}

static VTMCache *tcache(uint32_t entries, uint32_t ways,
                        VTMCachePolicy policy)
{
    VTMCacheParams p = tparams(entries, ways, policy);

    g_assert_null(vtm_cache_params_error(&p));
    return vtm_cache_new("test", &p, sizeof(TPayload));
}

static VTMCacheKey tkey(uint64_t tag, uint64_t tag2)
{
    VTMCacheKey k = { .tag = tag, .tag2 = tag2 };
    return k;
}

/* n keys (tag2 = 0, tags from start upward) that all map to set. */
static void keys_in_set(VTMCache *c, uint32_t set, uint64_t start,
                        VTMCacheKey *out, unsigned n)
{
    uint64_t tag = start;
    unsigned i = 0;

    while (i < n) {
        VTMCacheKey k = tkey(tag++, 0);

        if (vtm_cache_set_index(c, &k) == set) {
            out[i++] = k;
        }
        g_assert_cmpuint(tag, <, start + 1000000);
    }
}

static void *insert_val(VTMCache *c, const VTMCacheKey *k, uint64_t val)
{
    TPayload *p = vtm_cache_insert(c, k);

    g_assert_nonnull(p);
    p->val = val;
    return p;
}

typedef struct Probe {
    VTMCacheKey key;
    bool found;
} Probe;

static bool probe_pred(const VTMCacheKey *key, const void *payload,
                       void *opaque)
{
    Probe *pr = opaque;

    if (key->tag == pr->key.tag && key->tag2 == pr->key.tag2) {
        pr->found = true;
    }
    return false;
}

/* Is key cached?  Leaves stamps, statistics and policy state alone. */
static bool present(VTMCache *c, const VTMCacheKey *k)
{
    Probe pr = { .key = *k };

    g_assert_cmpuint(vtm_cache_invalidate_if(c, probe_pred, &pr), ==, 0);
    return pr.found;
}

/* Asserts that exactly the keys whose bit is set in mask are cached. */
static void assert_present(VTMCache *c, const VTMCacheKey *k, unsigned n,
                           uint32_t mask)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (present(c, &k[i]) != !!(mask & (1u << i))) {
            g_error("key %u (tag %" PRIu64 ") %s", i, k[i].tag,
                    mask & (1u << i) ? "missing" : "unexpectedly present");
        }
    }
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, __builtin_popcount(mask));
}

static void test_hit_miss(void)
{
    VTMCache *c = tcache(64, 4, VTM_CACHE_LRU);
    VTMCacheKey a = tkey(0x1234, 7), b = tkey(0x1234, 8);
    TPayload *pa, *pb;

    g_assert_null(vtm_cache_lookup(c, &a));
    pa = insert_val(c, &a, 100);
    g_assert_true(vtm_cache_lookup(c, &a) == pa);
    /* Same tag, other tag2: a different key */
    g_assert_null(vtm_cache_lookup(c, &b));
    pb = insert_val(c, &b, 200);
    g_assert_true(pb != pa);
    g_assert_cmpuint(((TPayload *)vtm_cache_lookup(c, &a))->val, ==, 100);
    g_assert_cmpuint(((TPayload *)vtm_cache_lookup(c, &b))->val, ==, 200);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 2);
    vtm_cache_free(c);
}

static void test_accessors(void)
{
    VTMCacheParams p = tparams(32, 8, VTM_CACHE_RANDOM);
    VTMCache *c;

    p.seed = 99;
    p.latency = 3;
    c = vtm_cache_new("iotlb", &p, 8);
    g_assert_cmpstr(vtm_cache_name(c), ==, "iotlb");
    g_assert_cmpuint(vtm_cache_params(c)->entries, ==, 32);
    g_assert_cmpuint(vtm_cache_params(c)->ways, ==, 8);
    g_assert_cmpint(vtm_cache_params(c)->policy, ==, VTM_CACHE_RANDOM);
    g_assert_cmpuint(vtm_cache_params(c)->seed, ==, 99);
    g_assert_cmpuint(vtm_cache_params(c)->latency, ==, 3);
    g_assert_true(vtm_cache_params(c)->enable);
    vtm_cache_free(c);
    vtm_cache_free(NULL);
}

/* Two ways per set: a third key in a set evicts only within that set. */
static void test_set_conflict(void)
{
    VTMCache *c = tcache(16, 2, VTM_CACHE_LRU);
    VTMCacheKey k[5];           /* k[0..3] in set 5, k[4] in set 2 */

    keys_in_set(c, 5, 0, k, 4);
    keys_in_set(c, 2, 0, &k[4], 1);
    insert_val(c, &k[0], 0);
    insert_val(c, &k[1], 1);
    insert_val(c, &k[4], 4);
    insert_val(c, &k[2], 2);
    assert_present(c, k, 5, 0x16);
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, 1);
    insert_val(c, &k[3], 3);
    assert_present(c, k, 5, 0x1c);
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, 2);
    vtm_cache_free(c);
}

/* One set of four ways: A..G are keys 0..6 of that set. */
static void test_lru_victims(void)
{
    VTMCache *c = tcache(4, 4, VTM_CACHE_LRU);
    VTMCacheKey k[7];
    unsigned i;

    keys_in_set(c, 0, 0, k, 7);
    for (i = 0; i < 4; i++) {
        insert_val(c, &k[i], i);
    }
    assert_present(c, k, 7, 0x0f);
    /* recency, oldest first: B D A C */
    g_assert_nonnull(vtm_cache_lookup(c, &k[0]));
    g_assert_nonnull(vtm_cache_lookup(c, &k[2]));
    insert_val(c, &k[4], 4);            /* evicts B */
    assert_present(c, k, 7, 0x1d);
    /* re-inserting D touches it: A C E D */
    insert_val(c, &k[3], 3);
    insert_val(c, &k[5], 5);            /* evicts A */
    assert_present(c, k, 7, 0x3c);
    /* C E D F, then a hit on C: E D F C */
    g_assert_nonnull(vtm_cache_lookup(c, &k[2]));
    insert_val(c, &k[6], 6);            /* evicts E */
    assert_present(c, k, 7, 0x6c);
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, 3);
    vtm_cache_free(c);
}

static void test_rr_victims(void)
{
    VTMCache *c = tcache(4, 4, VTM_CACHE_RR);
    VTMCacheKey k[11];
    unsigned i;

    keys_in_set(c, 0, 0, k, 11);
    for (i = 0; i < 4; i++) {
        insert_val(c, &k[i], i);        /* ways 0..3 */
    }
    /* Hits do not matter to round-robin */
    g_assert_nonnull(vtm_cache_lookup(c, &k[3]));
    g_assert_nonnull(vtm_cache_lookup(c, &k[0]));
    insert_val(c, &k[4], 4);            /* way 0: A */
    assert_present(c, k, 11, 0x01e);
    insert_val(c, &k[5], 5);            /* way 1: B */
    assert_present(c, k, 11, 0x03c);
    g_assert_nonnull(vtm_cache_lookup(c, &k[2]));
    insert_val(c, &k[6], 6);            /* way 2: C */
    assert_present(c, k, 11, 0x078);
    insert_val(c, &k[7], 7);            /* way 3: D */
    assert_present(c, k, 11, 0x0f0);
    insert_val(c, &k[8], 8);            /* wraps to way 0: E */
    assert_present(c, k, 11, 0x1e0);
    /* A free way is filled first and does not move the pointer (way 1) */
    g_assert_true(vtm_cache_invalidate_key(c, &k[5]));
    insert_val(c, &k[9], 9);            /* fills way 1 */
    assert_present(c, k, 11, 0x3c0);
    insert_val(c, &k[10], 10);          /* way 1 again: J */
    assert_present(c, k, 11, 0x5c0);
    vtm_cache_free(c);
}

/* Each set has its own round-robin pointer. */
static void test_rr_per_set(void)
{
    VTMCache *c = tcache(4, 2, VTM_CACHE_RR);
    VTMCacheKey k[7];           /* k[0..3] in set 0, k[4..6] in set 1 */

    keys_in_set(c, 0, 0, k, 4);
    keys_in_set(c, 1, 0, &k[4], 3);
    insert_val(c, &k[0], 0);
    insert_val(c, &k[1], 1);
    insert_val(c, &k[4], 4);
    insert_val(c, &k[5], 5);
    insert_val(c, &k[2], 2);            /* set 0 way 0 */
    assert_present(c, k, 7, 0x36);
    insert_val(c, &k[6], 6);            /* set 1 way 0: its own pointer */
    assert_present(c, k, 7, 0x66);
    insert_val(c, &k[3], 3);            /* set 0 way 1 */
    assert_present(c, k, 7, 0x6c);
    vtm_cache_free(c);
}

#define RAND_WAYS   8
#define RAND_STEPS  256

/*
 * The ways chosen by RAND_STEPS evictions from one full set.  Free ways
 * are filled in order, so model slot i is way i.
 */
static void random_victims(uint64_t seed, uint8_t *ways)
{
    VTMCacheParams p = tparams(RAND_WAYS, RAND_WAYS, VTM_CACHE_RANDOM);
    VTMCache *c;
    VTMCacheKey model[RAND_WAYS];
    unsigned i, w;

    p.seed = seed;
    c = vtm_cache_new("rand", &p, sizeof(TPayload));
    for (i = 0; i < RAND_WAYS; i++) {
        model[i] = tkey(i, 0);
        insert_val(c, &model[i], i);
    }
    for (i = 0; i < RAND_STEPS; i++) {
        VTMCacheKey k = tkey(RAND_WAYS + i, 0);
        unsigned victim = RAND_WAYS;

        insert_val(c, &k, i);
        for (w = 0; w < RAND_WAYS; w++) {
            if (!present(c, &model[w])) {
                g_assert_cmpuint(victim, ==, RAND_WAYS);
                victim = w;
            }
        }
        g_assert_cmpuint(victim, <, RAND_WAYS);
        g_assert_true(present(c, &k));
        model[victim] = k;
        ways[i] = victim;
    }
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, RAND_STEPS);
    vtm_cache_free(c);
}

static void test_random_victims(void)
{
    uint8_t s1[RAND_STEPS], s1again[RAND_STEPS], s2[RAND_STEPS];
    unsigned count[RAND_WAYS] = { 0 };
    unsigned i;

    random_victims(1, s1);
    random_victims(1, s1again);
    random_victims(2, s2);
    g_assert_cmpmem(s1, sizeof(s1), s1again, sizeof(s1again));
    g_assert_true(memcmp(s1, s2, sizeof(s1)) != 0);
    for (i = 0; i < RAND_STEPS; i++) {
        count[s1[i]]++;
    }
    /* 32 expected per way; the bounds only catch a degenerate generator */
    for (i = 0; i < RAND_WAYS; i++) {
        g_assert_cmpuint(count[i], >=, 10);
        g_assert_cmpuint(count[i], <=, 64);
    }
}

static void test_insert_existing(void)
{
    VTMCache *c = tcache(2, 2, VTM_CACHE_LRU);
    VTMCacheKey k[3];
    TPayload *p1, *p2;

    keys_in_set(c, 0, 0, k, 3);
    p1 = insert_val(c, &k[0], 42);
    p1->extra = 7;
    p2 = vtm_cache_insert(c, &k[0]);
    g_assert_true(p1 == p2);
    g_assert_cmpuint(p2->val, ==, 42);  /* reuse keeps the payload */
    g_assert_cmpuint(p2->extra, ==, 7);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 1);

    /* In a full set, re-inserting a cached key evicts nothing */
    insert_val(c, &k[1], 1);
    insert_val(c, &k[0], 43);
    assert_present(c, k, 3, 0x3);
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, 0);
    g_assert_cmpuint(vtm_cache_stats(c)->inserts, ==, 4);
    /* ... and touches it: the next victim is k[1] */
    insert_val(c, &k[2], 2);
    assert_present(c, k, 3, 0x5);
    vtm_cache_free(c);
}

/* A line handed to a new key comes zeroed, not with the victim's data. */
static void test_new_line_zeroed(void)
{
    VTMCache *c = tcache(1, 1, VTM_CACHE_LRU);
    VTMCacheKey a = tkey(1, 0), b = tkey(2, 0);
    TPayload *pa, *pb;

    pa = insert_val(c, &a, 77);
    pa->extra = 5;
    pb = vtm_cache_insert(c, &b);
    g_assert_true(pa == pb);
    g_assert_cmpuint(pb->val, ==, 0);
    g_assert_cmpuint(pb->extra, ==, 0);
    g_assert_null(vtm_cache_lookup(c, &a));
    vtm_cache_free(c);
}

static void test_flush(void)
{
    VTMCache *c = tcache(64, 4, VTM_CACHE_LRU);
    uint64_t ev1, ev2;
    unsigned i, v1, hits = 0;

    for (i = 0; i < 48; i++) {
        insert_val(c, &(VTMCacheKey){ i, 3 }, i);
    }
    v1 = vtm_cache_count_valid(c);
    ev1 = vtm_cache_stats(c)->evictions;
    g_assert_cmpuint(v1 + ev1, ==, 48);
    g_assert_cmpuint(v1, >, 32);

    vtm_cache_flush(c);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 0);
    g_assert_cmpuint(vtm_cache_stats(c)->invalidations, ==, v1);
    g_assert_cmpuint(vtm_cache_stats(c)->flushes, ==, 1);
    for (i = 0; i < 48; i++) {
        g_assert_null(vtm_cache_lookup(c, &(VTMCacheKey){ i, 3 }));
    }
    g_assert_false(vtm_cache_invalidate_key(c, &(VTMCacheKey){ 0, 3 }));

    /* Flushed lines are free: the same inserts evict exactly as before */
    for (i = 0; i < 48; i++) {
        insert_val(c, &(VTMCacheKey){ i, 3 }, i + 1000);
    }
    ev2 = vtm_cache_stats(c)->evictions - ev1;
    g_assert_cmpuint(ev2, ==, ev1);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, v1);
    for (i = 0; i < 48; i++) {
        TPayload *p = vtm_cache_lookup(c, &(VTMCacheKey){ i, 3 });

        if (p) {
            g_assert_cmpuint(p->val, ==, i + 1000);
            hits++;
        }
    }
    g_assert_cmpuint(hits, ==, v1);

    /* Back-to-back flushes: the second drops nothing */
    vtm_cache_flush(c);
    vtm_cache_flush(c);
    g_assert_cmpuint(vtm_cache_stats(c)->invalidations, ==, 2 * v1);
    g_assert_cmpuint(vtm_cache_stats(c)->flushes, ==, 3);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 0);
    vtm_cache_free(c);
}

static void test_invalidate_key(void)
{
    VTMCache *c = tcache(64, 4, VTM_CACHE_LRU);
    VTMCacheKey a = tkey(5, 1), b = tkey(5, 2), never = tkey(6, 1);

    insert_val(c, &a, 1);
    insert_val(c, &b, 2);
    g_assert_true(vtm_cache_invalidate_key(c, &a));
    g_assert_null(vtm_cache_lookup(c, &a));
    g_assert_cmpuint(((TPayload *)vtm_cache_lookup(c, &b))->val, ==, 2);
    g_assert_false(vtm_cache_invalidate_key(c, &a));
    g_assert_false(vtm_cache_invalidate_key(c, &never));
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 1);
    g_assert_cmpuint(vtm_cache_stats(c)->invalidations, ==, 1);
    /* The key can come back */
    insert_val(c, &a, 3);
    g_assert_cmpuint(((TPayload *)vtm_cache_lookup(c, &a))->val, ==, 3);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 2);
    vtm_cache_free(c);
}

typedef struct DomainPred {
    uint64_t did;
    unsigned calls;
    bool payload_ok;
} DomainPred;

static bool domain_pred(const VTMCacheKey *key, const void *payload,
                        void *opaque)
{
    DomainPred *dp = opaque;
    const TPayload *p = payload;

    dp->calls++;
    /* Each line's payload must be the one stored with its key */
    if (p->val != key->tag * 10 + key->tag2) {
        dp->payload_ok = false;
    }
    return key->tag2 == dp->did;
}

static void test_invalidate_if(void)
{
    VTMCache *c = tcache(256, 8, VTM_CACHE_LRU);
    DomainPred dp = { .did = 2, .payload_ok = true };
    unsigned i, valid, in_dom2 = 0;

    for (i = 0; i < 200; i++) {
        insert_val(c, &(VTMCacheKey){ i, i % 4 }, i * 10 + i % 4);
    }
    valid = vtm_cache_count_valid(c);
    for (i = 0; i < 200; i++) {
        in_dom2 += i % 4 == 2 && present(c, &(VTMCacheKey){ i, 2 });
    }
    g_assert_cmpuint(in_dom2, >, 30);

    g_assert_cmpuint(vtm_cache_invalidate_if(c, domain_pred, &dp), ==,
                     in_dom2);
    g_assert_true(dp.payload_ok);
    g_assert_cmpuint(dp.calls, ==, valid);      /* valid lines only */
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, valid - in_dom2);
    g_assert_cmpuint(vtm_cache_stats(c)->invalidations, ==, in_dom2);
    for (i = 0; i < 200; i++) {
        VTMCacheKey k = tkey(i, i % 4);

        if (i % 4 == 2) {
            g_assert_false(present(c, &k));
        }
    }
    /* Nothing left to drop */
    dp.calls = 0;
    g_assert_cmpuint(vtm_cache_invalidate_if(c, domain_pred, &dp), ==, 0);
    g_assert_cmpuint(dp.calls, ==, valid - in_dom2);
    vtm_cache_free(c);
}

static bool never_called(const VTMCacheKey *key, const void *payload,
                         void *opaque)
{
    g_assert_not_reached();
    return false;
}

static void check_inactive(VTMCache *c)
{
    VTMCacheKey k = tkey(1, 1);

    g_assert_null(vtm_cache_lookup(c, &k));
    g_assert_null(vtm_cache_insert(c, &k));
    g_assert_null(vtm_cache_lookup(c, &k));
    g_assert_null(vtm_cache_lookup(c, &k));
    g_assert_false(vtm_cache_invalidate_key(c, &k));
    g_assert_cmpuint(vtm_cache_invalidate_if(c, never_called, NULL), ==, 0);
    vtm_cache_flush(c);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 0);
    g_assert_cmpuint(vtm_cache_set_index(c, &k), ==, 0);
    g_assert_cmpuint(vtm_cache_stats(c)->lookups, ==, 3);
    g_assert_cmpuint(vtm_cache_stats(c)->misses, ==, 3);
    g_assert_cmpuint(vtm_cache_stats(c)->hits, ==, 0);
    g_assert_cmpuint(vtm_cache_stats(c)->inserts, ==, 0);
    g_assert_cmpuint(vtm_cache_stats(c)->invalidations, ==, 0);
}

static void test_disabled(void)
{
    VTMCacheParams p = tparams(64, 4, VTM_CACHE_LRU);
    VTMCache *c;

    p.enable = false;
    g_assert_null(vtm_cache_params_error(&p));
    c = vtm_cache_new("off", &p, sizeof(TPayload));
    check_inactive(c);
    vtm_cache_free(c);

    p = tparams(0, 4, VTM_CACHE_RR);
    g_assert_null(vtm_cache_params_error(&p));
    c = vtm_cache_new("empty", &p, sizeof(TPayload));
    check_inactive(c);
    vtm_cache_free(c);
}

static void test_stats(void)
{
    VTMCache *c = tcache(2, 2, VTM_CACHE_LRU);
    VTMCacheKey k[3];
    const VTMCacheStats *st = vtm_cache_stats(c);

    keys_in_set(c, 0, 0, k, 3);
    g_assert_null(vtm_cache_lookup(c, &k[0]));          /* miss */
    insert_val(c, &k[0], 0);
    g_assert_nonnull(vtm_cache_lookup(c, &k[0]));       /* hit */
    insert_val(c, &k[1], 1);
    insert_val(c, &k[2], 2);                            /* evicts k0 */
    g_assert_null(vtm_cache_lookup(c, &k[0]));          /* miss */
    g_assert_nonnull(vtm_cache_lookup(c, &k[1]));       /* hit */
    insert_val(c, &k[1], 1);                            /* reuse */
    g_assert_true(vtm_cache_invalidate_key(c, &k[1]));
    vtm_cache_flush(c);                                 /* drops k2 */

    g_assert_cmpuint(st->lookups, ==, 4);
    g_assert_cmpuint(st->hits, ==, 2);
    g_assert_cmpuint(st->misses, ==, 2);
    g_assert_cmpuint(st->inserts, ==, 4);
    g_assert_cmpuint(st->evictions, ==, 1);
    g_assert_cmpuint(st->invalidations, ==, 2);
    g_assert_cmpuint(st->flushes, ==, 1);

    vtm_cache_reset_stats(c);
    g_assert_cmpuint(st->lookups + st->hits + st->misses + st->inserts +
                     st->evictions + st->invalidations + st->flushes, ==, 0);
    vtm_cache_free(c);
}

static void test_params_error(void)
{
    static const struct {
        uint32_t entries, ways;
        int policy;
        const char *needle;         /* NULL: parameters are fine */
    } cases[] = {
        { 64, 4, VTM_CACHE_LRU, NULL },
        { 64, 64, VTM_CACHE_RR, NULL },
        { 1, 1, VTM_CACHE_RANDOM, NULL },
        { 0, 8, VTM_CACHE_LRU, NULL },
        { 96, 3, VTM_CACHE_LRU, NULL },
        { VTM_CACHE_MAX_ENTRIES, 16, VTM_CACHE_LRU, NULL },
        { VTM_CACHE_MAX_ENTRIES, VTM_CACHE_MAX_ENTRIES, VTM_CACHE_LRU, NULL },
        { 64, 0, VTM_CACHE_LRU, "ways" },
        { 0, 0, VTM_CACHE_LRU, "ways" },
        { 64, 5, VTM_CACHE_LRU, "multiple" },
        { 100, 8, VTM_CACHE_RR, "multiple" },
        { 4, 8, VTM_CACHE_LRU, "exceed" },
        { VTM_CACHE_MAX_ENTRIES + 16, 16, VTM_CACHE_LRU, "at most" },
        { 0x80000000u, 1, VTM_CACHE_LRU, "at most" },
        { 64, 4, 3, "policy" },
        { 64, 4, -1, "policy" },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        VTMCacheParams p = tparams(cases[i].entries, cases[i].ways,
                                   (VTMCachePolicy)cases[i].policy);
        const char *err = vtm_cache_params_error(&p);

        if (!cases[i].needle) {
            g_assert_null(err);
        } else {
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err, cases[i].needle));
        }
    }
}

static void test_fully_associative(void)
{
    VTMCache *c = tcache(64, 64, VTM_CACHE_LRU);
    unsigned i;

    for (i = 0; i < 64; i++) {
        VTMCacheKey k = tkey(i * 4096 + 17, i);

        g_assert_cmpuint(vtm_cache_set_index(c, &k), ==, 0);
        insert_val(c, &k, i);
    }
    for (i = 0; i < 64; i++) {
        TPayload *p = vtm_cache_lookup(c, &(VTMCacheKey){ i * 4096 + 17, i });

        g_assert_nonnull(p);
        g_assert_cmpuint(p->val, ==, i);
    }
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 64);
    g_assert_cmpuint(vtm_cache_stats(c)->evictions, ==, 0);
    /* The 65th key evicts exactly the least recently used: key 0 */
    insert_val(c, &(VTMCacheKey){ 1, 1 }, 99);
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 64);
    g_assert_false(present(c, &(VTMCacheKey){ 17, 0 }));
    for (i = 1; i < 64; i++) {
        g_assert_true(present(c, &(VTMCacheKey){ i * 4096 + 17, i }));
    }
    vtm_cache_free(c);
}

/* Far more keys than lines: never more than `entries` valid lines. */
static void test_capacity(gconstpointer data)
{
    VTMCache *c = tcache(64, 4, (VTMCachePolicy)GPOINTER_TO_INT(data));
    const VTMCacheStats *st = vtm_cache_stats(c);
    uint64_t x = 12345;
    unsigned i;

    for (i = 0; i < 10000; i++) {
        VTMCacheKey k;

        /* alternate sequential page numbers and scattered ones */
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        k = i & 1 ? tkey(i, 0) : tkey(x >> 12, x & 0xff);
        insert_val(c, &k, i);
        g_assert_true(present(c, &k));
        if (i % 16 == 0) {
            g_assert_cmpuint(vtm_cache_count_valid(c), <=, 64);
        }
    }
    g_assert_cmpuint(vtm_cache_count_valid(c), ==, 64);
    g_assert_cmpuint(st->inserts - st->evictions, ==, 64);
    vtm_cache_free(c);
}

static unsigned distinct_sets(VTMCache *c, uint64_t tag_step,
                              uint64_t tag2_step, unsigned n)
{
    g_autofree bool *used = g_new0(bool, n);
    unsigned i, sets = 0;

    for (i = 0; i < n; i++) {
        VTMCacheKey k = tkey(i * tag_step, i * tag2_step);
        uint32_t s = vtm_cache_set_index(c, &k);

        g_assert_cmpuint(s, <, n);
        sets += !used[s];
        used[s] = true;
    }
    return sets;
}

/*
 * n keys into n sets hashed at random fill about 63% of them (1 - 1/e);
 * a hash that kept low bits would put strided keys all in one set.
 */
static void test_hash_spread(void)
{
    VTMCache *c = tcache(4096, 4, VTM_CACHE_LRU);
    unsigned i;

    g_assert_cmpuint(distinct_sets(c, 1, 0, 1024), >=, 560);
    g_assert_cmpuint(distinct_sets(c, 512, 0, 1024), >=, 560);
    g_assert_cmpuint(distinct_sets(c, 1ULL << 18, 0, 1024), >=, 560);
    g_assert_cmpuint(distinct_sets(c, 0, 1, 1024), >=, 560);
    g_assert_cmpuint(distinct_sets(c, 1, 1, 1024), >=, 560);

    /* Sequential pages fill most of the cache, as balls in bins would */
    for (i = 0; i < 4096; i++) {
        insert_val(c, &(VTMCacheKey){ 0x100000 + i, 1 }, i);
    }
    g_assert_cmpuint(vtm_cache_count_valid(c), >=, 4096 * 7 / 10);
    vtm_cache_free(c);
}

/* Payloads of different lines are separate, aligned and full size. */
static void test_payload_block(void)
{
    VTMCacheParams p = tparams(32, 32, VTM_CACHE_LRU);
    VTMCache *c = vtm_cache_new("odd", &p, 41);
    VTMCache *z = vtm_cache_new("zero", &p, 0);
    uint8_t *pl[32];
    unsigned i, j;

    for (i = 0; i < 32; i++) {
        pl[i] = vtm_cache_insert(c, &(VTMCacheKey){ i, 0 });
        g_assert_nonnull(pl[i]);
        g_assert_cmpuint((uintptr_t)pl[i] % 8, ==, 0);
        memset(pl[i], i + 1, 41);
    }
    for (i = 0; i < 32; i++) {
        uint8_t *q = vtm_cache_lookup(c, &(VTMCacheKey){ i, 0 });

        g_assert_true(q == pl[i]);
        for (j = 0; j < 41; j++) {
            g_assert_cmpuint(q[j], ==, i + 1);
        }
    }
    /* No payload: insert still hands out a line */
    g_assert_nonnull(vtm_cache_insert(z, &(VTMCacheKey){ 1, 0 }));
    g_assert_nonnull(vtm_cache_lookup(z, &(VTMCacheKey){ 1, 0 }));
    vtm_cache_free(z);
    vtm_cache_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vtm/cache/hit-miss", test_hit_miss);
    g_test_add_func("/vtm/cache/accessors", test_accessors);
    g_test_add_func("/vtm/cache/set-conflict", test_set_conflict);
    g_test_add_func("/vtm/cache/lru-victims", test_lru_victims);
    g_test_add_func("/vtm/cache/rr-victims", test_rr_victims);
    g_test_add_func("/vtm/cache/rr-per-set", test_rr_per_set);
    g_test_add_func("/vtm/cache/random-victims", test_random_victims);
    g_test_add_func("/vtm/cache/insert-existing", test_insert_existing);
    g_test_add_func("/vtm/cache/new-line-zeroed", test_new_line_zeroed);
    g_test_add_func("/vtm/cache/flush", test_flush);
    g_test_add_func("/vtm/cache/invalidate-key", test_invalidate_key);
    g_test_add_func("/vtm/cache/invalidate-if", test_invalidate_if);
    g_test_add_func("/vtm/cache/disabled", test_disabled);
    g_test_add_func("/vtm/cache/stats", test_stats);
    g_test_add_func("/vtm/cache/params-error", test_params_error);
    g_test_add_func("/vtm/cache/fully-associative", test_fully_associative);
    g_test_add_data_func("/vtm/cache/capacity/lru",
                         GINT_TO_POINTER(VTM_CACHE_LRU), test_capacity);
    g_test_add_data_func("/vtm/cache/capacity/rr",
                         GINT_TO_POINTER(VTM_CACHE_RR), test_capacity);
    g_test_add_data_func("/vtm/cache/capacity/random",
                         GINT_TO_POINTER(VTM_CACHE_RANDOM), test_capacity);
    g_test_add_func("/vtm/cache/hash-spread", test_hash_spread);
    g_test_add_func("/vtm/cache/payload-block", test_payload_block);
    return g_test_run();
}
