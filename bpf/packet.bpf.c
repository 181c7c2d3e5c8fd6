/* SPDX-License-Identifier: GPL-2.0 */
/* packet.bpf.c: network packets as entities (CamFlow's packet nodes), so
 * that a TCP or UDP flow can be followed from the sending task to the
 * receiving one: task -> socket (send) -> packet (send_packet) -> socket
 * (receive_packet) -> task (receive).
 *
 * One packet node per TCP segment or UDP datagram that carries data (pure
 * ACKs, SYN and FIN carry none and are left out). The sending end is the
 * net_dev_queue tracepoint (every packet handed to a device, in the
 * sender's context or in softirq for TCP's later transmissions), scoped by
 * the sending socket's own state; the receiving end is the
 * socket_sock_rcv_skb LSM hook (softirq, before the packet is queued on
 * the socket), scoped by the receiving socket's state. Both ends read the
 * packet's identity from its headers (addresses, ports, protocol, TCP
 * sequence number, or UDP IP id and length): a packet sent by an audited
 * socket is kept in packet_map under that identity until an audited socket
 * of this host receives it, so both ends name one node, with CamFlow's
 * versioning, and the map never holds more than the packets in flight (an
 * LRU bounds it; the agent purges a container's leftovers, e.g. packets
 * that left the host, when it ends). A packet from elsewhere gets a node
 * of its own at the receiving end.
 *
 * Packet edges have no acting task: pid, tid and uid are 0. Included into
 * sabpf.bpf.c after socket.bpf.c. */

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_DATA_OFFSET(flags_word) (((flags_word) >> 4) & 0xf) /* first byte after ack_seq */

/* hash of a packet's identity -> the packet's node, while in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct prov_packet);
} packet_map SEC(".maps");

/* Scratch for a packet node being built, per CPU (too big for the stack
 * next to the parsing state). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prov_packet);
} packet_scratch SEC(".maps");

/* ---- parsing ----------------------------------------------------------- */

/* Reads the IPv4 header at `nh`: addresses, id, and the bytes after the IP
 * header (0 when the total length field is 0, as for BIG TCP). */
static __always_inline int packet_read_ipv4(struct sabpf_packet_attrs *a, const void *nh,
					    __u32 *l4_bytes)
{
	struct iphdr ip;
	if (bpf_probe_read_kernel(&ip, sizeof(ip), nh))
		return -1;
	a->family = AF_INET;
	a->protocol = ip.protocol;
	a->ip_id = bpf_ntohs(ip.id);
	__builtin_memcpy(a->saddr, &ip.saddr, 4);
	__builtin_memcpy(a->daddr, &ip.daddr, 4);
	__u32 total = bpf_ntohs(ip.tot_len);
	__u32 header = (__u32)ip.ihl * 4;
	*l4_bytes = total > header ? total - header : 0;
	return 0;
}

/* Reads the IPv6 header at `nh`. Extension headers are not followed: the
 * transport header is found by the skb's own offset. */
static __always_inline int packet_read_ipv6(struct sabpf_packet_attrs *a, const void *nh,
					    __u32 *l4_bytes)
{
	struct ipv6hdr ip6;
	if (bpf_probe_read_kernel(&ip6, sizeof(ip6), nh))
		return -1;
	a->family = AF_INET6;
	a->protocol = ip6.nexthdr;
	a->ip_id = 0;
	__builtin_memcpy(a->saddr, &ip6.saddr, 16);
	__builtin_memcpy(a->daddr, &ip6.daddr, 16);
	*l4_bytes = bpf_ntohs(ip6.payload_len);
	return 0;
}

/* Bytes of the skb from its transport header on, for when the IP header
 * gives no length (BIG TCP, jumbograms). */
static __always_inline __u32 skb_l4_bytes(struct sk_buff *skb)
{
	__u64 data_off = (__u64)BPF_CORE_READ(skb, data) - (__u64)BPF_CORE_READ(skb, head);
	__u64 th_off = BPF_CORE_READ(skb, transport_header);
	__u32 len = BPF_CORE_READ(skb, len);
	return th_off >= data_off && len > th_off - data_off ? len - (th_off - data_off) : 0;
}

/* Reads the TCP or UDP header: ports, TCP sequence number, payload bytes. */
static __always_inline int packet_read_l4(struct sabpf_packet_attrs *a, const void *th,
					  __u32 l4_bytes)
{
	if (a->protocol == IPPROTO_TCP_) {
		struct tcphdr tcp;
		if (bpf_probe_read_kernel(&tcp, sizeof(tcp), th))
			return -1;
		__u8 flags_byte;
		bpf_probe_read_kernel(&flags_byte, 1, th + 12);
		__u32 header = TCP_DATA_OFFSET(flags_byte) * 4;
		a->sport = bpf_ntohs(tcp.source);
		a->dport = bpf_ntohs(tcp.dest);
		a->seq = bpf_ntohl(tcp.seq);
		a->len = l4_bytes > header ? l4_bytes - header : 0;
		return 0;
	}
	if (a->protocol == IPPROTO_UDP_) {
		struct udphdr udp;
		if (bpf_probe_read_kernel(&udp, sizeof(udp), th))
			return -1;
		__u32 ulen = bpf_ntohs(udp.len);
		a->sport = bpf_ntohs(udp.source);
		a->dport = bpf_ntohs(udp.dest);
		a->seq = 0;
		a->len = ulen > sizeof(udp) ? ulen - sizeof(udp) : 0;
		return 0;
	}
	return -1;
}

/* A packet's attributes from its headers. Returns 0 for a TCP segment or
 * UDP datagram over IPv4 or IPv6 that carries data, -1 otherwise. */
static __always_inline int packet_parse(struct sk_buff *skb, struct sabpf_packet_attrs *a)
{
	__builtin_memset(a, 0, sizeof(*a));
	unsigned char *head = BPF_CORE_READ(skb, head);
	const void *nh = head + BPF_CORE_READ(skb, network_header);
	const void *th = head + BPF_CORE_READ(skb, transport_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u32 l4_bytes = 0;
	int rc = -1;
	if (proto == ETH_P_IP)
		rc = packet_read_ipv4(a, nh, &l4_bytes);
	else if (proto == ETH_P_IPV6)
		rc = packet_read_ipv6(a, nh, &l4_bytes);
	if (rc)
		return -1;
	if (l4_bytes == 0)
		l4_bytes = skb_l4_bytes(skb);
	if (packet_read_l4(a, th, l4_bytes) || a->len == 0)
		return -1;
	return 0;
}

/* ---- identity ------------------------------------------------------------ */

static __always_inline __u64 hash_mix(__u64 h, __u64 word)
{
	h ^= word;
	h *= 0x100000001b3ULL; /* FNV-1a's prime, on 64-bit words */
	return h ^ (h >> 29);
}

/* The part of a packet's identity beyond addresses and ports: TCP's
 * sequence number (its length may differ at the receiving end, where
 * segments can be merged); UDP's IP id and length (the id is 0 for an
 * unconnected IPv4 socket that does not fragment, and IPv6 has none). */
static __always_inline __u64 packet_discriminator(const struct sabpf_packet_attrs *a)
{
	if (a->protocol == IPPROTO_TCP_)
		return a->seq;
	return ((__u64)a->ip_id << 32) | a->len;
}

static __always_inline __u64 packet_key(const struct sabpf_packet_attrs *a)
{
	__u64 w[4];
	__builtin_memcpy(w, a->saddr, 16);
	__builtin_memcpy(&w[2], a->daddr, 16);
	__u64 h = 0xcbf29ce484222325ULL;
	h = hash_mix(h, w[0]);
	h = hash_mix(h, w[1]);
	h = hash_mix(h, w[2]);
	h = hash_mix(h, w[3]);
	h = hash_mix(h, ((__u64)a->family << 48) | ((__u64)a->protocol << 32) |
			    ((__u64)a->sport << 16) | a->dport);
	return hash_mix(h, packet_discriminator(a));
}

/* The same packet: equal identities (a check against hash collisions). */
static __always_inline int packet_same(const struct sabpf_packet_attrs *x,
				       const struct sabpf_packet_attrs *y)
{
	__u64 a[4], b[4];
	__builtin_memcpy(a, x->saddr, 16);
	__builtin_memcpy(&a[2], x->daddr, 16);
	__builtin_memcpy(b, y->saddr, 16);
	__builtin_memcpy(&b[2], y->daddr, 16);
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       x->family == y->family && x->protocol == y->protocol && x->sport == y->sport &&
	       x->dport == y->dport && packet_discriminator(x) == packet_discriminator(y);
}

/* ---- nodes --------------------------------------------------------------- */

static __always_inline void packet_record(struct prov_packet *p, __u64 container)
{
	if (p->node.recorded)
		return;
	__u32 size = offsetof(struct sabpf_node, packet) + sizeof(struct sabpf_packet_attrs);
	/* no acting task (softirq on receive): the context block stays zero */
	struct sabpf_node *n = record_reserve_as(size, SABPF_REC_NODE, container, NULL);
	p->node.recorded = 1;
	if (!n)
		return;
	ref_of(&n->node, &p->node);
	__builtin_memcpy(&n->packet, &p->attrs, sizeof(p->attrs));
	record_submit(n);
}

/* The scope of a socket's container, if its `net` class is on: packets
 * are seen without the socket's task, so the socket's own state says
 * which container it belongs to. */
static __always_inline struct sabpf_scope *scope_of_sock(const struct prov_sock *ss)
{
	__u64 container = ss->node.container;
	struct sabpf_scope *scope = bpf_map_lookup_elem(&scope_map, &container);
	if (!scope || !(scope->classes & SABPF_CLASS_NET) || !build_active())
		return 0;
	return scope;
}

/* The node of a packet in flight, if an audited socket sent it. */
static __always_inline struct prov_packet *packet_in_flight(__u64 key,
							    const struct sabpf_packet_attrs *a)
{
	struct prov_packet *p = bpf_map_lookup_elem(&packet_map, &key);
	if (!p || !packet_same(&p->attrs, a))
		return 0;
	return p;
}

static __always_inline struct prov_packet *packet_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&packet_scratch, &zero);
}

/* ---- the sending end --------------------------------------------------- */

/* Every packet handed to a device. Only those of a socket with a node, in
 * an audited container, go further; on a path that forwards a packet
 * through several devices (veth, bridge), only the first still has its
 * socket. A retransmission not yet received takes the node of the first
 * transmission. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(on_net_dev_queue, struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	struct prov_sock *ss = bpf_sk_storage_get(&sock_store, sk, 0, 0);
	if (!ss || !ss->node.recorded)
		return 0;
	struct sabpf_scope *scope = scope_of_sock(ss);
	struct prov_packet *fresh = packet_scratch_get();
	if (!scope || !fresh || packet_parse(skb, &fresh->attrs))
		return 0;
	__u64 container = ss->node.container;
	__u64 key = packet_key(&fresh->attrs);
	struct prov_packet *p = packet_in_flight(key, &fresh->attrs);
	if (!p) {
		node_init(&fresh->node, SABPF_NODE_PACKET, container);
		lost_if_failed(bpf_map_update_elem(&packet_map, &key, fresh, BPF_ANY), container,
			       SABPF_LOST_OBJECT_MAP);
		p = packet_in_flight(key, &fresh->attrs);
		if (!p)
			return 0;
	}
	packet_record(p, container);
	edge_write_as(SABPF_REL_SEND_PACKET, &ss->node, &p->node, p->attrs.len, container, 0, 0);
	return 0;
}

/* ---- the receiving end --------------------------------------------------- */

/* The receiving socket's node. A TCP connection not yet accepted has no
 * node: it gets one, from the container of the audited socket that sent
 * the packet, recorded without its socket (as the server end of a unix
 * stream connection); accept completes it (sock_graft). */
static __always_inline struct prov_sock *receiver_state(struct sock *sk, struct prov_packet *p)
{
	struct prov_sock *ss = bpf_sk_storage_get(&sock_store, sk, 0, 0);
	int has_socket = BPF_CORE_READ(sk, sk_socket) != 0;
	if (!ss) {
		if (!p || has_socket)
			return 0;
		ss = sock_state_of(sk, p->node.container);
		if (!ss)
			return 0;
	}
	if (!ss->node.recorded) {
		if (has_socket)
			return 0;
		sock_record_bare(ss, sk, ss->node.container);
	}
	return ss;
}

/* A packet about to be queued on a TCP or UDP socket (softirq). The socket
 * is audited when its state says so; a packet some audited socket sent
 * keeps its node, and leaves packet_map. */
SEC("lsm/socket_sock_rcv_skb")
int BPF_PROG(on_socket_sock_rcv_skb, struct sock *sk, struct sk_buff *skb)
{
	__u16 family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	struct prov_sock *ss = bpf_sk_storage_get(&sock_store, sk, 0, 0);
	if (!ss && BPF_CORE_READ(sk, sk_socket))
		return 0; /* a socket of an unaudited task */
	struct prov_packet *fresh = packet_scratch_get();
	if (!fresh || packet_parse(skb, &fresh->attrs))
		return 0;
	__u64 key = packet_key(&fresh->attrs);
	struct prov_packet *p = packet_in_flight(key, &fresh->attrs);
	ss = receiver_state(sk, p);
	if (!ss)
		return 0;
	struct sabpf_scope *scope = scope_of_sock(ss);
	if (!scope)
		return 0;
	__u64 container = ss->node.container;
	if (!p) {
		node_init(&fresh->node, SABPF_NODE_PACKET, container);
		p = fresh;
	}
	packet_record(p, container);
	edge_write_as(SABPF_REL_RECEIVE_PACKET, &p->node, &ss->node, p->attrs.len, container, 0, 0);
	if (p != fresh)
		bpf_map_delete_elem(&packet_map, &key);
	return 0;
}
