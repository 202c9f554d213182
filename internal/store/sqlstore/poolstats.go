package sqlstore

import "database/sql"

// PoolStats is the use of the store's database connections, for metrics.
type PoolStats struct {
	InUse, Idle, Max int
	// WaitCount is the number of times a query waited for a connection.
	WaitCount int64
}

// PoolStats reports the connection pools: pgx's for PostgreSQL, the
// writer's and readers' together for SQLite.
func (s *Store) PoolStats() PoolStats {
	if s.pool != nil {
		st := s.pool.Stat()
		return PoolStats{InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()), Max: int(st.MaxConns()), WaitCount: st.EmptyAcquireCount()}
	}
	var p PoolStats
	for _, db := range []*sql.DB{s.w, s.r} {
		if db == nil {
			continue
		}
		st := db.Stats()
		p.InUse += st.InUse
		p.Idle += st.Idle
		p.Max += st.MaxOpenConnections
		p.WaitCount += st.WaitCount
	}
	return p
}
