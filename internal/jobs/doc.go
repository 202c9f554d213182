// Package jobs runs Body Double's background jobs that must run once per
// cluster, not once per server: today retention (retention.go), hourly.
//
// The queue is River (github.com/riverqueue/river) over the store's own
// database, PostgreSQL through the store's pgx pool or SQLite through a
// one-connection pool on the store's file: its river_* tables live beside
// the store's. River elects a leader among the servers sharing the
// database; the leader alone schedules the periodic job, a job is worked
// by one server at a time, and a failed or abandoned attempt is retried
// under the same job id. The job itself is written so that an attempt cut
// short anywhere and run again ends as if it had run once (Retention.Run).
package jobs
