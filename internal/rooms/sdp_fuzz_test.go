package rooms

import "testing"

// FuzzLiveAudio holds the muted-room check to two promises: it never
// panics on any input, and whatever it accepts has no audio section that
// could send by the independent reading audioCanSend. Its seeds are the
// cases of TestLiveAudio (the known bypasses among them) and the corpus in
// testdata/fuzz/FuzzLiveAudio.
func FuzzLiveAudio(f *testing.F) {
	for _, c := range sdpCases {
		f.Add(c.sdp)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > MaxSDP {
			return // Relay refuses these before liveAudio sees them
		}
		if liveAudio(raw) {
			return
		}
		if why := audioCanSend(raw); why != "" {
			t.Fatalf("accepted, but %s:\n%q", why, raw)
		}
	})
}
