// Clock estimates the offset between the server's clock and this device's,
// so a countdown to the server's `endsAt` reads the same on every screen.
//
// For a frame stamped serverTime S and received at local time R, the true
// offset θ (server minus local) satisfies θ ≥ S − R: the frame spent some
// time on the wire. For a reply to a request sent at local time T, also
// θ ≤ S − T. The estimate is the midpoint of the reply with the smallest
// round trip (error at most half of it), kept inside the tightest bounds
// seen; without replies it is the largest lower bound. Only recent samples
// count, so a device clock that is adjusted is followed.

interface Sample {
  lower: number;
  upper: number; // Infinity when the frame was not a reply
  rtt: number; // Infinity when the frame was not a reply
  at: number;
}

export class Clock {
  private samples: Sample[] = [];
  private estimate = 0;

  constructor(
    private readonly maxSamples = 32,
    private readonly maxAgeMs = 10 * 60_000,
  ) {}

  /** offset is the best estimate of server time minus local time, in ms. */
  get offset(): number {
    return this.estimate;
  }

  /** now is the estimated server time for the local time `local`. */
  now(local = Date.now()): number {
    return local + this.estimate;
  }

  /**
   * observe records a frame's serverTime received at local time receivedAt;
   * sentAt is the local send time when the frame replies to a request.
   */
  observe(serverTime: number, receivedAt: number, sentAt?: number): void {
    if (!Number.isFinite(serverTime)) return;
    const reply = sentAt !== undefined && sentAt <= receivedAt;
    this.samples.push({
      lower: serverTime - receivedAt,
      upper: reply ? serverTime - sentAt : Infinity,
      rtt: reply ? receivedAt - sentAt : Infinity,
      at: receivedAt,
    });
    this.samples = this.samples.filter((s) => receivedAt - s.at <= this.maxAgeMs).slice(-this.maxSamples);
    this.estimate = this.compute();
  }

  private compute(): number {
    let lower = -Infinity;
    let upper = Infinity;
    let best: Sample | undefined;
    for (const s of this.samples) {
      lower = Math.max(lower, s.lower);
      upper = Math.min(upper, s.upper);
      if (s.rtt !== Infinity && (!best || s.rtt < best.rtt)) best = s;
    }
    if (!best) return lower;
    const mid = (best.lower + best.upper) / 2;
    if (lower > upper) return mid; // inconsistent samples: the device clock moved
    return Math.min(Math.max(mid, lower), upper);
  }
}
