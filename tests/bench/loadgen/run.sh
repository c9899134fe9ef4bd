#!/usr/bin/env bash
# run.sh: phonghop's SFU against Janus VideoRoom, side by side, with real WebRTC peers.
#
# What it does, all as root inside two network namespaces of its own joined by one veth pair
# (the SFU's side 10.99.77.1/24, the load generator's 10.99.77.2/24; no route anywhere else,
# so no packet leaves them):
#   1. encodes the stream once, before any measurement: 10 s of 640x360 30 fps VP8
#      (videotestsrc, deadline=1, 1.2 Mb/s, a key frame every 2 s) and 10 s of Opus, each
#      payloaded to RTP and framed by rtpstreampay into a file (loadgen-stream.c reads them);
#   2. for each run, each topology (1to8, 1to32, 4x4), phonghop then Janus, each started fresh:
#      the SFU in its namespace, the load generator (loadgen) in the other, measuring the SFU's
#      CPU per packet received by all subscribers over a fixed window, the delivery ratio and the
#      memory per subscriber (the peak RSS of the run over the idle RSS, per subscriber
#      connection);
#   3. prints the medians side by side (loadgen --summarize) and leaves every result line in
#      the output directory.
# The SFUs ("--sfus"):
#   phonghop         the daemon (server/phonghop) with its embedded PostgreSQL and the demo data
#                    (phonghop-admin load-demo), the demo session opened and every microphone
#                    opened by its chair over the HTTP API; the load generator signs in as the
#                    chair (the publisher; in 4x4 the chair and three members) and members and
#                    negotiates over /ws as the web client does;
#   phonghop-engine  phonghop's media engine alone (media.h) in loadgen-sfu, with a minimal
#                    signaling: the same SFU without the daemon around it;
#   janus            Debian's janus (VideoRoom, WebSocket transport) with a private config;
#   udp-floor-sendto, udp-floor-sendmmsg
#                    not an SFU: only the UDP sends an SFU makes for the topology (udp-floor.c),
#                    one sendto() per copy on a socket per subscriber, or one sendmmsg() per
#                    packet on one socket: the kernel's floor under any SFU's CPU per packet.
#
# Usage: tests/bench/loadgen/run.sh [--build DIR] [--runs N] [--window S] [--profile gcm|cm]
#                                   [--topologies "1to8 1to32 4x4"] [--sfus "phonghop janus"]
#                                   [--out DIR] [--rps yes|no] [--perf]
# --rps yes: each veth end's receive processing is steered (RPS) to the CPU of the side that
# receives, as a NIC's would run on the receiving machine; by default (no) a datagram sent on the
# veth is delivered to the receiving socket (and its reader woken) in the sender's own context,
# which charges the receiver's kernel work to the sender. On a virtual machine RPS costs an
# inter-processor interrupt per datagram (a VM exit), which then weighs more than the work it
# moves (docs/benchmarks.md), so it is not the default. --perf records a call-graph profile of the
# SFU over each window into the output directory (perf-SFU-TOPOLOGY-runN.data).
# It is a benchmark: it prints figures and never fails on them; it exits non-zero only when it
# cannot run (not root, a missing program, no build).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build="$src/build"
runs=5
window=20
warmup=3
profile=gcm
topologies="1to8 1to32 4x4"
sfus="phonghop janus"
out=""
rps=no
perf=no
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --topologies) topologies=$2; shift 2 ;;
    --sfus) sfus=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --rps) rps=$2; shift 2 ;;
    --perf) perf=yes; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

loadgen="$build/tests/bench/loadgen/loadgen"
sfu_host="$build/tests/bench/loadgen/loadgen-sfu"
floor="$build/tests/bench/loadgen/udp-floor"
daemon="$build/server/phonghop"
daemon_admin="$build/server/phonghop-admin"
for p in "$loadgen" "$sfu_host" "$floor" "$daemon" "$daemon_admin"; do
  [ -x "$p" ] || { echo "run.sh: $p is not built (meson setup, ninja; needs libsoup-3.0-dev)" >&2; exit 2; }
done
for p in ip gst-launch-1.0 janus curl; do
  command -v "$p" >/dev/null || { echo "run.sh: $p is missing (deploy/install-deps)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "run.sh: network namespaces need root" >&2; exit 2; }

# The SFU and the load generator on CPUs of their own when there are several, so that the
# load generator neither preempts the SFU (a context switch charged to the SFU per packet) nor
# waits behind it; with one CPU they share it.
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
  sfu_cpus="0-$((ncpu - 2))"
  gen_cpus="$((ncpu - 1))"
else
  sfu_cpus=0
  gen_cpus=0
fi

tag="phb$$"
ns_sfu="$tag-sfu"
ns_gen="$tag-gen"
sfu_ip=10.99.77.1
gen_ip=10.99.77.2
work=$(mktemp -d /tmp/phonghop-sfu-bench.XXXXXX)
chmod 755 "$work" # the embedded PostgreSQL runs as the phonghop account
[ -n "$out" ] || out="$work"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 200); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  ip netns del "$ns_sfu" 2>/dev/null || true
  ip netns del "$ns_gen" 2>/dev/null || true
  [ "$out" = "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the namespaces ----
ip netns add "$ns_sfu"
ip netns add "$ns_gen"
ip link add "${tag}s" type veth peer name "${tag}g"
ip link set "${tag}s" netns "$ns_sfu"
ip link set "${tag}g" netns "$ns_gen"
ip -n "$ns_sfu" addr add "$sfu_ip/24" dev "${tag}s"
ip -n "$ns_gen" addr add "$gen_ip/24" dev "${tag}g"
for ns in "$ns_sfu" "$ns_gen"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns_sfu" link set "${tag}s" up
ip -n "$ns_gen" link set "${tag}g" up
# With --rps yes, receive processing on the receiving side's CPU (RPS): otherwise a datagram sent
# on a veth is delivered to the receiving socket, and its reader woken, in the sender's context,
# charging the receiver's kernel work to the sender (an SFU sending to 32 subscribers pays for
# their 32 deliveries), which a NIC on another machine would not do. The same for every SFU.
cpumask() { # a CPU list "a-b" or "c" to the hexadecimal mask rps_cpus takes
  local lo hi m=0 c
  lo=${1%-*}; hi=${1#*-}
  for c in $(seq "$lo" "$hi"); do m=$((m | (1 << c))); done
  printf '%x' "$m"
}
if [ "$rps" = yes ]; then
  ip netns exec "$ns_sfu" sh -c "echo $(cpumask "$sfu_cpus") > /sys/class/net/${tag}s/queues/rx-0/rps_cpus"
  ip netns exec "$ns_gen" sh -c "echo $(cpumask "$gen_cpus") > /sys/class/net/${tag}g/queues/rx-0/rps_cpus"
fi

# ---- the stream, encoded once ----
echo "run.sh: encoding the stream (10 s of VP8 640x360 at 1.2 Mb/s and Opus) in $work"
gst-launch-1.0 -q -e videotestsrc num-buffers=300 pattern=smpte animation-mode=frames \
    horizontal-speed=4 ! video/x-raw,width=640,height=360,framerate=30/1 \
  ! vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=1200000 keyframe-max-dist=60 \
  ! rtpvp8pay pt=96 mtu=1200 picture-id-mode=15-bit ! rtpstreampay \
  ! filesink location="$work/video.rtp"
gst-launch-1.0 -q -e audiotestsrc num-buffers=500 samplesperbuffer=960 wave=sine \
  ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 frame-size=20 \
  ! rtpopuspay pt=111 ! rtpstreampay ! filesink location="$work/audio.rtp"

# ---- Janus's private configuration: the WebSocket transport and VideoRoom, nothing else ----
janus_cfg="$work/janus"
mkdir -p "$janus_cfg"
libdir=$(dirname "$(dpkg -L janus | grep -m1 '/janus/plugins/libjanus_videoroom.so$')")
libdir=$(dirname "$libdir")
plugins_off=$(cd "$libdir/plugins" && ls libjanus_*.so | grep -v videoroom | paste -sd, -)
transports_off=$(cd "$libdir/transports" && ls libjanus_*.so | grep -v websockets | paste -sd, -)
cat >"$janus_cfg/janus.jcfg" <<EOF
general: {
  configs_folder = "$janus_cfg"
  plugins_folder = "$libdir/plugins"
  transports_folder = "$libdir/transports"
  events_folder = "$libdir/events"
  loggers_folder = "$libdir/loggers"
  debug_level = 3
  session_timeout = 60
}
certificates: {
}
media: {
  ipv6 = false
  rtp_port_range = "20000-40000"
}
nat: {
  nice_debug = false
  full_trickle = false
  ice_enforce_list = "${tag}s"
  ice_tcp = false
}
plugins: {
  disable = "$plugins_off"
}
transports: {
  disable = "$transports_off"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
  broadcast = false
}
EOF
cat >"$janus_cfg/janus.transport.websockets.jcfg" <<EOF
general: {
  json = "compact"
  ws = true
  ws_port = 8188
  ws_ip = "$sfu_ip"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
EOF
cat >"$janus_cfg/janus.plugin.videoroom.jcfg" <<EOF
general: {
}
EOF

# ---- phonghop's daemon: its state (embedded PostgreSQL, demo data) made once ----
daemon_port=8080
daemon_base="http://$sfu_ip:$daemon_port"
daemon_cfg="$work/phonghop/phonghop.conf"
daemon_users=chutich
for i in $(seq -w 1 49); do daemon_users="$daemon_users,daibieu$i"; done
meeting_opened=""
mkdir -p "$work/phonghop"
chmod 755 "$work/phonghop"
cat >"$daemon_cfg" <<EOF
[server]
listen = $sfu_ip
port = $daemon_port
state_dir = $work/phonghop/state
[database]
connections = 4
[media]
addresses = $sfu_ip
# The SFU is measured here: the public live stream (a composite encoded in the daemon) and the
# meeting's recording, both on by default for an open meeting, have their own figures in
# docs/benchmarks.md and would be counted as forwarding work.
live_height = 0
record_meetings = false
[log]
level = warning
EOF
case " $sfus " in
  *" phonghop "*)
    echo "run.sh: phonghop's state: embedded PostgreSQL and the demo data"
    timeout 300 "$daemon_admin" --config "$daemon_cfg" load-demo >"$out/load-demo.log" 2>&1 \
      || { echo "run.sh: phonghop-admin load-demo failed (see $out/load-demo.log)" >&2; exit 2; }
    ;;
esac

# The chair opens the demo session (once) and every microphone (after each start: a fresh
# media engine must hear it), so that every site of the 4x4 topology is heard.
daemon_prepare() {
  local jar="$work/phonghop/chair.cookies" token open
  token=$(ip netns exec "$ns_gen" curl -sf -m 30 -c "$jar" -H 'content-type: application/json' \
    -d '{"username":"chutich","password":"phonghop-demo"}' "$daemon_base/api/v1/auth/login" \
    | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || return 1
  if [ -z "$meeting_opened" ]; then
    ip netns exec "$ns_gen" curl -sf -m 30 -b "$jar" -H "x-auth-token: $token" -X POST \
      "$daemon_base/api/v1/meetings/1/open" >/dev/null || return 1
    meeting_opened=1
  fi
  for open in false true; do
    ip netns exec "$ns_gen" curl -sf -m 30 -b "$jar" -H "x-auth-token: $token" \
      -H 'content-type: application/json' -d "{\"open\":$open}" \
      "$daemon_base/api/v1/meetings/1/floor/microphones" >/dev/null || return 1
  done
}

# UDP datagrams dropped for want of socket buffer in a namespace (RcvbufErrors of
# /proc/net/snmp): tells a loss at the SFU from a loss at the load generator.
udp_drops() {
  ip netns exec "$1" awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp
}

# ---- one measurement ----
wait_ready() { # $1: port; waits until the SFU listens on it (at most 15 s)
  local i
  for i in $(seq 150); do
    if ip netns exec "$ns_sfu" bash -c "exec 3<>/dev/tcp/$sfu_ip/$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The kernel's floor (--sfus udp-floor-sendto / udp-floor-sendmmsg): udp-floor makes only the
# UDP sends an SFU makes for the topology (the copies of each packet, datagrams of 1,100 bytes, at
# the stream's 178 packets a second per publisher), on the SFU's CPU and side of the veth, and its
# own CPU per datagram is the line's us/packet: no SFU sends for less on this path.
measure_floor() { # $1: udp-floor-sendto|udp-floor-sendmmsg, $2: topology
  local mode=${1#udp-floor-} topo=$2 copies pps recv_pid line got
  case "$topo" in
    1to8) copies=8; pps=178 ;;
    1to32) copies=32; pps=178 ;;
    4x4) copies=3; pps=712 ;; # each of four publishers' packets to the three others
    *) echo "run.sh: unknown topology $topo" >&2; return ;;
  esac
  ip netns exec "$ns_gen" taskset -c "$gen_cpus" "$floor" --receive --address "$gen_ip" \
    --port 41000 --count "$copies" >"$work/floor-recv.out" 2>&1 &
  recv_pid=$!
  for _ in $(seq 50); do grep -q ready "$work/floor-recv.out" 2>/dev/null && break; sleep 0.1; done
  line=$(ip netns exec "$ns_sfu" taskset -c "$sfu_cpus" "$floor" --send --address "$sfu_ip" \
    --to "$gen_ip" --port 41000 --count "$copies" --mode "$mode" --pps "$pps" --seconds "$window")
  sleep 0.5
  kill "$recv_pid" 2>/dev/null || true
  wait "$recv_pid" 2>/dev/null || true
  got=$(sed -n 's/.*"received":\([0-9]*\).*/\1/p' "$work/floor-recv.out")
  line="${line%\}},\"sfu\":\"$1\",\"topology\":\"$topo\",\"ok\":true,\"received\":${got:-0},\"window_s\":$window,\"delivery\":$(awk -v r="${got:-0}" -v s="$(sed -n 's/.*"datagrams":\([0-9]*\).*/\1/p' <<<"$line")" 'BEGIN { printf "%.6f", s ? r / s : 0 }'),\"cpu_us_per_packet\":$(sed -n 's/.*"cpu_us_per_datagram":\([0-9.]*\).*/\1/p' <<<"$line")}"
  echo "$line" >>"$results"
  echo "run $run $1 $topo: $line"
}

measure() { # $1: sfu, $2: topology, $3: run
  local sfu=$1 topo=$2 run=$3 url port log line extra=()
  log="$out/$sfu-$topo-run$run.log"
  case "$sfu" in
    udp-floor-*) measure_floor "$sfu" "$topo"; return ;;
  esac
  case "$sfu" in
    phonghop)
      port=$daemon_port
      url=$daemon_base
      extra=(--meeting 1 --users "$daemon_users")
      ip netns exec "$ns_sfu" taskset -c "$sfu_cpus" "$daemon" --config "$daemon_cfg" >"$log" 2>&1 &
      ;;
    phonghop-engine)
      port=8189
      url="ws://$sfu_ip:$port/"
      ip netns exec "$ns_sfu" taskset -c "$sfu_cpus" "$sfu_host" --address "$sfu_ip" --port $port \
        >"$log" 2>&1 &
      ;;
    janus)
      port=8188
      url="ws://$sfu_ip:$port/"
      ip netns exec "$ns_sfu" taskset -c "$sfu_cpus" janus -C "$janus_cfg/janus.jcfg" -F "$janus_cfg" -o -d 3 \
        >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
  if ! wait_ready $port; then
    echo "{\"sfu\":\"$sfu\",\"topology\":\"$topo\",\"ok\":false,\"failure\":\"the SFU did not start (see $log)\"}" >>"$results"
    echo "run.sh: $sfu did not start; see $log" >&2
  elif [ "$sfu" = phonghop ] && ! daemon_prepare; then
    echo "{\"sfu\":\"$sfu\",\"topology\":\"$topo\",\"ok\":false,\"failure\":\"the session could not be opened\"}" >>"$results"
    echo "run.sh: the chair could not open the session or its microphones" >&2
  else
    sleep 1 # idle before the baseline memory reading
    local drops_sfu drops_gen
    drops_sfu=$(udp_drops "$ns_sfu")
    drops_gen=$(udp_drops "$ns_gen")
    local perf_pid=""
    if [ "$perf" = yes ]; then
      (sleep $((warmup + 4)); exec perf record -q -g -p "$server_pid" -o "$out/perf-$sfu-$topo-run$run.data" -- sleep "$window") \
        >/dev/null 2>&1 &
      perf_pid=$!
    fi
    line=$(timeout $((window + warmup + 180)) ip netns exec "$ns_gen" taskset -c "$gen_cpus" "$loadgen" \
      --sfu "${sfu%-engine}" \
      --label "$sfu" --url "$url" --address "$gen_ip" --topology "$topo" \
      --profile "$profile" --audio "$work/audio.rtp" --video "$work/video.rtp" \
      --sfu-pid "$server_pid" --warmup "$warmup" --window "$window" --setup-timeout 150 \
      "${extra[@]}" \
      2>>"$out/loadgen.log" | tail -n 1) || true
    [ -n "$line" ] || line="{\"sfu\":\"$sfu\",\"topology\":\"$topo\",\"ok\":false,\"failure\":\"the load generator printed nothing\"}"
    line="${line%\}},\"udp_rcvbuf_drops_sfu\":$(($(udp_drops "$ns_sfu") - drops_sfu)),\"udp_rcvbuf_drops_gen\":$(($(udp_drops "$ns_gen") - drops_gen))}"
    [ -z "$perf_pid" ] || wait "$perf_pid" 2>/dev/null || true
    echo "$line" >>"$results"
    echo "run $run $sfu $topo: $line"
  fi
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 200); do # phonghop stops its embedded PostgreSQL first
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for run in $(seq "$runs"); do
  for topo in $topologies; do
    for sfu in $sfus; do
      measure "$sfu" "$topo" "$run"
    done
  done
done

echo
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $runs runs of $window s; RPS $rps"
"$loadgen" --summarize "$results"
echo "Results: $results"
