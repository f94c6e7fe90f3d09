// Synthetic market ticks: a seeded random walk of mid prices, so that a test can
// compute the same series the page draws. Runs in browsers and in Node.

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A tick source: `next(n)` returns the next `n` prices as a Float64Array, the way a
 * WebSocket feed delivers a batch of ticks in one message.
 */
export function createTicker(seed = 42, start = 100) {
  const random = mulberry32(seed);
  let price = start;
  return {
    next(n) {
      const batch = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        // A step of at most ±0.25, rounded to a cent.
        price = Math.round((price + (random() - 0.5) * 0.5) * 100) / 100;
        batch[i] = price;
      }
      return batch;
    },
  };
}
