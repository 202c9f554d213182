package sqlstore_test

import (
	"testing"

	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

func TestRetentionSQLite(t *testing.T)   { storetest.RunRetention(t, storetest.OpenSQLite) }
func TestRetentionPostgres(t *testing.T) { storetest.RunRetention(t, storetest.OpenPostgres) }
