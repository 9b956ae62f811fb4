// better-sqlite3 is synchronous: the stores beside SqliteStore answer with the result of `work` as
// a promise, a thrown error as a rejected one, as the async store interfaces expect.
export function syncPromise<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
