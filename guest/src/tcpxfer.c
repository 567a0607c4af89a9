/*
 * tcpxfer: moves one file over one TCP connection, for the NIC scenario.
 *
 * Usage: tcpxfer recv PORT FILE        accept one connection on PORT,
 *                                      write what arrives to FILE
 *        tcpxfer send ADDR PORT FILE   connect (retrying for up to 20 s
 *                                      while nobody listens), send FILE,
 *                                      half-close, wait for the peer's close
 *
 * Prints "tcpxfer: sent|received N bytes in S s (R MB/s)" on stderr.
 * Exit status 0 on success.  Which interface carries the connection is
 * the scenario's business (guest/scenarios/net.sh puts the two NICs in two
 * network namespaces, so that it cannot be the loopback).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)
#define IO_TIMEOUT_S 120

static void die(const char *what)
{
    fprintf(stderr, "tcpxfer: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timeouts(int fd)
{
    struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void report(const char *verb, long long n, double t)
{
    fprintf(stderr, "tcpxfer: %s %lld bytes in %.2f s (%.1f MB/s)\n", verb, n, t,
            t > 0 ? n / t / 1e6 : 0.0);
}

static int do_recv(int port, const char *file)
{
    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        die("socket");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (bind(ls, (void *)&a, sizeof(a)) < 0)
        die("bind");
    if (listen(ls, 1) < 0)
        die("listen");
    int out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        die(file);
    struct pollfd pfd = { .fd = ls, .events = POLLIN };
    int pr = poll(&pfd, 1, IO_TIMEOUT_S * 1000);
    if (pr == 0) {
        fprintf(stderr, "tcpxfer: nobody connected within %d s\n", IO_TIMEOUT_S);
        return 1;
    }
    if (pr < 0)
        die("poll");
    int s = accept(ls, NULL, NULL);
    if (s < 0)
        die("accept");
    close(ls);
    timeouts(s);
    char *buf = malloc(BUF);
    long long total = 0;
    double t0 = now();
    for (;;) {
        ssize_t n = read(s, buf, BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read from the network");
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, n - off);
            if (w < 0)
                die("write");
            off += w;
        }
        total += n;
    }
    if (close(out) < 0)
        die("close");
    close(s);
    report("received", total, now() - t0);
    return 0;
}

static int do_send(const char *addr, int port, const char *file)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        fprintf(stderr, "tcpxfer: bad address %s\n", addr);
        return 2;
    }
    int in = open(file, O_RDONLY);
    if (in < 0)
        die(file);
    int s = -1;
    double give_up = now() + 20;
    for (;;) {
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0)
            die("socket");
        if (connect(s, (void *)&a, sizeof(a)) == 0)
            break;
        if ((errno != ECONNREFUSED && errno != ENETUNREACH && errno != EHOSTUNREACH) ||
            now() > give_up)
            die("connect");
        close(s);
        usleep(100000);
    }
    timeouts(s);
    char *buf = malloc(BUF);
    long long total = 0;
    double t0 = now();
    for (;;) {
        ssize_t n = read(in, buf, BUF);
        if (n < 0)
            die("read");
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(s, buf + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                die("write to the network");
            off += w;
        }
        total += n;
    }
    if (shutdown(s, SHUT_WR) < 0)
        die("shutdown");
    /* The receiver closes after it has everything. */
    for (;;) {
        ssize_t n = read(s, buf, BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("waiting for the receiver to close");
        if (n == 0)
            break;
    }
    close(s);
    report("sent", total, now() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "recv"))
        return do_recv(atoi(argv[2]), argv[3]);
    if (argc == 5 && !strcmp(argv[1], "send"))
        return do_send(argv[2], atoi(argv[3]), argv[4]);
    fprintf(stderr, "usage: tcpxfer recv PORT FILE | tcpxfer send ADDR PORT FILE\n");
    return 2;
}
