/*
 * Reading vtm-iommu's "stats" property (JSON, docs/vtm.rst) from qtests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_VTM_QTEST_STATS_H
#define TESTS_QTEST_VTM_QTEST_STATS_H

#include "qobject/qdict.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

/* The unit's statistics; the caller unrefs them. */
static inline QDict *vtm_qtest_stats(QTestState *qts, const char *unit)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                            "{'path': %s, 'property': 'stats'}}", unit);
    QDict *ret = qdict_get_qdict(resp, "return");

    g_assert(ret);
    qobject_ref(ret);
    qobject_unref(resp);
    return ret;
}

static inline void vtm_qtest_stats_reset(QTestState *qts, const char *unit)
{
    qtest_qmp_assert_success(qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'stats-reset', "
                             "'value': true}}", unit);
}

/* The member at a path like "unit/iotlb/hits". */
static inline QObject *stats_at(QDict *d, const char *path)
{
    g_auto(GStrv) part = g_strsplit(path, "/", -1);
    QObject *o = QOBJECT(d);
    unsigned i;

    for (i = 0; part[i]; i++) {
        g_assert(qobject_type(o) == QTYPE_QDICT);
        o = qdict_get(qobject_to(QDict, o), part[i]);
        if (!o) {
            g_error("stats: no %s", path);
        }
    }
    return o;
}

static inline int64_t stats_int(QDict *d, const char *path)
{
    return qnum_get_int(qobject_to(QNum, stats_at(d, path)));
}

static inline const char *stats_str(QDict *d, const char *path)
{
    return qstring_get_str(qobject_to(QString, stats_at(d, path)));
}

#endif
