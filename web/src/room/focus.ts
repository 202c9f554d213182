// Focus-session form logic, kept apart from the components so it can be tested.

export const MAX_GOALS = 10;
export const MAX_GOAL_LENGTH = 200;

/**
 * fieldsToInputs maps the server's errors (goals.N, N an index into the goals
 * sent) back to the inputs they came from, since empty inputs are not sent.
 */
export function fieldsToInputs(fields: Record<string, string>, sentFrom: number[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const m = /^goals\.(\d+)$/.exec(field);
    const input = m ? sentFrom[Number(m[1])] : undefined;
    if (input !== undefined) out[input] = message;
  }
  return out;
}

/** achievementsFrom combines the goals ticked as done with the lines typed in. */
export function achievementsFrom(goals: string[], ticked: boolean[], other: string): string[] {
  const lines = other.split('\n').map((l) => l.trim()).filter(Boolean);
  return [...goals.filter((_, i) => ticked[i]), ...lines];
}

