package main

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a lock-free log-linear latency histogram in microseconds: exact
// below 64 µs, then 32 buckets per power of two (about 3 % resolution).
type hist struct {
	counts [64 + 40*32]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64
	max    atomic.Uint64
}

func bucketOf(us uint64) int {
	if us < 64 {
		return int(us)
	}
	shift := bits.Len64(us) - 6 // us>>shift is in [32, 64)
	i := 64 + (shift-1)*32 + int(us>>shift) - 32
	return min(i, 64+40*32-1)
}

// lowerBound is the smallest value of bucket i.
func lowerBound(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	shift := (i-64)/32 + 1
	return uint64((i-64)%32+32) << shift
}

func (h *hist) add(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	h.sum.Add(us)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

// quantile returns the q-quantile (0 < q <= 1), as the upper edge of its bucket.
func (h *hist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			hi := lowerBound(i + 1)
			if i+1 >= len(h.counts) {
				hi = h.max.Load()
			}
			return time.Duration(min(hi, h.max.Load())) * time.Microsecond
		}
	}
	return time.Duration(h.max.Load()) * time.Microsecond
}

func (h *hist) summary() string {
	n := h.n.Load()
	if n == 0 {
		return "n=0"
	}
	mean := time.Duration(h.sum.Load()/n) * time.Microsecond
	return fmt.Sprintf("n=%d mean=%s p50=%s p90=%s p99=%s p99.9=%s max=%s", n, ms(mean),
		ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
		ms(time.Duration(h.max.Load())*time.Microsecond))
}

// ms formats d in milliseconds with three decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}
