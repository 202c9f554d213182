package app

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/jobs"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// jobQueue is the River queue of the once-per-cluster jobs (package
// jobs), and on SQLite the connection it runs on.
type jobQueue struct {
	q  *jobs.Queue
	db *sql.DB
}

// retention is the hourly retention job with --retain-inactive and
// --retain-audit. A person is erased as DELETE /api/users/me erases them:
// they leave their room first, so it hears them go; their rows go with
// store.EraseUser, then their avatar's blob; then their sockets, on every instance, close with
// 4401. They have no token to revoke: tokens live 30 days, and theirs
// name nobody any more.
func (a *App) retention() *jobs.Retention {
	return &jobs.Retention{
		Store:          a.store,
		RetainInactive: a.cfg.RetainInactive,
		RetainAudit:    cmp.Or(a.cfg.RetainAudit, config.DefaultRetainAudit),
		Leave: func(ctx context.Context, userID string) error {
			room, err := a.rooms.CurrentRoom(ctx, userID)
			if err != nil || room == "" {
				return err
			}
			_, _, err = a.rooms.Leave(ctx, userID, room, protocol.Origin{})
			return err
		},
		Files: func(ctx context.Context, userID string) (func(context.Context), error) {
			ref, err := a.users.AvatarRef(ctx, userID)
			if errors.Is(err, model.ErrNotFound) {
				return nil, nil // erased meanwhile: EraseUser will say so
			}
			if err != nil || ref == "" {
				return nil, err
			}
			return func(ctx context.Context) {
				if err := a.users.DropAvatarBlob(ctx, ref); err != nil {
					a.log.Warn("retention: the avatar of an erased person stays in the blob store", "err", err)
				}
			}, nil
		},
		Erased: a.hub.CloseUser,
		Log:    a.log,
	}
}

// startJobs starts the job queue over the store's database.
func (a *App) startJobs(ctx context.Context) error {
	st, ok := a.store.(*sqlstore.Store)
	if !ok {
		return errors.New("app: jobs need the SQL store")
	}
	o := jobs.Options{Pool: st.PgxPool(), Retention: a.retention(), Log: a.log,
		Failed: func(ctx context.Context, kind string, err error) {
			a.errs.Error(ctx, err, map[string]string{"job": kind}) // Sentry, with --sentry-dsn
		}}
	var q jobQueue
	if o.Pool == nil {
		db, err := st.OpenJobsSQLite(ctx)
		if err != nil {
			return err
		}
		o.SQLite, q.db = db, db
	}
	var err error
	if q.q, err = jobs.Start(ctx, o); err != nil {
		if q.db != nil {
			q.db.Close()
		}
		return fmt.Errorf("app: %w", err)
	}
	a.jobs = &q
	return nil
}

// stopJobs stops the job queue within ctx: a job under way is abandoned
// at the deadline and retried later, by whichever server then works it.
func (a *App) stopJobs(ctx context.Context) error {
	if a.jobs == nil {
		return nil
	}
	err := a.jobs.q.Stop(ctx)
	if a.jobs.db != nil {
		err = errors.Join(err, a.jobs.db.Close())
	}
	a.jobs = nil
	return err
}
