// A small HTTP client for the people-facing pages, as a browser without
// JavaScript would use them: keeps cookies, never follows redirects (tests look
// at them), reads the CSRF token from the last form it was shown.
export interface WebResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(readonly baseUrl: string) {}

  /** A client that starts with the same cookies (another tab of the same browser). */
  clone(): WebClient {
    const c = new WebClient(this.baseUrl);
    for (const [k, v] of this.cookies) c.cookies.set(k, v);
    c.csrf = this.csrf;
    return c;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      const value = decodeURIComponent(pair!.slice(i + 1).trim());
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && new Date(a.split("=")[1]!) < new Date()) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<WebResponse> {
    const res = await fetch(this.baseUrl + path, {
      method,
      redirect: "manual",
      headers: {
        accept: "text/html",
        ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...headers,
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.remember(res);
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return { status: res.status, headers: res.headers, text, location: res.headers.get("location") };
  }

  get(path: string, headers?: Record<string, string>): Promise<WebResponse> {
    return this.request("GET", path, undefined, headers);
  }

  /** POSTs a form with the current CSRF token added (unless `_csrf` is given, or `withCsrf` is false). */
  post(path: string, form: Record<string, string> = {}, withCsrf = true): Promise<WebResponse> {
    const body = withCsrf && this.csrf && !("_csrf" in form) ? { _csrf: this.csrf, ...form } : form;
    return this.request("POST", path, body);
  }

  /** Opens the sign-in form and signs in; returns the POST's response (303 on success). */
  async signIn(username: string, password: string): Promise<WebResponse> {
    await this.get("/login");
    return this.post("/login", { username, password });
  }
}
