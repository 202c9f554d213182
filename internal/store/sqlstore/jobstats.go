package sqlstore

import "context"

// JobCount is how many of River's job rows of one kind are in one state
// (available, running, completed, retryable, discarded, …).
type JobCount struct {
	Kind, State string
	N           int
}

// JobCounts counts River's job rows by kind and state, for metrics: a
// retryable row is a job whose last attempt failed, a discarded one a job
// River gave up on. River keeps finished rows for a while (completed a
// day, discarded a week), so these are recent counts, not totals. It
// fails before River's migrations made the table.
func (s *Store) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
