package api

import "net/http"

// decoded reads the request body into a new In (see decode).
func decoded[In any](r *http.Request) (In, error) {
	var in In
	err := decode(r, &in)
	return in, err
}

// answer ends most handlers: the domain service's error if it failed,
// else its result as JSON in the wire form show gives it, with status.
func answer[T, W any](w http.ResponseWriter, status int, v T, err error, show func(T) W) error {
	if err != nil {
		return err
	}
	return writeJSON(w, status, show(v))
}
