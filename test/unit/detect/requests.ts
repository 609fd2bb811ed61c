// Requests for the detector tests: an ordinary GET from a browser with the target (and, where a
// test needs them, the headers) it is given, and the categories the shipped rules find in it.

import type { HttpEvent } from '../../../src/core/events.ts';
import { createDetector, loadRules } from '../../../src/detect/index.ts';

export function getRequest(path: string, query: string, over: Partial<HttpEvent> = {}): HttpEvent {
  return {
    kind: 'http',
    time: 0,
    ip: '192.0.2.9',
    method: 'GET',
    path,
    query,
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 512,
    referer: null,
    userAgent: 'Mozilla/5.0',
    user: null,
    vhost: null,
    durationMs: null,
    ...over,
  };
}

let shipped: ReturnType<typeof createDetector> | null = null;

/** True when the shipped rules find `category` in a GET of path?query. */
export function flagged(category: string, path: string, query: string): boolean {
  shipped ??= createDetector(loadRules().compiled);
  return shipped.process(getRequest(path, query)).some((f) => f.category === category);
}
