import { describe, expect, it } from 'vitest';
import { createRouteMethods } from './route-methods.js';

describe('createRouteMethods', () => {
  const methods = createRouteMethods();
  methods.add('POST', '/v1/token');
  methods.add(['GET', 'HEAD'], '/v1/sessions');
  methods.add('delete', '/v1/sessions/:id');
  methods.add('GET', '/assets/lib/:module/:file');
  methods.add('GET', '/');
  methods.add('GET', '/files/*');

  it.each([
    ['/v1/token', ['POST']],
    ['/v1/token?x=1', ['POST']],
    ['/v1/sessions', ['GET', 'HEAD']],
    ['/v1/sessions/abc', ['DELETE']],
    ['/assets/lib/client/index.js', ['GET']],
    ['/', ['GET']],
    ['/files/', ['GET']],
    ['/files/a/b', ['GET']],
  ])('%s allows %j', (path, expected) => {
    expect(methods.allowedFor(path)).toEqual(expected);
  });

  it.each([
    '/v1/token/',
    '/v1/tokens',
    '/v1/sessions/',
    '/v1/sessions/abc/def',
    '/assets/lib/client',
    '/files',
    '/nope',
    '',
  ])('%s is unknown', (path) => {
    expect(methods.allowedFor(path)).toEqual([]);
  });

  it('merges the methods of every route whose pattern matches', () => {
    const merged = createRouteMethods();
    merged.add('GET', '/users/:id');
    merged.add('PUT', '/users/me');
    merged.add('GET', '/users/me');
    expect(merged.allowedFor('/users/me')).toEqual(['GET', 'PUT']);
    expect(merged.allowedFor('/users/42')).toEqual(['GET']);
  });
});
