/*
 * carve-vsock — a vhost-user-vsock backend for QEMU's nitro-enclave machine.
 * One epoll loop: the vhost-user socket, the rings' kick eventfds, the host
 * listeners and every connection's host socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "atomicfile.h"
#include "dev.h"
#include "errors.h"

#define MAX_FORWARDS 32

static const char usage_text[] =
	"Usage: carve-vsock --socket PATH --uds PATH [options]\n"
	"\n"
	"A vhost-user-vsock backend for qemu-system-x86_64 -M nitro-enclave,vsock=ID\n"
	"with -chardev socket,id=ID,path=PATH.  The guest's vsock device talks to\n"
	"Unix sockets on the host:\n"
	"  guest connect to CID 3 (or 2), port P  ->  connect to the Unix socket UDS_P\n"
	"  host connect to UDS, send \"CONNECT P\\n\"  ->  \"OK P\\n\", then a stream to\n"
	"                                            the guest's listener on port P\n"
	"Built in, unless someone listens on UDS_9000 / UDS_9001: the heartbeat\n"
	"responder on port 9000 (echoes 0xB7) and the receiver of init's exit-status\n"
	"line on port 9001.  Event lines on stderr carry seconds since QEMU started.\n"
	"\n"
	"Options:\n"
	"  --socket PATH          vhost-user socket to listen on (QEMU connects to it)\n"
	"  --uds PATH             base path of the host Unix sockets (see above)\n"
	"  --cid N                guest CID (default 16; not 0-2, < 2^32-1)\n"
	"  --heartbeat MODE       echo (default), none (refuse port 9000) or wrong\n"
	"                         (answer a wrong byte): for testing init's handling\n"
	"  --forward HOST:VSOCK   listen on 127.0.0.1:HOST (TCP) and connect each client\n"
	"                         to the guest's vsock port VSOCK (repeatable)\n"
	"  --status-file FILE     write the exit status init reports (\"N\\n\")\n"
	"  --once                 exit when QEMU disconnects (default: wait for the next)\n"
	"  --verbose              log every connection\n"
	"  --help                 this text\n"
	"\n"
	"Exit status: 0 after --once or SIGTERM/SIGINT, 1 on a setup error.\n";

struct listener {
	struct watch w;
	int fd;
	uint32_t guest_port; /* TCP forwards */
};

struct backend {
	struct dev dev;
	struct listener vhost_listen, uds_listen, tcp[MAX_FORWARDS], sig;
	unsigned ntcp;
	struct watch vhost_w;
	int vhost_fd;
	bool once, quit;
};

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Bind under a temporary name and rename: the path appears only once it accepts. */
static int listen_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char tmp[sizeof(a.sun_path)];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, tmp, sizeof(tmp));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    rename(tmp, path) < 0) {
		int err = -errno;
		unlink(tmp);
		close(fd);
		return err;
	}
	return fd;
}

static int listen_tcp(uint32_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int watch_fd(struct backend *b, int fd, void *w)
{
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = w};
	return epoll_ctl(b->dev.epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

/* QEMU's start time, from its /proc entry (10 ms resolution), else now. */
static uint64_t peer_start_ns(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	uint64_t now = dev_now_ns();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return now;
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)cr.pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return now;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Field 22 (starttime) counts from the last ')' (the name may hold spaces). */
	char *p = strrchr(buf, ')');
	if (!p)
		return now;
	unsigned long long start = 0;
	int field = 2;
	for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " "))
		if (++field == 22) {
			start = strtoull(tok, NULL, 10);
			break;
		}
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t t = hz > 0 ? (uint64_t)start * (1000000000u / (uint64_t)hz) : 0;
	return t && t <= now ? t : now;
}

static void vhost_disconnect(struct backend *b)
{
	/* QEMU exits on the guest's final reboot without stopping the rings:
	 * guest memory is still mapped, so take what the guest queued last
	 * (init's exit status races with QEMU's exit on a loaded host). */
	dev_drain_tx(&b->dev);
	epoll_ctl(b->dev.epfd, EPOLL_CTL_DEL, b->vhost_fd, NULL);
	close(b->vhost_fd);
	b->vhost_fd = -1;
	dev_attach(&b->dev, 0); /* drops the guest's connections, unmaps guest memory */
	if (b->once)
		b->quit = true;
	else
		watch_fd(b, b->vhost_listen.fd, &b->vhost_listen);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		done += (size_t)n;
	}
	return 0;
}

/* One vhost-user message: header with fds, payload, reply. */
static int vhost_message(struct backend *b)
{
	struct vhu_msg m = {0};
	uint8_t hdr[VHU_HDR_SIZE];
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = hdr, .iov_len = sizeof(hdr)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;
	do
		n = recvmsg(b->vhost_fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? -ECONNRESET : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);
			for (size_t i = 0; i < k; i++) {
				if (m.nfds < VHU_MAX_FDS)
					m.fds[m.nfds++] = fds[i];
				else
					close(fds[i]);
			}
		}
	int err = (size_t)n == sizeof(hdr) ? 0 : -EPROTO;
	if (!err)
		err = vhu_check_header(hdr, &m.req, &m.flags, &m.size);
	if (!err)
		err = read_full(b->vhost_fd, m.payload, m.size);
	if (err) {
		for (unsigned i = 0; i < m.nfds; i++)
			close(m.fds[i]);
		return err;
	}
	/* A stopping ring first delivers what the guest queued (init's exit
	 * status is often the last thing it sends before the VM ends). */
	if (m.req == VHU_GET_VRING_BASE)
		dev_drain_tx(&b->dev);
	uint8_t reply[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rlen;
	dev_unwatch_kicks(&b->dev);
	err = vhu_handle(&b->dev.vhu, &m, reply, &rlen);
	if (err)
		return err;
	dev_after_vhost(&b->dev);
	return rlen ? write_all(b->vhost_fd, reply, rlen) : 0;
}

static void accept_on(struct backend *b, struct listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (l->w.kind == W_VHOST_LISTEN) {
			if (b->vhost_fd >= 0) { /* one QEMU at a time */
				close(fd);
				continue;
			}
			/* vhost-user replies are written synchronously: keep it blocking. */
			int fl = fcntl(fd, F_GETFL);
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			b->vhost_fd = fd;
			dev_attach(&b->dev, peer_start_ns(fd));
			watch_fd(b, fd, &b->vhost_w);
			epoll_ctl(b->dev.epfd, EPOLL_CTL_DEL, l->fd, NULL);
			return;
		}
		/* Host streams are useless until QEMU's guest is there, but they wait. */
		dev_host_stream(&b->dev, fd, l->w.kind == W_UDS_LISTEN, l->guest_port);
	}
}

static int run(struct backend *b)
{
	struct epoll_event ev[64];
	while (!b->quit) {
		int n = epoll_wait(b->dev.epfd, ev, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_print(-errno, "wait for events");
		}
		for (int i = 0; i < n && !b->quit; i++) {
			struct watch *w = ev[i].data.ptr;
			switch (w->kind) {
			case W_VHOST_LISTEN:
			case W_UDS_LISTEN:
			case W_TCP_LISTEN:
				accept_on(b, (struct listener *)w);
				break;
			case W_VHOST: {
				int err = vhost_message(b);
				if (err) {
					if (err != -ECONNRESET)
						err_print(err, "handle a vhost-user message from QEMU");
					vhost_disconnect(b);
				}
				break;
			}
			case W_KICK:
				dev_kick(&b->dev, ((struct kick_watch *)w)->queue);
				break;
			case W_CONN:
				dev_conn_event(&b->dev, (struct conn *)w, ev[i].events);
				break;
			case W_SIGNAL:
				b->quit = true;
				break;
			}
		}
		dev_end_batch(&b->dev);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'}, {"uds", required_argument, NULL, 'u'},
		{"cid", required_argument, NULL, 'c'}, {"heartbeat", required_argument, NULL, 'H'},
		{"forward", required_argument, NULL, 'f'}, {"status-file", required_argument, NULL, 'S'},
		{"once", no_argument, NULL, 'o'}, {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'}, {0},
	};
	static struct backend b;
	struct dev_opts o = {.guest_cid = 16, .heartbeat = HB_ECHO};
	const char *vhost_path = NULL;
	uint32_t fwd_host[MAX_FORWARDS], fwd_guest[MAX_FORWARDS];
	err_set_prog(argv[0]);
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		uint32_t v;
		switch (opt) {
		case 's': vhost_path = optarg; break;
		case 'u': o.uds_path = optarg; break;
		case 'c':
			if (parse_u32(optarg, &v) < 0 || v <= 2 || v == UINT32_MAX) {
				err_msg("invalid --cid '%s': want 3..4294967294", optarg);
				return 1;
			}
			o.guest_cid = v;
			break;
		case 'H':
			if (!strcmp(optarg, "echo"))
				o.heartbeat = HB_ECHO;
			else if (!strcmp(optarg, "none"))
				o.heartbeat = HB_NONE;
			else if (!strcmp(optarg, "wrong"))
				o.heartbeat = HB_WRONG;
			else {
				err_msg("invalid --heartbeat '%s': want echo, none or wrong", optarg);
				return 1;
			}
			break;
		case 'f': {
			char *colon = strchr(optarg, ':');
			uint32_t hp, gp;
			if (b.ntcp == MAX_FORWARDS || !colon) {
				err_msg("invalid --forward '%s': want HOSTPORT:VSOCKPORT (at most %d)",
					optarg, MAX_FORWARDS);
				return 1;
			}
			*colon = 0;
			if (parse_u32(optarg, &hp) < 0 || hp == 0 || hp > 65535 ||
			    parse_u32(colon + 1, &gp) < 0) {
				*colon = ':';
				err_msg("invalid --forward '%s': want HOSTPORT:VSOCKPORT", optarg);
				return 1;
			}
			fwd_host[b.ntcp] = hp;
			fwd_guest[b.ntcp++] = gp;
			break;
		}
		case 'S': o.status_file = optarg; break;
		case 'o': b.once = true; break;
		case 'v': o.verbose = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: err_msg("see --help"); return 1;
		}
	}
	if (optind != argc || !vhost_path || !o.uds_path) {
		err_msg("need --socket PATH and --uds PATH (see --help)");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	int err = dev_init(&b.dev, &o);
	if (err)
		return err_print(err, "create the event loop"), 1;
	b.vhost_fd = -1;
	b.vhost_w.kind = W_VHOST;
	b.vhost_listen.w.kind = W_VHOST_LISTEN;
	b.uds_listen.w.kind = W_UDS_LISTEN;
	b.sig.w.kind = W_SIGNAL;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((b.sig.fd = signalfd(-1, &ss, SFD_CLOEXEC)) < 0 || watch_fd(&b, b.sig.fd, &b.sig) < 0)
		return err_print(-errno, "watch signals"), 1;
	if ((b.uds_listen.fd = listen_unix(o.uds_path)) < 0)
		return err_print(b.uds_listen.fd, "listen on %s", o.uds_path), 1;
	watch_fd(&b, b.uds_listen.fd, &b.uds_listen);
	for (unsigned i = 0; i < b.ntcp; i++) {
		b.tcp[i].w.kind = W_TCP_LISTEN;
		b.tcp[i].guest_port = fwd_guest[i];
		if ((b.tcp[i].fd = listen_tcp(fwd_host[i])) < 0)
			return err_print(b.tcp[i].fd, "listen on TCP port %u", fwd_host[i]), 1;
		watch_fd(&b, b.tcp[i].fd, &b.tcp[i]);
	}
	/* Last: QEMU may connect as soon as this path exists. */
	if ((b.vhost_listen.fd = listen_unix(vhost_path)) < 0)
		return err_print(b.vhost_listen.fd, "listen on %s", vhost_path), 1;
	watch_fd(&b, b.vhost_listen.fd, &b.vhost_listen);
	int rc = run(&b) < 0 ? 1 : 0;
	dev_release(&b.dev);
	unlink(vhost_path);
	unlink(o.uds_path);
	return rc;
}
