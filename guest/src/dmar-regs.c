/*
 * dmar-regs: prints the translation mode of every DMAR unit as software
 * sees it in the registers: CAP and ECAP with the scalable-mode fields,
 * GSTS, RTADDR with its translation table mode (TTM) and IQA with the
 * descriptor width (DW).  Proves from inside the guest which mode the
 * kernel put the unit in (VT-d 11.4.2, 11.4.3, 11.4.5, 11.4.9.3).
 *
 * Usage: dmar-regs      (needs /dev/mem with iomem=relaxed, as root)
 *
 * Output, one "VTM-INFO: regs: ..." line per register and a summary:
 *   dmar0 mode scalable|legacy|... (TTM n) DW n TES n
 * Reads only.  Exit status 0, or 1 when no unit was read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dmar-sysfs.h"


static uint64_t rd64(volatile uint8_t *r, unsigned off)
{
    volatile uint32_t *w = (volatile uint32_t *)(r + off);

    return w[0] | (uint64_t)w[1] << 32;
}

static unsigned bit(uint64_t v, unsigned n)
{
    return v >> n & 1;
}

static const char *ttm_name(unsigned ttm)
{
    static const char *const names[] = { "legacy", "scalable", "reserved", "abort-dma" };

    return names[ttm & 3];
}

static void dump_unit(const char *name, volatile uint8_t *r)
{
    uint64_t cap = rd64(r, 0x08), ecap = rd64(r, 0x10);
    uint32_t gsts = *(volatile uint32_t *)(r + 0x1c);
    uint64_t rtaddr = rd64(r, 0x20), iqa = rd64(r, 0x90);
    unsigned ttm = rtaddr >> 10 & 3;

    printf("VTM-INFO: regs: %s CAP 0x%016" PRIx64 " (SAGAW 0x%x MGAW %u FL1GP %u FL5LP %u CM %u)\n",
           name, cap, (unsigned)(cap >> 8 & 0x1f), (unsigned)(cap >> 16 & 0x3f) + 1,
           bit(cap, 56), bit(cap, 60), bit(cap, 7));
    printf("VTM-INFO: regs: %s ECAP 0x%016" PRIx64 " (SMTS %u FLTS %u SLTS %u PASID %u PSS %u"
           " SMPWC %u PT %u)\n", name, ecap, bit(ecap, 43), bit(ecap, 47), bit(ecap, 46),
           bit(ecap, 40), (unsigned)(ecap >> 35 & 0x1f), bit(ecap, 48), bit(ecap, 6));
    printf("VTM-INFO: regs: %s GSTS 0x%08x (TES %u RTPS %u QIES %u IRES %u)\n", name, gsts,
           gsts >> 31 & 1, gsts >> 30 & 1, gsts >> 26 & 1, gsts >> 25 & 1);
    printf("VTM-INFO: regs: %s RTADDR 0x%016" PRIx64 " (TTM %u: %s)\n", name, rtaddr, ttm,
           ttm_name(ttm));
    printf("VTM-INFO: regs: %s IQA 0x%016" PRIx64 " (DW %u: %u-bit descriptors, QS %u)\n",
           name, iqa, bit(iqa, 11), bit(iqa, 11) ? 256 : 128, (unsigned)(iqa & 7));
    printf("VTM-INFO: regs: %s mode %s (TTM %u) DW %u TES %u\n", name, ttm_name(ttm), ttm,
           bit(iqa, 11), gsts >> 31 & 1);
}

int main(void)
{
    DIR *d = opendir("/sys/class/iommu");
    struct dirent *e;
    int units = 0, mem;

    if (!d) {
        printf("VTM-INFO: regs: no /sys/class/iommu\n");
        return 1;
    }
    mem = open("/dev/mem", O_RDONLY | O_SYNC);
    if (mem < 0) {
        printf("VTM-INFO: regs: cannot open /dev/mem\n");
        closedir(d);
        return 1;
    }
    while ((e = readdir(d))) {
        uint64_t base;
        volatile uint8_t *r;

        if (strncmp(e->d_name, "dmar", 4) || read_hex(e->d_name, "address", &base))
            continue;
        r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mem, base);
        if (r == MAP_FAILED) {
            printf("VTM-INFO: regs: %s: cannot map 0x%" PRIx64 " (iomem=relaxed?)\n",
                   e->d_name, base);
            continue;
        }
        dump_unit(e->d_name, r);
        munmap((void *)r, 4096);
        units++;
    }
    closedir(d);
    close(mem);
    return units ? 0 : 1;
}
