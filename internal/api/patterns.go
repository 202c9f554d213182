package api

// Patterns lists the ServeMux pattern of every route, such as
// "GET /api/rooms/{id}": the bounded set of route labels of the server's
// request metrics (internal/metrics), never a raw path.
func Patterns() []string {
	s := &server{}
	rts := s.routes()
	out := make([]string, 0, len(rts))
	for _, rt := range rts {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}
