/**
 * backoffDelay is the wait in ms before reconnect attempt `attempt` (0-based):
 * exponential from `base` up to `cap`, with "equal jitter" (between half and
 * all of it) so that many clients dropped together do not return together.
 * The cap (10 s) keeps a person whose connection dropped within the
 * server's 30 s seat grace of its return: a restart or a crash never costs
 * them their seat or their block.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, base = 500, cap = 10_000): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}
