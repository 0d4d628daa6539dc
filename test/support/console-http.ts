/** A gateway's answer as the console specs read it: status, JSON body (or `{ text }`), raw text and Set-Cookie headers. */
export interface ConsoleAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  cookies: string[];
}

/** One request to a gateway's console or API route, JSON body when given, cookies and headers as passed. */
export async function consoleCall(baseUrl: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ConsoleAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { text };
  }
  return { status: response.status, body, text, cookies: response.headers.getSetCookie() };
}
