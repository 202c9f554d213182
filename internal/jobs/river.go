package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// RetentionEvery is how often the retention job runs.
const RetentionEvery = time.Hour

// retentionTimeout bounds one attempt of the retention job; River
// retries a failed or timed-out attempt under the same job id, which
// carries on from where the attempt stopped.
const retentionTimeout = 30 * time.Minute

// RetentionArgs are the retention job's arguments: none.
type RetentionArgs struct{}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	r *Retention
}

func (w *retentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	_, err := w.r.Run(ctx, strconv.FormatInt(job.ID, 10))
	return err
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return retentionTimeout }

// Options configure a Queue.
type Options struct {
	// Exactly one of Pool (PostgreSQL) and SQLite: the store's database.
	Pool   *pgxpool.Pool
	SQLite *sql.DB
	// Retention is the hourly retention job.
	Retention *Retention
	// Every is how often the retention job runs; RetentionEvery when 0.
	Every time.Duration
	// PollInterval is how often the queue looks for jobs; River's default
	// when 0. Tests shorten it.
	PollInterval time.Duration
	// Log gets River's warnings and errors.
	Log *slog.Logger
	// Failed, if set, hears every failed attempt of a job (an error or a
	// panic, which River retries): the error reports (Sentry).
	Failed func(ctx context.Context, kind string, err error)
}

// failures hands River's failed attempts to Options.Failed.
type failures struct {
	failed func(ctx context.Context, kind string, err error)
}

func (f failures) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	f.failed(ctx, job.Kind, err)
	return nil // River's retry policy decides what follows
}

func (f failures) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, _ string) *river.ErrorHandlerResult {
	f.failed(ctx, job.Kind, fmt.Errorf("jobs: %s panicked: %v", job.Kind, panicVal))
	return nil
}

// Queue is a River client over the store's database: its tables (river_*)
// live beside the store's, made by Start. River elects one leader among
// all the clients on a database; only the leader schedules periodic jobs,
// and each job is worked by one client at a time, retried until it
// succeeds: retention runs once per cluster.
type Queue struct {
	stop   func(context.Context) error
	cancel func(context.Context) error // River's StopAndCancel
	client any                         // *river.Client[pgx.Tx] or *river.Client[*sql.Tx], for tests
}

// Start migrates River's tables and starts the queue; Stop stops it.
func Start(ctx context.Context, o Options) (*Queue, error) {
	switch {
	case (o.Pool == nil) == (o.SQLite == nil):
		return nil, errors.New("jobs: give exactly one of Pool and SQLite")
	case o.Pool != nil:
		d := riverpgxv5.New(o.Pool)
		if err := migratePostgres(ctx, o.Pool, d, riverLog(o.Log)); err != nil {
			return nil, err
		}
		return start(ctx, d, o)
	default:
		d := riversqlite.New(o.SQLite)
		if err := migrateSQLite(ctx, o.SQLite, d, riverLog(o.Log)); err != nil {
			return nil, err
		}
		return start(ctx, d, o)
	}
}

// riverLock is the advisory lock that lets one process at a time migrate
// River's tables ("bd" and 3, beside sqlstore's).
const riverLock int64 = 0x62640003

// migratePostgres brings River's tables up to date, each migration in
// its own transaction (one of River's adds an enum value that the next
// uses, which PostgreSQL refuses within one), under a session advisory
// lock so that servers starting together take turns.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, d *riverpgxv5.Driver, log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", riverLock); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverLock)
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// migrateSQLite brings River's tables up to date in one transaction,
// which takes SQLite's write lock at BEGIN (_txlock=immediate).
func migrateSQLite(ctx context.Context, db *sql.DB, d *riversqlite.Driver, log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

func start[TTx any](ctx context.Context, d riverdriver.Driver[TTx], o Options) (*Queue, error) {
	every := o.Every
	if every <= 0 {
		every = RetentionEvery
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &retentionWorker{r: o.Retention})
	cfg := &river.Config{
		Logger:  riverLog(o.Log),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) {
				// One job a period, even should leadership change
				// hands within it.
				return RetentionArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: every}}
			}, &river.PeriodicJobOpts{ID: "retention", RunOnStart: true})},
		FetchPollInterval: o.PollInterval,
	}
	if o.Failed != nil {
		cfg.ErrorHandler = failures{o.Failed}
	}
	if o.PollInterval > 0 {
		cfg.FetchCooldown = min(o.PollInterval, river.FetchCooldownDefault)
	}
	client, err := river.NewClient(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	return &Queue{stop: client.Stop, cancel: client.StopAndCancel, client: client}, nil
}

// Stop stops fetching jobs and waits for the one under way, until ctx
// ends (River then gives up on it; the job is retried later).
func (q *Queue) Stop(ctx context.Context) error {
	// Half the time is the job's to finish; then it is cancelled (River
	// retries it later) and the queue gets the rest to wind down.
	soft := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		soft, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/2))
		defer cancel()
	}
	err := q.stop(soft)
	if err != nil && ctx.Err() == nil {
		err = q.cancel(ctx)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}
