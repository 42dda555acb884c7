/**
 * Sends fuzz cases to a running service, a few at a time, and judges every
 * answer: a 2xx must be a task answer, a 4xx a JSON catalog error, a 503
 * only an overload refusal; anything else (a 5xx, a broken body, a reset
 * on an HTTP case) is a problem. Raw cases may also end with the
 * connection closed and no answer. Used by the fuzz tests and the fuzz bench.
 */
import type { FuzzCase } from './fuzz-cases.js';
import { rawRequest } from './raw-request.js';

export interface FuzzSummary {
  cases: number;
  /** answers by status; 0 = raw case closed without an answer */
  statuses: Record<number, number>;
  /** what went wrong, the first few in full */
  problems: string[];
  problemCount: number;
}

/** A task's 200 body: detection objects, pose keypoints, or an annotated image. */
export function isTaskAnswer(body: Record<string, unknown>): boolean {
  return typeof body.id === 'string' && (Array.isArray(body.objects) || Array.isArray(body.keypoints) || typeof body.image === 'string');
}

/** Why this answer is wrong, or undefined when it is fine. */
export function judge(status: number, text: string, raw: boolean): string | undefined {
  if (status === 0) return raw ? undefined : 'no answer';
  let body: Record<string, unknown> & { error?: { code?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `${status} with a body that is not JSON: ${text.slice(0, 120)}`;
  }
  if (status >= 200 && status < 300) return isTaskAnswer(body) ? undefined : `${status} that is not a task answer: ${text.slice(0, 120)}`;
  if (status >= 400 && status < 500) return typeof body.error?.code === 'string' ? undefined : `${status} without an error code: ${text.slice(0, 120)}`;
  if (status === 503) return body.error?.code === 'overloaded' ? undefined : `503 that is not an overload refusal: ${text.slice(0, 120)}`;
  return `status ${status}: ${text.slice(0, 120)}`;
}

async function send(url: string, route: string, c: FuzzCase): Promise<{ status: number; text: string; error?: string }> {
  if (c.raw) {
    const reply = await rawRequest(url, c.raw, { end: true, timeoutMs: 5000 });
    return { status: reply.status, text: reply.body };
  }
  const headers: Record<string, string> = { ...(c.contentType ? { 'content-type': c.contentType } : {}), ...c.headers };
  try {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers, body: c.body, signal: AbortSignal.timeout(60_000) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: '', error: String((err as Error).cause ?? err) };
  }
}

export interface FuzzRun {
  url: string;
  /** cases go to these routes in turn */
  routes: readonly string[];
  cases: Iterable<FuzzCase>;
  concurrency: number;
  /** called after each case, e.g. for a progress line or a memory sample */
  onCase?: (done: number) => void;
}

export async function runFuzz(run: FuzzRun): Promise<FuzzSummary> {
  const summary: FuzzSummary = { cases: 0, statuses: {}, problems: [], problemCount: 0 };
  const iterator = run.cases[Symbol.iterator]();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = iterator.next(); !item.done; item = iterator.next()) {
      const c = item.value;
      const route = run.routes[next++ % run.routes.length]!;
      const answer = await send(run.url, route, c);
      summary.cases += 1;
      summary.statuses[answer.status] = (summary.statuses[answer.status] ?? 0) + 1;
      const problem = answer.error ? `connection error: ${answer.error}` : judge(answer.status, answer.text, c.raw !== undefined);
      if (problem) {
        summary.problemCount += 1;
        if (summary.problems.length < 10) summary.problems.push(`${c.what} → ${route}: ${problem}`);
      }
      run.onCase?.(summary.cases);
    }
  };
  await Promise.all(Array.from({ length: run.concurrency }, worker));
  return summary;
}
