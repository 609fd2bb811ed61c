// Events for the detector tests: an ordinary GET from a browser with the target (and, where a
// test needs them, the headers) it is given, a failed SSH login, and the categories the shipped
// rules find in a request.

import type { AuthEvent, HttpEvent } from '../../../src/core/events.ts';
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

/** A failed SSH password login as root, at 2024-01-15 10:00 UTC, with what a test changes. */
export function authEvent(over: Partial<AuthEvent> = {}): AuthEvent {
  return {
    kind: 'auth',
    time: Date.UTC(2024, 0, 15, 10, 0, 0),
    service: 'ssh',
    action: 'login',
    outcome: 'failure',
    user: 'root',
    ip: '198.51.100.4',
    port: 22,
    method: 'password',
    invalidUser: false,
    targetUser: null,
    command: null,
    host: 'web1',
    program: 'sshd',
    message: 'Failed password',
    ...over,
  };
}

let shipped: ReturnType<typeof createDetector> | null = null;

/** True when the shipped rules find `category` in a GET of path?query. */
export function flagged(category: string, path: string, query: string): boolean {
  shipped ??= createDetector(loadRules().compiled);
  return shipped.process(getRequest(path, query)).some((f) => f.category === category);
}
