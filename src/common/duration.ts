const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90", "90s", "15m", "12h", "7d" → seconds. Throws with a readable message otherwise. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`${text} is not a duration (examples: 90s, 15m, 12h, 7d)`);
  return Number(match[1]) * UNITS[match[2] || 's']!;
}
