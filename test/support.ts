// Helpers shared by every test folder.

/** The error `fn` throws; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw, but it returned normally');
}
