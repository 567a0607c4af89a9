/*
 * dmar-frcd: prints the fault status and the fault recording registers of
 * every DMAR unit, as software sees them, for the log of a scenario whose
 * device saw a fault the kernel may not have reported in full.
 *
 * Usage: dmar-frcd       (needs /dev/mem with iomem=relaxed, as root)
 *
 * Output, one "VTM-INFO: frcd: ..." line for FSTS and one per record whose
 * F bit is set (or every record with -a):
 *   dmar0 FSTS 0x00000102 (PPF 1 PFO 0 FRI 1), 8 records at +0x200
 *   dmar0 FRCD[0] F 1 T write reason 0x05 SID 00:01.0 addr 0x80100000
 * Reads only; clears nothing.  Exit status 0, or 1 when no unit was read.
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


int main(int argc, char **argv)
{
    int all = argc > 1 && !strcmp(argv[1], "-a");
    int units = 0;
    DIR *d = opendir("/sys/class/iommu");
    struct dirent *e;

    if (!d) {
        printf("VTM-INFO: frcd: no /sys/class/iommu\n");
        return 1;
    }
    int mem = open("/dev/mem", O_RDONLY | O_SYNC);
    if (mem < 0) {
        printf("VTM-INFO: frcd: cannot open /dev/mem\n");
        return 1;
    }
    while ((e = readdir(d))) {
        uint64_t base, cap;
        if (strncmp(e->d_name, "dmar", 4) || read_hex(e->d_name, "address", &base) ||
            read_hex(e->d_name, "cap", &cap))
            continue;
        unsigned fro = ((cap >> 24) & 0x3ff) * 16, nfr = ((cap >> 40) & 0xff) + 1;
        size_t len = fro + nfr * 16;
        len = (len + 4095) & ~(size_t)4095;
        volatile uint8_t *r = mmap(NULL, len, PROT_READ, MAP_SHARED, mem, base);
        if (r == MAP_FAILED) {
            printf("VTM-INFO: frcd: %s: cannot map 0x%" PRIx64 " (iomem=relaxed?)\n",
                   e->d_name, base);
            continue;
        }
        uint32_t fsts = *(volatile uint32_t *)(r + 0x34);
        printf("VTM-INFO: frcd: %s FSTS 0x%08x (PPF %u PFO %u FRI %u), %u records at +0x%x\n",
               e->d_name, fsts, fsts >> 1 & 1, fsts & 1, fsts >> 8 & 0xff, nfr, fro);
        for (unsigned i = 0; i < nfr; i++) {
            volatile uint32_t *w = (volatile uint32_t *)(r + fro + i * 16);
            uint64_t lo = w[0] | (uint64_t)w[1] << 32;
            uint32_t sid = w[2], hi = w[3];
            if (!(hi >> 31) && !all)
                continue;
            printf("VTM-INFO: frcd: %s FRCD[%u] F %u T %s reason 0x%02x SID %02x:%02x.%u addr 0x%" PRIx64 "\n",
                   e->d_name, i, hi >> 31, (hi >> 30 & 1) ? "read" : "write", hi & 0xff,
                   sid >> 8 & 0xff, sid >> 3 & 0x1f, sid & 7, lo & ~(uint64_t)0xfff);
        }
        munmap((void *)r, len);
        units++;
    }
    closedir(d);
    return units ? 0 : 1;
}
