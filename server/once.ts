/**
 * An async value resolved on first use and shared by every caller after that; a failure is forgotten, so the
 * next call tries again (the database may not have been reachable yet).
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (!pending) {
      const loading = load();
      loading.catch(() => {
        if (pending === loading) pending = null;
      });
      pending = loading;
    }
    return pending;
  };
}
