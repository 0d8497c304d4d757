// The traffic of an SMS pumping run, shared by the abuse tests (verifications) and the Messages
// API tests: attack destinations (premium, satellite, high-risk countries and runs of
// consecutive numbers in ordinary ranges) and real users' numbers in several countries, from a
// seeded PRNG so every run sends the same traffic; and a small worker pool.

/** A small seeded PRNG (mulberry32), so every run sends the same traffic. */
export function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let random = prng(20261123);
/** Restarts the sequence from `seed` (each run its own traffic). */
export function reseed(seed) {
  random = prng(seed);
}

/** A random number below 1, from the seeded sequence. */
export const next = () => random();

/** `n` random digits. */
export const digits = (n) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");

/** Attack destinations: high-cost and high-risk numbers, and runs of consecutive numbers. */
export function attackNumbers() {
  const out = [];
  const costly = [
    () => `+88216${digits(8)}`, // Thuraya (satellite)
    () => `+8816${digits(8)}`, // Iridium (satellite)
    () => `+1900${digits(7)}`, // NANP premium rate
    () => `+44909${digits(7)}`, // UK premium rate
    () => `+979${digits(8)}`, // international premium rate
    () => `+535${digits(7)}`, // Cuba
    () => `+25261${digits(7)}`, // Somalia
    () => `+6757${digits(7)}`, // Papua New Guinea
  ];
  for (let i = 0; i < 400; i++) out.push(costly[i % costly.length]());
  // Runs of consecutive numbers in ordinary mobile ranges (GB, DE, US, ES).
  const runs = [(i) => `+447700900${String(i).padStart(3, "0")}`, (i) => `+4915123456${String(i).padStart(3, "0")}`, (i) => `+1212555${1000 + i}`, (i) => `+3460012${String(i).padStart(4, "0")}`];
  for (const run of runs) for (let i = 0; i < 160; i++) out.push(run(i));
  return out;
}

/** Legitimate users: random mobile numbers in several countries, away from the attacked runs. */
export function legitimateNumbers(count) {
  const plans = [
    () => `+1${["415", "646", "917", "312", "206"][Math.floor(random() * 5)]}${2 + Math.floor(random() * 7)}${digits(6)}`,
    () => `+447${4 + Math.floor(random() * 5)}${digits(8)}`,
    () => `+4917${digits(8)}`,
    () => `+336${digits(8)}`,
    () => `+919${digits(9)}`,
    () => `+55119${digits(8)}`,
    () => `+8190${digits(8)}`,
    () => `+614${digits(8)}`,
  ];
  return Array.from({ length: count }, (_, i) => plans[i % plans.length]());
}

/** Shuffles `jobs` in place, so attack and real traffic arrive interleaved. */
export function shuffle(jobs) {
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
  }
}

/** Runs `jobs` (async functions), `width` at a time. */
export async function pool(jobs, width) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
}

