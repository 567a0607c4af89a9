/*
 * nvme-virt-mgmt: brings an NVMe SR-IOV secondary controller online through
 * the primary's Virtualization Management admin command (NVMe 2.0 base
 * specification 5.22, opcode 0x1C), sent by the Linux nvme driver
 * (NVME_IOCTL_ADMIN_CMD on the primary's character device).
 *
 * Usage:
 *   nvme-virt-mgmt DEV free-primary
 *       the primary gives up its flexible queue and interrupt resources
 *       (Primary Controller Flexible Allocation of 0); they are released
 *       at the primary's next function level reset
 *   nvme-virt-mgmt DEV online VFN NVQ NVI
 *       the secondary controller of virtual function VFN (found in the
 *       Identify Secondary Controller List, CNS 0x15) gets NVQ queue and
 *       NVI interrupt resources and goes online
 * Prints "VTM-INFO: virt-mgmt: ..." lines.  Exit status 0 on success.
 */
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum {
    OPC_IDENTIFY = 0x06,
    OPC_VIRT_MGMT = 0x1c,
    CNS_SEC_CTRL_LIST = 0x15,
    ACT_PRIMARY_ALLOC = 0x1,
    ACT_SEC_ASSIGN = 0x8,
    ACT_SEC_ONLINE = 0x9,
    RT_QUEUE = 0,
    RT_INTERRUPT = 1,
};

/* Secondary Controller Entry (Identify CNS 0x15), little endian */
struct sec_ctrl {
    uint16_t scid, pcid;
    uint8_t scs, rsvd5[3];
    uint16_t vfn, nvq, nvi;
    uint8_t rsvd14[18];
};

static int admin(int fd, struct nvme_passthru_cmd *c, const char *what)
{
    int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, c);

    if (r != 0) {
        printf("VTM-INFO: virt-mgmt: %s: %s 0x%x\n", what,
               r < 0 ? "ioctl failed" : "status", r < 0 ? 0 : r);
        return -1;
    }
    return 0;
}

static int virt_mgmt(int fd, int act, int rt, int cntlid, int nr)
{
    struct nvme_passthru_cmd c = {
        .opcode = OPC_VIRT_MGMT,
        .cdw10 = act | rt << 8 | (uint32_t)cntlid << 16,
        .cdw11 = nr,
    };
    char what[64];

    snprintf(what, sizeof(what), "action %d type %s cntlid %d nr %d",
             act, rt == RT_QUEUE ? "VQ" : "VI", cntlid, nr);
    if (admin(fd, &c, what)) {
        return -1;
    }
    printf("VTM-INFO: virt-mgmt: %s: done\n", what);
    return 0;
}

/* The secondary controller entry of virtual function vfn, or -1. */
static int find_sec(int fd, int vfn, struct sec_ctrl *out)
{
    static uint8_t buf[4096] __attribute__((aligned(4096)));
    struct nvme_passthru_cmd c = {
        .opcode = OPC_IDENTIFY,
        .addr = (uintptr_t)buf,
        .data_len = sizeof(buf),
        .cdw10 = CNS_SEC_CTRL_LIST,
    };
    struct sec_ctrl *s = (struct sec_ctrl *)(buf + 32);

    if (admin(fd, &c, "identify secondary controller list")) {
        return -1;
    }
    for (int i = 0; i < buf[0]; i++) {
        if (s[i].vfn == vfn) {
            *out = s[i];
            return 0;
        }
    }
    printf("VTM-INFO: virt-mgmt: no secondary controller for VF %d"
           " (%d listed)\n", vfn, buf[0]);
    return -1;
}

static int online(int fd, int vfn, int nvq, int nvi)
{
    struct sec_ctrl s;

    if (find_sec(fd, vfn, &s) ||
        virt_mgmt(fd, ACT_SEC_ASSIGN, RT_QUEUE, s.scid, nvq) ||
        virt_mgmt(fd, ACT_SEC_ASSIGN, RT_INTERRUPT, s.scid, nvi) ||
        virt_mgmt(fd, ACT_SEC_ONLINE, RT_QUEUE, s.scid, 0) ||
        find_sec(fd, vfn, &s)) {
        return 1;
    }
    printf("VTM-INFO: virt-mgmt: VF %d: secondary controller %d, %s,"
           " %d queues, %d interrupts\n", vfn, s.scid,
           s.scs & 1 ? "online" : "offline", s.nvq, s.nvi);
    return !(s.scs & 1);
}

int main(int argc, char **argv)
{
    int fd;

    if (argc < 3) {
        fprintf(stderr, "usage: %s DEV free-primary|online VFN NVQ NVI\n",
                argv[0]);
        return 2;
    }
    fd = open(argv[1], O_RDWR);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    if (!strcmp(argv[2], "free-primary")) {
        struct sec_ctrl s;

        /* the primary's controller id, from its first secondary's entry */
        return find_sec(fd, 1, &s) ||
               virt_mgmt(fd, ACT_PRIMARY_ALLOC, RT_QUEUE, s.pcid, 0) ||
               virt_mgmt(fd, ACT_PRIMARY_ALLOC, RT_INTERRUPT, s.pcid, 0);
    }
    if (!strcmp(argv[2], "online") && argc == 6) {
        return online(fd, atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    }
    fprintf(stderr, "%s: unknown command\n", argv[0]);
    return 2;
}
