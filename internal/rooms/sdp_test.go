package rooms

import (
	"strconv"
	"strings"
	"testing"
)

// sdpHead is a session section as browsers write it, before any m= line.
const sdpHead = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

// videoSection is a live camera section (mid 0).
const videoSection = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:96 VP8/90000\r\n"

// audio returns an audio section (mid 1) with port and extra attribute lines.
func audio(port string, attrs ...string) string {
	s := "m=audio " + port + " UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:111 opus/48000/2\r\n"
	for _, a := range attrs {
		s += a + "\r\n"
	}
	return s
}

// sdpCases are SDPs with whether a muted room must refuse them. They are
// also the seed corpus of FuzzLiveAudio.
var sdpCases = []struct {
	name string
	sdp  string
	live bool
}{
	{"video only", sdpHead + videoSection, false},
	{"no media at all", sdpHead, false},
	{"audio sendrecv", sdpHead + videoSection + audio("9", "a=sendrecv"), true},
	{"audio sendonly", sdpHead + audio("9", "a=sendonly"), true},
	{"audio recvonly", sdpHead + audio("9", "a=recvonly"), false},
	{"audio inactive", sdpHead + videoSection + audio("9", "a=inactive"), false},
	{"audio with no direction is sendrecv", sdpHead + audio("9"), true},
	{"audio rejected (port 0)", sdpHead + videoSection + audio("0", "a=sendrecv"), false},
	// Known bypasses of the line scanner this replaced.
	{"port 0 with bundle-only is a live bundled section", sdpHead + "a=group:BUNDLE 0\r\n" + videoSection + audio("0", "a=bundle-only", "a=sendrecv"), true},
	{"session inactive, media sendrecv: media wins", sdpHead + "a=inactive\r\n" + audio("9", "a=sendrecv"), true},
	// And the others worth trying.
	{"session inactive, media silent: session applies", sdpHead + "a=inactive\r\n" + audio("9"), false},
	{"session sendrecv, media inactive: media wins", sdpHead + "a=sendrecv\r\n" + audio("9", "a=inactive"), false},
	{"session sendonly, media silent", sdpHead + "a=sendonly\r\n" + audio("9"), true},
	{"port 0 listed in a BUNDLE group", sdpHead + "a=group:BUNDLE 0 1\r\n" + videoSection + audio("0", "a=sendrecv"), true},
	{"port 0 in a group of other mids", sdpHead + "a=group:BUNDLE 0\r\n" + videoSection + audio("0", "a=sendrecv"), false},
	{"bundle-only in upper case", sdpHead + videoSection + audio("0", "a=BUNDLE-ONLY", "a=sendrecv"), true},
	{"second audio section live", sdpHead + audio("9", "a=inactive") + strings.Replace(audio("9", "a=sendrecv"), "mid:1", "mid:2", 1), true},
	{"second audio section quiet", sdpHead + audio("9", "a=inactive") + strings.Replace(audio("9", "a=recvonly"), "mid:1", "mid:2", 1), false},
	{"audio sharing the bundled port of the video", sdpHead + "a=group:BUNDLE 0 1\r\n" + videoSection + audio("9", "a=sendrecv"), true},
	{"inactive then sendrecv in one section", sdpHead + audio("9", "a=inactive", "a=sendrecv"), true},
	{"sendrecv then inactive in one section", sdpHead + audio("9", "a=sendrecv", "a=inactive"), true},
	{"direction in upper case", sdpHead + audio("9", "a=SENDRECV"), true},
	{"upper-case inactive is an unknown attribute to browsers", sdpHead + audio("9", "a=INACTIVE"), true},
	{"space after the = sign", sdpHead + audio("9", "a= inactive"), true},
	{"session-level upper-case inactive", sdpHead + "a=INACTIVE\r\n" + audio("9"), true},
	{"inactive with a value is still inactive", sdpHead + audio("9", "a=inactive:x"), false},
	{"direction with trailing space", sdpHead + audio("9", "a=sendrecv "), true},
	{"LF line endings, live", strings.ReplaceAll(sdpHead+audio("9", "a=sendrecv"), "\r\n", "\n"), true},
	{"LF line endings, inactive", strings.ReplaceAll(sdpHead+videoSection+audio("9", "a=inactive"), "\r\n", "\n"), false},
	{"mixed line endings", strings.Replace(sdpHead+audio("9", "a=sendrecv"), "\r\n", "\n", 3), true},
	{"media type in upper case does not parse", sdpHead + strings.Replace(audio("9", "a=inactive"), "m=audio", "m=AUDIO", 1), true},
	{"m line in upper case does not parse", sdpHead + strings.Replace(audio("9", "a=inactive"), "m=audio", "M=audio", 1), true},
	{"garbage", "v=0\r\nthis is not sdp", true},
	{"truncated m line", sdpHead + "m=audio", true},
	{"a lone CR hides an attribute from browsers", sdpHead + audio("9", "a=label:x\ra=inactive"), true},
	{"a lone CR anywhere", sdpHead + videoSection + "a=x\r" + audio("9", "a=inactive"), true},
	{"two mids, the second bundled", sdpHead + "a=group:BUNDLE 0 1\r\n" + videoSection + strings.Replace(audio("0", "a=sendrecv"), "a=mid:1", "a=mid:9\r\na=mid:1", 1), true},
	{"port range with 0", sdpHead + audio("0/2", "a=sendrecv"), false},
	{"non-numeric port", sdpHead + audio("x", "a=inactive"), true},
}

func TestLiveAudio(t *testing.T) {
	t.Parallel()
	for _, c := range sdpCases {
		if got := liveAudio(c.sdp); got != c.live {
			t.Errorf("%s: liveAudio = %v, want %v\n%s", c.name, got, c.live, c.sdp)
		}
		if c.live {
			continue
		}
		// Everything accepted must also pass the independent check.
		if why := audioCanSend(c.sdp); why != "" {
			t.Errorf("%s: accepted, but %s", c.name, why)
		}
	}
}

// audioCanSend is a deliberately simple second reading of an SDP, line by
// line and without pion, that says why some audio section could send
// (or "" when none can). It is the property FuzzLiveAudio holds liveAudio
// to: whatever liveAudio accepts, this finds no sending audio in.
func audioCanSend(raw string) string {
	// Lines as a browser splits them: at LF, dropping one CR before it.
	lines := strings.Split(raw, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	type section struct {
		audio, port0, bundleOnly bool
		mids                     []string
		dirs                     []string
	}
	var session section
	var sections []*section
	cur := &session
	for _, l := range lines {
		l = strings.TrimSpace(l)
		low := strings.ToLower(l)
		switch {
		case strings.HasPrefix(low, "m="):
			f := strings.Fields(low[2:])
			s := &section{audio: len(f) > 0 && f[0] == "audio", port0: len(f) > 1 && strings.TrimLeft(strings.SplitN(f[1], "/", 2)[0], "0+") == ""}
			sections = append(sections, s)
			cur = s
		case strings.HasPrefix(l, "a="):
			// Browsers match attribute names exactly; anything else is an
			// unknown attribute they ignore.
			key, val, _ := strings.Cut(l[2:], ":")
			switch key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				cur.dirs = append(cur.dirs, key)
			case "bundle-only":
				cur.bundleOnly = true
			case "mid":
				cur.mids = append(cur.mids, strings.TrimSpace(val))
			}
		}
	}
	bundled := map[string]bool{}
	for _, l := range lines {
		key, val, ok := strings.Cut(strings.TrimSpace(l), ":")
		if ok && strings.EqualFold(strings.TrimSpace(key), "a=group") {
			f := strings.Fields(val)
			if len(f) > 0 && strings.EqualFold(f[0], "bundle") {
				for _, m := range f[1:] {
					bundled[m] = true
				}
			}
		}
	}
	for i, s := range sections {
		if !s.audio {
			continue
		}
		inGroup := false
		for _, m := range s.mids {
			inGroup = inGroup || bundled[m]
		}
		if s.port0 && !s.bundleOnly && !session.bundleOnly && !inGroup {
			continue
		}
		dirs := s.dirs
		if len(dirs) == 0 {
			dirs = session.dirs
		}
		if len(dirs) == 0 {
			return "audio section " + strconv.Itoa(i) + " has no direction (sendrecv)"
		}
		for _, d := range dirs {
			if d == "sendrecv" || d == "sendonly" {
				return "audio section " + strconv.Itoa(i) + " is " + d
			}
		}
	}
	return ""
}
