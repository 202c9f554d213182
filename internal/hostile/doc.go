// Package hostile is the adversarial suite: it builds the real bodydouble
// binary, starts it on loopback with its defaults (SQLite, rate limits on),
// and attacks it from outside the way a person with free anonymous
// accounts can: a raw-socket WebSocket client that writes any bytes it
// likes, and plain TCP for HTTP. Each attack is bounded in count and time
// and asserts its outcome: the close code, the replies, and how much the
// server's resident memory (read from /proc) grew.
//
// Each attacker dials from its own loopback address (127.0.0.x), so the
// per-address limits of one attack never decide another's outcome, and a
// "real person" measuring whether the server still serves comes from an
// address of its own.
//
// What is proven elsewhere, because it needs another harness:
//   - start-up failures (read-only or full data directory, bad database or
//     Redis URL, port in use, bad flag): cmd/bodydouble;
//   - PostgreSQL and Redis stalls and cuts, logout during a Redis outage,
//     timers due during an outage: the fault tests with internal/faultproxy;
//   - TURN allocation caps, expiry and logout: internal/turn and internal/app;
//   - the muted-room SDP check and its bypasses: internal/rooms (and its
//     fuzz target); the frame guard, cursors and body decoders: their fuzz
//     targets, run by scripts/fuzz.
package hostile
