package broker_test

import (
	"testing"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/broker/brokertest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	brokertest.Run(t, func(t *testing.T) (a, b broker.Broker) {
		m := broker.NewMemory()
		t.Cleanup(func() { _ = m.Close() })
		return m, m
	})
}
