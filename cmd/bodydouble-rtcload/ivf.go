package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// frame is one VP8 frame of the IVF file and how long it is shown.
type frame struct {
	data []byte
	dur  time.Duration
	key  bool
}

// video is the whole IVF file in memory, sent in a loop.
type video struct {
	frames   []frame
	width    int
	height   int
	duration time.Duration
	bytes    int64 // VP8 payload, without IVF headers
	source   string
	command  string // the ffmpeg command that made it, if it was made here
}

// kbps is the VP8 bitrate of the file.
func (v *video) kbps() float64 {
	return float64(v.bytes) * 8 / v.duration.Seconds() / 1000
}

// ffmpegArgs make the test picture: a moving pattern with temporal noise,
// so that the encoder needs its whole budget as a real camera image does
// (a static pattern undershoots the cap).
func ffmpegArgs(o options, out string) []string {
	src := fmt.Sprintf("testsrc2=size=%dx%d:rate=%d,noise=alls=12:allf=t+u", o.width, o.height, o.fps)
	br := fmt.Sprintf("%dk", o.bitrate)
	return []string{
		"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", src, "-t", fmt.Sprint(o.ivfSeconds), "-an",
		// Constant bitrate at the cap, one keyframe per loop (a browser
		// sends keyframes only at the start and when asked).
		"-c:v", "libvpx", "-b:v", br, "-minrate", br, "-maxrate", br, "-bufsize", br,
		"-deadline", "realtime", "-cpu-used", "8", "-g", fmt.Sprint(o.ivfSeconds * o.fps),
		"-f", "ivf", out,
	}
}

// loadVideo reads -ivf, or makes the file with ffmpeg in a temporary
// directory that is removed again.
func loadVideo(ctx context.Context, o options) (*video, error) {
	path, cmdline := o.ivf, ""
	if path == "" {
		ffmpeg, err := exec.LookPath("ffmpeg")
		if err != nil {
			return nil, errors.New("ffmpeg not found: install it (apt-get install -y ffmpeg) or pass -ivf")
		}
		dir, err := os.MkdirTemp("", "rtcload-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "camera.ivf")
		args := ffmpegArgs(o, path)
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, ffmpeg, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("ffmpeg: %v: %s", err, stderr.String())
		}
		cmdline = "ffmpeg " + shellJoin(args[:len(args)-1]) + " camera.ivf"
		if o.keepIVF != "" {
			b, err := os.ReadFile(path)
			if err == nil {
				err = os.WriteFile(o.keepIVF, b, 0o644)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := readIVF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v.source, v.command = path, cmdline
	if o.ivf == "" {
		v.source = "generated"
	}
	return v, nil
}

func readIVF(r io.Reader) (*video, error) {
	rd, hdr, err := ivfreader.NewWith(r)
	if err != nil {
		return nil, err
	}
	if string(hdr.FourCC[:]) != "VP80" {
		return nil, fmt.Errorf("codec %q, want VP80", string(hdr.FourCC[:]))
	}
	if hdr.TimebaseDenominator == 0 || hdr.TimebaseNumerator == 0 {
		return nil, errors.New("no timebase")
	}
	unit := time.Duration(float64(time.Second) * float64(hdr.TimebaseNumerator) / float64(hdr.TimebaseDenominator))
	v := &video{width: int(hdr.Width), height: int(hdr.Height)}
	var stamps []uint64
	for {
		data, fh, err := rd.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		// VP8 payload header: bit 0 of the first byte is 0 for a keyframe.
		key := len(data) > 0 && data[0]&1 == 0
		v.frames = append(v.frames, frame{data: data, key: key})
		// ivfreader hands out pts × denominator / numerator; back to the
		// pts, in units of numerator/denominator seconds.
		stamps = append(stamps, fh.Timestamp*uint64(hdr.TimebaseNumerator)/uint64(hdr.TimebaseDenominator))
		v.bytes += int64(len(data))
	}
	if len(v.frames) < 2 {
		return nil, errors.New("fewer than two frames")
	}
	if !v.frames[0].key {
		return nil, errors.New("the first frame is not a keyframe")
	}
	for i := range v.frames {
		var d time.Duration
		if i+1 < len(stamps) && stamps[i+1] > stamps[i] {
			d = time.Duration(stamps[i+1]-stamps[i]) * unit
		} else {
			d = v.duration / time.Duration(i) // the last frame: the average so far
		}
		v.frames[i].dur = d
		v.duration += d
	}
	return v, nil
}

// shellJoin quotes args for a shell where needed.
func shellJoin(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" || bytes.ContainsAny([]byte(a), " '\"$*?;&|<>()!") {
			b.WriteString("'" + a + "'")
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}
