package broker

import "context"

// Ping reports whether Redis answers (readiness, internal/health).
func (r *Redis) Ping(ctx context.Context) error {
	return r.client.Ping(ctx).Err()
}
