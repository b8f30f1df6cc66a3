/*
 * LD_PRELOAD shim for run-kernel.sh: gives a network namespace a default congestion control that
 * Linux will not let it choose.
 *
 * Linux lets a namespace other than the initial one make only an "allowed" algorithm
 * (net.ipv4.tcp_allowed_congestion_control, a host-wide sysctl) its default. On a host whose
 * default is bbr and whose allowed list is "reno bbr", a script's `sysctl
 * net.ipv4.tcp_congestion_control=cubic` fails inside the namespace and the script runs under bbr.
 * Rather than change the host's list, the rig preloads this into packetdrill: every TCP socket the
 * script creates gets TCP_CONGESTION = $PDK_DEFAULT_CC (root may pick any available algorithm per
 * socket), but only while the namespace's default is still $PDK_INHERITED_CC, the one it was
 * born with; a script that set a permitted default itself (reno, say) keeps it, and a later
 * setsockopt(TCP_CONGESTION) in the script overrides this as usual. Accepted sockets inherit the
 * listener's algorithm, as they would inherit the namespace default.
 *
 * Built by run-kernel.sh with: cc -shared -fPIC -o default-cc.so default-cc.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int (*real_socket)(int, int, int);

static int namespace_default_is(const char *name)
{
	char buf[64] = { 0 };
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, name) == 0;
}

int socket(int domain, int type, int protocol)
{
	if (real_socket == NULL)
		real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	int fd = real_socket(domain, type, protocol);
	const char *want = getenv("PDK_DEFAULT_CC");
	const char *inherited = getenv("PDK_INHERITED_CC");
	if (fd >= 0 && want != NULL && *want != '\0' && inherited != NULL &&
	    (domain == AF_INET || domain == AF_INET6) &&
	    (type & 0xf) == SOCK_STREAM &&
	    (protocol == 0 || protocol == IPPROTO_TCP) &&
	    namespace_default_is(inherited)) {
		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, want, strlen(want)) != 0)
			perror("default-cc shim: setsockopt(TCP_CONGESTION)");
	}
	return fd;
}
