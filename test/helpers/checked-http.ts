import type { Server } from 'node:http';
import request from 'supertest';
import { openApiContract } from './openapi-contract';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'options', 'head']);

/**
 * supertest on the app, with every answer checked against the OpenAPI document (status and
 * body schema of its operation): a spec's request fails when the answer is not documented,
 * so the document cannot drift from the code. `TestApp.http()` returns this.
 */
export function checkedRequest(server: Server): ReturnType<typeof request> {
  const agent = request(server);
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') {
        return value;
      }
      return (url: string, ...rest: unknown[]) => {
        const test = (value as (url: string, ...rest: unknown[]) => request.Test).call(
          target,
          url,
          ...rest,
        );
        return test.expect((res) => openApiContract().assert(property, url, res));
      };
    },
  });
}
