package realtime

import (
	"strconv"
	"testing"

	"github.com/bodydouble/bodydouble/internal/metrics"
)

// BenchmarkDeliverMetrics is BenchmarkDeliver with the metrics Observer
// off and on (docs/performance.md, "Metrics"): the cost of counting the
// frames and timing the fan-out.
func BenchmarkDeliverMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run("metrics="+strconv.FormatBool(on), func(b *testing.B) {
			var obs Observer
			if on {
				obs = metrics.New(metrics.Sources{})
			}
			benchDeliver(b, obs)
		})
	}
}
