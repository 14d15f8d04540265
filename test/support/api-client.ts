import type { Host, LogsResponse, StoredLogLine } from "@crowsnest/protocol";

/** A logged-in user of the REST API, as the dashboard would be. */
export class ApiClient {
  readonly baseUrl: string;
  readonly cookie: string;

  private constructor(baseUrl: string, cookie: string) {
    this.baseUrl = baseUrl;
    this.cookie = cookie;
  }

  static async login(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const res = await fetch(`${baseUrl}/api/auth/login`, {
      method: "POST",
      // As the dashboard's own page sends it: state-changing requests must come from our origin.
      headers: { "content-type": "application/json", origin: new URL(baseUrl).origin },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
    const cookie = res.headers.getSetCookie()[0]?.split(";")[0];
    if (!cookie) throw new Error("login set no cookie");
    return new ApiClient(baseUrl, cookie);
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { cookie: this.cookie } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** A state-changing request from the dashboard's own origin; throws unless 2xx. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: "POST",
      headers: {
        cookie: this.cookie,
        origin: new URL(this.baseUrl).origin,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async host(hostId: string): Promise<Host> {
    return this.get<Host>(`/api/hosts/${hostId}`);
  }

  /** Every stored log line of a container, oldest first, following the cursor to the end. */
  async allLogLines(hostId: string, containerId: string): Promise<StoredLogLine[]> {
    const pages: StoredLogLine[][] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: "1000", from: "0" });
      if (cursor !== null) query.set("cursor", cursor);
      const page: LogsResponse = await this.get<LogsResponse>(
        `/api/hosts/${hostId}/containers/${containerId}/logs?${query}`,
      );
      pages.unshift(page.lines);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return pages.flat();
  }
}
