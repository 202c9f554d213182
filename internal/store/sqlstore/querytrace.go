package sqlstore

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// QueryOps are the operation kinds ObserveQueries reports: the first word
// of the statement, or "other". Never the SQL text.
var QueryOps = []string{"select", "insert", "update", "delete", "other"}

// queryTracer is pgx's tracer of the PostgreSQL store: it times each query
// for the function ObserveQueries set, and does nothing (not even
// allocate) while none is set.
type queryTracer struct {
	observe atomic.Pointer[func(op string, d time.Duration)]
}

type queryStartKey struct{}

func (t *queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if t.observe.Load() == nil {
		return ctx
	}
	return context.WithValue(ctx, queryStartKey{}, time.Now())
}

func (t *queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	f := t.observe.Load()
	start, ok := ctx.Value(queryStartKey{}).(time.Time)
	if f == nil || !ok {
		return
	}
	(*f)(queryOp(data.CommandTag.String()), time.Since(start))
}

// queryOp is the kind of a statement from its command tag ("SELECT 3",
// "INSERT 0 1", …).
func queryOp(tag string) string {
	word, _, _ := strings.Cut(tag, " ")
	switch word = strings.ToLower(word); word {
	case "select", "insert", "update", "delete":
		return word
	}
	return "other"
}

// on tells whether anything observes the queries (t may be nil).
func (t *queryTracer) on() bool { return t != nil && t.observe.Load() != nil }

// timeSQL reports one SQLite statement begun at start (the connection's
// Exec, or its Query up to the first row).
func (t *queryTracer) timeSQL(query string, start time.Time) {
	if f := t.observe.Load(); f != nil {
		(*f)(sqlOp(query), time.Since(start))
	}
}

// sqlOp is the kind of a statement from its text's first word.
func sqlOp(query string) string {
	q := strings.TrimLeft(query, " \t\r\n")
	for _, op := range QueryOps[:4] {
		if len(q) > len(op) && strings.EqualFold(q[:len(op)], op) {
			return op
		}
	}
	return "other"
}

// ObserveQueries has f told the kind (one of QueryOps) and duration of
// every query from now on, for metrics: on PostgreSQL through pgx's
// tracer, on SQLite at the driver connection (an Exec, or a Query up to
// its first row).
func (s *Store) ObserveQueries(f func(op string, d time.Duration)) {
	if s.tracer != nil {
		s.tracer.observe.Store(&f)
	}
}
