package users_test

import (
	"encoding/base64"
	"runtime"
)

// runtimeMem reads the bytes allocated so far.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}

func b64enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
