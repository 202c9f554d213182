package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// adminUsage is the help of `bodydouble admin`.
const adminUsage = "usage: bodydouble admin role <userId> member|moderator|admin [server flags]"

// Admin runs `bodydouble admin ...` (args after "admin") with the
// server's flags and BODYDOUBLE_* environment, so that it reaches the
// server's database. `role <userId> <role>` sets a role; the audit log
// records it with actor "cli". The first admin is made this way, on the
// server's machine.
func Admin(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cfg, words, err := config.ParseCommand(args, getenv, out)
	if err != nil {
		return err
	}
	if len(words) != 3 || words[0] != "role" {
		return errors.New(adminUsage)
	}
	var st *sqlstore.Store
	if cfg.DatabaseURL != "" {
		st, err = sqlstore.OpenPostgres(ctx, cfg.DatabaseURL)
	} else {
		st, err = sqlstore.OpenSQLite(ctx, cfg.DataDir)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	mod := moderation.New(moderation.Options{Store: st})
	if err := mod.SetRoleCLI(ctx, words[1], words[2]); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Code != apperr.Internal {
			msg := e.Message
			if len(e.Fields) > 0 {
				msg = e.Fields[0].Field + " " + e.Fields[0].Message
			}
			return fmt.Errorf("admin: %s %s: %s", words[1], words[2], msg)
		}
		return err
	}
	fmt.Fprintf(out, "%s is now %s\n", words[1], words[2])
	return nil
}
