// Spearman's rank correlation, for the linkability tests: how well a position an attacker can read (an offset, a key,
// a transaction id) orders ballots by their true order of arrival. Tied values share their mean rank, so a position
// that is the same for every ballot (all xmins equal after a close) correlates 0, not by accident of row order.

/** Ranks 0..n-1, tied values getting the mean of their ranks. */
function ranks(v: readonly number[]): number[] {
  const order = v.map((_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const r = new Array<number>(v.length);
  for (let k = 0; k < order.length; ) {
    let end = k + 1;
    while (end < order.length && v[order[end]!] === v[order[k]!]) end++;
    for (let j = k; j < end; j++) r[order[j]!] = (k + end - 1) / 2;
    k = end;
  }
  return r;
}

/** Spearman's rho of x against y (0 when either is constant). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const m = (x.length - 1) / 2;
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i]! - m) * (ry[i]! - m);
    dx += (rx[i]! - m) ** 2;
    dy += (ry[i]! - m) ** 2;
  }
  return dx === 0 || dy === 0 ? 0 : num / Math.sqrt(dx * dy);
}

/**
 * Rho within groups (the rows of one page, say), pooled: the mean of each group's rho weighted by its size, over
 * groups of at least 3. How well the order inside each page follows arrival, whatever the order of the pages.
 */
export function spearmanWithin(group: readonly number[], x: readonly number[], y: readonly number[]): number {
  const groups = new Map<number, number[]>();
  group.forEach((g, i) => {
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(i);
  });
  let weighted = 0;
  let weight = 0;
  for (const members of groups.values()) {
    if (members.length < 3) continue;
    weighted += spearman(members.map((i) => x[i]!), members.map((i) => y[i]!)) * members.length;
    weight += members.length;
  }
  return weight > 0 ? weighted / weight : 0;
}

/**
 * The bound a position unrelated to arrival stays under: for n items Spearman's rho has mean 0 and standard
 * deviation 1/sqrt(n-1), so 4 standard deviations (a chance failure 6e-5 per position), and never below 0.1.
 */
export const rhoBound = (n: number) => Math.max(0.1, 4 / Math.sqrt(n - 1));
