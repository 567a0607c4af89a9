/*
 * What the guest's DMAR tools (dmar-regs, dmar-frcd) share: a hex value
 * of a unit's intel-iommu sysfs folder (/sys/class/iommu/dmarN/intel-iommu).
 */
#ifndef VTM_GUEST_DMAR_SYSFS_H
#define VTM_GUEST_DMAR_SYSFS_H

#include <inttypes.h>
#include <stdio.h>

static int read_hex(const char *dir, const char *name, uint64_t *v)
{
    char path[512];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/%s", dir, name);
    f = fopen(path, "r");
    if (!f)
        return -1;
    ok = fscanf(f, "%" SCNx64, v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

#endif
