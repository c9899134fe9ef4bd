/*
 * A panel's list read from the server (a meeting's sittings, its corrections): loaded, and loaded
 * again when the panel is told it changed; changed by actions that reload it once they succeed.
 * While an action runs `busy` is set, for the panel to disable its buttons; what failed, loading
 * or acting, is kept in `failure` for the panel to show.
 */
export class ServerList<T> {
  /** null until the first load answers. */
  items = $state<T[] | null>(null);
  busy = $state(false);
  failure = $state<unknown>(null);
  private readonly fetchItems: () => Promise<T[]>;

  constructor(fetchItems: () => Promise<T[]>) {
    this.fetchItems = fetchItems;
  }

  async load(): Promise<void> {
    try {
      this.items = await this.fetchItems();
    } catch (err) {
      this.failure = err;
    }
  }

  /** Runs a change (which may also clear the panel's form), then reloads the list. */
  async change(action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.failure = null;
    try {
      await action();
      await this.load();
    } catch (err) {
      this.failure = err;
    } finally {
      this.busy = false;
    }
  }
}
