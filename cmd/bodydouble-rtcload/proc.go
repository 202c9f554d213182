package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bodydouble/bodydouble/internal/procstat"
)

// loadAvg is the first field of /proc/loadavg (1-minute load).
func loadAvg() float64 {
	f := procstat.LoadAvg()
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// machineCPU is the busy and total time of all CPUs, from /proc/stat.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	var sum, idle int64
	for i, s := range f[1:] {
		n, _ := strconv.ParseInt(s, 10, 64)
		if i >= 8 { // guest time is already in user
			break
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return time.Duration(sum-idle) * procstat.ClockTick, time.Duration(sum) * procstat.ClockTick
}

// udpErrors is the machine's UDP receive- and send-buffer drop counters
// (/proc/net/snmp RcvbufErrors, SndbufErrors): on loopback, a datagram
// that finds its socket's buffer full is lost there.
func udpErrors() (rcvbuf, sndbuf int64) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, 0
	}
	var names []string
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i := 1; i < len(f) && i < len(names); i++ {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			switch names[i] {
			case "RcvbufErrors":
				rcvbuf = n
			case "SndbufErrors":
				sndbuf = n
			}
		}
	}
	return rcvbuf, sndbuf
}

// udpDrops is the drop counter of every IPv4 UDP socket (/proc/net/udp),
// by inode.
func udpDrops() map[string]int64 {
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return nil
	}
	m := map[string]int64{}
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 13 {
			continue
		}
		n, _ := strconv.ParseInt(f[12], 10, 64)
		m[f[9]] = n
	}
	return m
}

// socketInodes is the set of socket inodes pid has open.
func socketInodes(pid int) map[string]bool {
	dir := "/proc/self/fd"
	if pid > 0 {
		dir = fmt.Sprintf("/proc/%d/fd", pid)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	for _, e := range ents {
		l, err := os.Readlink(dir + "/" + e.Name())
		if err == nil && strings.HasPrefix(l, "socket:[") {
			m[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	return m
}

// dropsOf sums the growth of the drop counters of the sockets in owner
// between two udpDrops samples (sockets present in both).
func dropsOf(d0, d1 map[string]int64, owner map[string]bool) int64 {
	var n int64
	for ino, v1 := range d1 {
		if v0, ok := d0[ino]; ok && owner[ino] {
			n += v1 - v0
		}
	}
	return n
}
