/** A small seeded generator (mulberry32), so a failing case is found again with the same seed. */
export function createRandom(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` picks from `choices`, joined. */
export function pickJoined(random: () => number, choices: readonly string[], count: number): string {
  let text = '';
  for (let index = 0; index < count; index++) text += choices[Math.floor(random() * choices.length)];
  return text;
}
