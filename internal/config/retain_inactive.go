package config

import "time"

// DefaultRetainInactive is how long a member may be inactive before the
// retention job erases them, by default.
const DefaultRetainInactive = 365 * 24 * time.Hour

// daysOrNever is days that also takes 0 (or 0d): never.
type daysOrNever struct{ d *time.Duration }

func (v daysOrNever) String() string { return days(v).String() }

func (v daysOrNever) Set(s string) error {
	if s == "0" || s == "0d" {
		*v.d = 0
		return nil
	}
	return days(v).Set(s)
}
