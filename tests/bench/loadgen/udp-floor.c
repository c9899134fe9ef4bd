/* udp-floor.c: the kernel's own cost of an SFU's sends, with nothing of an SFU around them.
 *
 * An SFU that forwards one packet to N subscribers makes N UDP sends, each to another address. This
 * program makes exactly those sends, of datagrams of the forwarded packets' size, at the forwarded
 * rate, and reports its own CPU time (utime + stime, every thread, from getrusage) per datagram:
 * the floor under any SFU's CPU per forwarded packet on this machine and network path, since no SFU
 * can send a datagram for less than the kernel charges for it. Two ways of sending: sendto:   one
 * socket per subscriber (each peer has its own ICE socket, as with libnice), one sendto() per
 * datagram: what phonghop does; sendmmsg: one socket for all subscribers, one sendmmsg() per
 * forwarded packet carrying all its copies: the most a shared socket could batch. The receiver side
 * (--receive) drains the ports with recvmmsg and counts what arrived.
 *
 *   udp-floor --receive --address A --port P --count N
 *   udp-floor --send --address A --to B --port P --count N --mode sendto|sendmmsg
 *             [--size 1100] [--pps 178] [--seconds 10]
 *
 * The sender prints one JSON line: mode, subscribers, datagrams sent, CPU microseconds per
 * datagram. run by udp-floor.sh inside the same pair of network namespaces as run.sh. A benchmark
 * tool: it prints figures and fails only when it cannot run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBSCRIBERS 256
#define MAX_SIZE        1500

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void die(const char *what)
{
    fprintf(stderr, "udp-floor: %s: %s\n", what, strerror(errno));
    exit(2);
}

static double cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        die("getrusage");
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bound_socket(const char *address, int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket");
    int buf = 2 * 1024 * 1024; /* as phonghop's media sockets */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        fprintf(stderr, "udp-floor: not an IPv4 address: %s\n", address);
        exit(2);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("bind");
    return fd;
}

static int receive(const char *address, int port, int count)
{
    struct pollfd fds[MAX_SUBSCRIBERS];
    for (int i = 0; i < count; i++) {
        fds[i].fd = bound_socket(address, port + i);
        fds[i].events = POLLIN;
    }
    static char bufs[64][MAX_SIZE];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    unsigned long long received = 0;
    printf("ready\n");
    fflush(stdout);
    while (!stop) {
        if (poll(fds, (nfds_t)count, 200) < 0 && errno != EINTR)
            die("poll");
        for (int i = 0; i < count; i++) {
            if (!(fds[i].revents & POLLIN))
                continue;
            for (;;) {
                for (int k = 0; k < 64; k++) {
                    iov[k] = (struct iovec){bufs[k], MAX_SIZE};
                    msgs[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
                }
                int n = recvmmsg(fds[i].fd, msgs, 64, MSG_DONTWAIT, NULL);
                if (n <= 0)
                    break;
                received += (unsigned long long)n;
            }
        }
    }
    printf("{\"received\":%llu}\n", received);
    return 0;
}

static int send_all(const char *address, const char *to, int port, int count, int use_mmsg,
                    int size, double pps, double seconds)
{
    int fds[MAX_SUBSCRIBERS];
    struct sockaddr_in dst[MAX_SUBSCRIBERS];
    int n_fds = use_mmsg ? 1 : count;
    for (int i = 0; i < n_fds; i++)
        fds[i] = bound_socket(address, port + 1000 + i);
    for (int i = 0; i < count; i++) {
        dst[i] =
            (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + i))};
        inet_pton(AF_INET, to, &dst[i].sin_addr);
    }
    static char payload[MAX_SIZE];
    memset(payload, 0xa5, sizeof(payload));
    struct mmsghdr msgs[MAX_SUBSCRIBERS];
    struct iovec iov = {payload, (size_t)size};
    for (int i = 0; i < count; i++)
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &dst[i],
                                               .msg_namelen = sizeof(dst[i]),
                                               .msg_iov = &iov,
                                               .msg_iovlen = 1}};
    unsigned long long sent = 0, failed = 0;
    double period = 1.0 / pps, start = now_s(), cpu0 = cpu_us();
    double next = start;
    while (!stop && now_s() - start < seconds) {
        if (use_mmsg) {
            int done = 0;
            while (done < count) {
                int n = sendmmsg(fds[0], msgs + done, (unsigned)(count - done), 0);
                if (n <= 0) {
                    failed += (unsigned long long)(count - done);
                    break;
                }
                done += n;
            }
            sent += (unsigned long long)done;
        } else {
            for (int i = 0; i < count; i++) {
                if (sendto(fds[i], payload, (size_t)size, 0, (struct sockaddr *)&dst[i],
                           sizeof(dst[i])) == size)
                    sent++;
                else
                    failed++;
            }
        }
        next += period;
        double wait = next - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    double cpu = cpu_us() - cpu0, wall = now_s() - start;
    printf("{\"mode\":\"%s\",\"subscribers\":%d,\"size\":%d,\"packets_per_s\":%.0f,"
           "\"datagrams\":%llu,\"failed\":%llu,\"wall_s\":%.2f,\"cpu_us\":%.0f,"
           "\"cpu_us_per_datagram\":%.3f}\n",
           use_mmsg ? "sendmmsg" : "sendto", count, size, pps, sent, failed, wall, cpu,
           sent ? cpu / (double)sent : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *address = NULL, *to = NULL, *mode = "sendto";
    int receiving = 0, port = 40000, count = 32, size = 1100;
    double pps = 178, seconds = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--receive"))
            receiving = 1;
        else if (!strcmp(a, "--send"))
            receiving = 0;
        else if (v && !strcmp(a, "--address"))
            address = argv[++i];
        else if (v && !strcmp(a, "--to"))
            to = argv[++i];
        else if (v && !strcmp(a, "--port"))
            port = atoi(argv[++i]);
        else if (v && !strcmp(a, "--count"))
            count = atoi(argv[++i]);
        else if (v && !strcmp(a, "--mode"))
            mode = argv[++i];
        else if (v && !strcmp(a, "--size"))
            size = atoi(argv[++i]);
        else if (v && !strcmp(a, "--pps"))
            pps = atof(argv[++i]);
        else if (v && !strcmp(a, "--seconds"))
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "udp-floor: unknown or incomplete option %s\n", a);
            return 2;
        }
    }
    if (!address || count < 1 || count > MAX_SUBSCRIBERS || port < 1 ||
        port + 1000 + count > 65535 || size < 1 || size > MAX_SIZE || pps <= 0 || seconds <= 0 ||
        (!receiving && (!to || (strcmp(mode, "sendto") && strcmp(mode, "sendmmsg"))))) {
        fprintf(stderr, "udp-floor: see the usage at the top of udp-floor.c\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (receiving)
        return receive(address, port, count);
    return send_all(address, to, port, count, !strcmp(mode, "sendmmsg"), size, pps, seconds);
}
