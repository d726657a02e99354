// The typed HTTP client: paths and shapes come from the generated schema (openapi.json → schema.d.ts).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { getToken, setToken } from "./token";

export type Schemas = components["schemas"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Facts the server adds to an error (its `errors`), e.g. how many proposals are still pending. */
    readonly facts: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A rejected token ends the session: the app shows the login form again.
    if (response.status === 401) setToken(null, "rejected");
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

type Result<T> = { data?: T; error?: unknown; response: Response };

function detailOf(error: unknown, response: Response): string {
  if (error && typeof error === "object" && "detail" in error) return String((error as { detail: unknown }).detail);
  return `${response.status} ${response.statusText}`;
}

function factsOf(error: unknown): Record<string, unknown> {
  const errors = error && typeof error === "object" && "errors" in error ? (error as { errors: unknown }).errors : null;
  return errors && typeof errors === "object" && !Array.isArray(errors) ? (errors as Record<string, unknown>) : {};
}

/** The response's data, or an ApiError carrying the server's `detail`. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw new ApiError(response.status, detailOf(error, response), factsOf(error));
  return data as T;
}
