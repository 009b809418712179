// Waits for a condition the test cannot await directly (a server's counter reaching a value),
// checking every few milliseconds, a bounded number of times.
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let check = 0; check < 2000; check += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}
