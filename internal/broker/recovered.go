package broker

// Recoverer is implemented by brokers that can lose messages between
// processes during an outage (Redis). Callers that must not miss what
// such a message carried (a logout closing sockets everywhere) read the
// truth from the store again when it fires.
type Recoverer interface {
	// Recovered returns a channel that is closed the next time the broker
	// works again after messages to or from other processes may have been
	// lost. Call it again after it fires for the next recovery.
	Recovered() <-chan struct{}
}

var _ Recoverer = (*Redis)(nil)
