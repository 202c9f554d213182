package procstat

import (
	"os"
	"strconv"
	"testing"
)

// TestLoadAvg reads this machine's load averages: three numbers, as
// /proc/loadavg writes them.
func TestLoadAvg(t *testing.T) {
	if _, err := os.Stat("/proc/loadavg"); err != nil {
		t.Skip("no /proc/loadavg here")
	}
	f := LoadAvg()
	if len(f) != 3 {
		t.Fatalf("LoadAvg() = %q, want three fields", f)
	}
	for _, v := range f {
		if x, err := strconv.ParseFloat(v, 64); err != nil || x < 0 {
			t.Fatalf("LoadAvg() = %q: %q is not a load average", f, v)
		}
	}
}
