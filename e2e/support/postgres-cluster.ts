import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, type HeraldProcess } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';

/** Herald processes in PostgreSQL mode sharing one database, stopped (SIGKILL) together at the end. */
export class PostgresCluster {
  private readonly processes = new Set<HeraldProcess>();
  private readonly dir = tempDir('herald-pg-cluster-');

  constructor(private readonly databaseUrl: string, private readonly overrides: Record<string, string> = {}) {}

  async spawn(role: 'api' | 'worker', overrides: Record<string, string> = {}): Promise<HeraldProcess> {
    const herald = await spawnHerald(postgresModeEnv(this.databaseUrl, role, this.dir.path, { ...this.overrides, ...overrides }), 60_000);
    this.processes.add(herald);
    void herald.exited.then(() => this.processes.delete(herald));
    return herald;
  }

  async stopAll(): Promise<void> {
    const exits = [...this.processes].map((herald) => {
      herald.child.kill('SIGCONT');
      herald.child.kill('SIGKILL');
      return herald.exited;
    });
    await Promise.all(exits);
    this.dir.remove();
  }
}

/** A JSON call to Herald's API with the test admin token; throws on anything but the expected status. */
export async function callApi<T>(baseUrl: string, method: string, path: string, body?: unknown, expect = [200, 201, 202]): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expect.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
