package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCloseEmptyRoomsAfter(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.CloseEmptyRoomsAfter != 24*time.Hour {
		t.Fatalf("default: %v %v", err, c.CloseEmptyRoomsAfter)
	}
	c, err = Parse([]string{"--close-empty-rooms-after", "2h"}, env(map[string]string{"BODYDOUBLE_CLOSE_EMPTY_ROOMS_AFTER": "48h"}), &bytes.Buffer{})
	if err != nil || c.CloseEmptyRoomsAfter != 2*time.Hour {
		t.Fatalf("flag over env: %v %v", err, c.CloseEmptyRoomsAfter)
	}
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_CLOSE_EMPTY_ROOMS_AFTER": "48h"}), &bytes.Buffer{})
	if err != nil || c.CloseEmptyRoomsAfter != 48*time.Hour {
		t.Fatalf("env: %v %v", err, c.CloseEmptyRoomsAfter)
	}
	for _, v := range []string{"0", "-1h", "59s"} {
		if _, err := Parse([]string{"--close-empty-rooms-after", v}, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--close-empty-rooms-after") {
			t.Errorf("%s: error %v, want one naming the flag", v, err)
		}
	}
}
