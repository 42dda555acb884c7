/**
 * The HTTP server around a Service: the overload fast path, JSON answers
 * to requests too broken for Express (bad HTTP, no Host), and the timeouts that keep a slow or
 * silent client from holding a connection (and an admission ticket) for
 * long. main.ts and the tests build the same server.
 */
import { createServer, type Server } from 'node:http';
import type { Service } from './app.js';
import { answerClientErrors, requireHost } from './client-errors.js';

export function createHttpServer(service: Service, replica: string): Server {
  const server = createServer({ requireHostHeader: false }, requireHost(service.handle, replica));
  answerClientErrors(server, replica);
  // A client trickling its body would otherwise hold an admission slot for the default 5 minutes.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 65_000;
  return server;
}
