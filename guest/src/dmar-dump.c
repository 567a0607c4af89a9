/*
 * dmar-dump: decodes and checks the ACPI DMAR table the guest firmware
 * was given (VT-d spec, chapter 8 "BIOS Considerations").
 *
 * Usage: dmar-dump [TABLE]   (default /sys/firmware/acpi/tables/DMAR)
 *
 * Prints one line per remapping structure and device scope, and exits
 * non-zero if the table is malformed: wrong signature, length that does
 * not match, checksum not zero, a structure or scope running past its
 * parent, or no DRHD at all.  Built static for the guest initramfs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int errors;

#define BAD(...) do { printf("DMAR-ERROR: " __VA_ARGS__); putchar('\n'); \
                      errors++; } while (0)

static unsigned get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static const char *scope_name(unsigned t)
{
    static const char *names[] = { "reserved", "pci-endpoint", "pci-subhierarchy",
                                   "ioapic", "hpet", "acpi-namespace" };
    return t < 6 ? names[t] : "unknown";
}

/* Device scopes (section 8.3.1) from p to end. */
static void dump_scopes(const uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        unsigned len;
        if (end - p < 6) {
            BAD("device scope header truncated");
            return;
        }
        len = p[1];
        if (len < 6 || p + len > end || (len - 6) % 2) {
            BAD("device scope length %u invalid", len);
            return;
        }
        printf("  scope %s id=%u bus=0x%02x path=", scope_name(p[0]), p[4], p[5]);
        for (unsigned i = 6; i < len; i += 2) {
            printf("%s%02x.%x", i > 6 ? "/" : "", p[i], p[i + 1]);
        }
        printf("\n");
        p += len;
    }
}

/* One remapping structure (section 8.3 to 8.8); returns its length. */
static unsigned dump_struct(const uint8_t *p, const uint8_t *end, int *drhds)
{
    unsigned type, len;

    if (end - p < 4) {
        BAD("remapping structure header truncated");
        return 0;
    }
    type = get16(p);
    len = get16(p + 2);
    if (len < 4 || p + len > end) {
        BAD("remapping structure type %u length %u runs past the table", type, len);
        return 0;
    }
    switch (type) {
    case 0:
        if (len < 16) {
            BAD("DRHD length %u < 16", len);
            break;
        }
        (*drhds)++;
        printf("DRHD flags=0x%x%s segment=%u base=0x%llx\n", p[4],
               p[4] & 1 ? " (include-pci-all)" : "", get16(p + 6),
               (unsigned long long)get64(p + 8));
        dump_scopes(p + 16, p + len);
        break;
    case 1:
        if (len < 24) {
            BAD("RMRR length %u < 24", len);
            break;
        }
        printf("RMRR segment=%u base=0x%llx limit=0x%llx\n", get16(p + 6),
               (unsigned long long)get64(p + 8), (unsigned long long)get64(p + 16));
        dump_scopes(p + 24, p + len);
        break;
    case 2:
    case 5:
        if (len < 8) {
            BAD("%s length %u < 8", type == 2 ? "ATSR" : "SATC", len);
            break;
        }
        printf("%s flags=0x%x segment=%u\n", type == 2 ? "ATSR" : "SATC", p[4],
               get16(p + 6));
        dump_scopes(p + 8, p + len);
        break;
    case 3:
        printf("RHSA base=0x%llx domain=%u\n",
               len >= 20 ? (unsigned long long)get64(p + 8) : 0ULL,
               len >= 20 ? get32(p + 16) : 0);
        break;
    default:
        printf("STRUCT type=%u length=%u\n", type, len);
        break;
    }
    return len;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/sys/firmware/acpi/tables/DMAR";
    static uint8_t buf[65536];
    size_t n;
    uint8_t sum = 0;
    int drhds = 0;
    FILE *f = fopen(path, "rb");

    if (!f) {
        printf("DMAR-ERROR: cannot open %s\n", path);
        return 2;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n < 48 || memcmp(buf, "DMAR", 4)) {
        printf("DMAR-ERROR: %s is not a DMAR table (%zu bytes)\n", path, n);
        return 1;
    }
    if (get32(buf + 4) != n) {
        BAD("header length %u, table has %zu bytes", get32(buf + 4), n);
    }
    for (size_t i = 0; i < n; i++) {
        sum += buf[i];
    }
    printf("DMAR length=%zu revision=%u checksum=%s oem=%.6s haw=%u flags=0x%x%s%s\n",
           n, buf[8], sum ? "BAD" : "ok", (const char *)buf + 10, buf[36] + 1,
           buf[37], buf[37] & 1 ? " (intr-remap)" : "",
           buf[37] & 2 ? " (x2apic-opt-out)" : "");
    if (sum) {
        BAD("checksum: bytes sum to 0x%02x, not 0", sum);
    }
    for (const uint8_t *p = buf + 48; p < buf + n;) {
        unsigned len = dump_struct(p, buf + n, &drhds);
        if (!len) {
            break;
        }
        p += len;
    }
    if (!drhds) {
        BAD("no DRHD structure");
    }
    printf("DMAR %s: %d DRHD, %d error(s)\n", errors ? "INVALID" : "valid", drhds, errors);
    return errors ? 1 : 0;
}
