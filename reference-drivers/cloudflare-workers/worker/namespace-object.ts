/**
 * One Durable Object per driver namespace: the ids of its actors, so `stop` and `start` reach
 * every one of them. Stopping makes each actor object save, close its connections, drop its
 * in-memory instance and hold its alarm; starting re-arms every held alarm (SCHED-4), so an
 * event that came due meanwhile fires without the actor being called.
 */
import { json } from "../wire.ts";
import { OBJECT_ORIGIN } from "./directory.ts";
import type { DurableObjectState, WorkerEnv } from "./platform.ts";

export class NamespaceObject {
  readonly #ctx: DurableObjectState;
  readonly #env: WorkerEnv;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    this.#ctx = ctx;
    this.#env = env;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS actors (id TEXT PRIMARY KEY)");
  }

  async fetch(request: Request): Promise<Response> {
    const sql = this.#ctx.storage.sql;
    switch (new URL(request.url).pathname) {
      case "/register":
        sql.exec("INSERT OR IGNORE INTO actors (id) VALUES (?)", await request.text());
        return json(null);
      case "/stop":
        await this.#each("/stop");
        return json(null);
      case "/start":
        await this.#each("/resume");
        return json(null);
      default:
        return json(null, 404);
    }
  }

  async #each(path: string): Promise<void> {
    const ids = this.#ctx.storage.sql.exec("SELECT id FROM actors").toArray();
    const actors = this.#env.ACTORS;
    await Promise.all(
      ids.map(async (row) => {
        const object = actors.get(actors.idFromString(row.id as string));
        const response = await object.fetch(
          new Request(`${OBJECT_ORIGIN}${path}`, { method: "POST" }),
        );
        if (!response.ok) throw new Error(`${path} of actor ${row.id}: HTTP ${response.status}`);
      }),
    );
  }
}
