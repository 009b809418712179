import { describe, expect, it } from '@jest/globals';
import { normaliseHtu, requestTargetUri } from './dpop-target-uri.js';

describe('normaliseHtu', () => {
  it('normalises the case of scheme and host, default ports, dot segments and percent-encodings', () => {
    expect(normaliseHtu('HTTPS://API.Example.com:443/a/./b/../secure')).toBe(
      'https://api.example.com/a/secure',
    );
    expect(normaliseHtu('http://127.0.0.1:80/x%2fy')).toBe('http://127.0.0.1/x%2Fy');
    expect(normaliseHtu('https://api.example.com')).toBe('https://api.example.com/');
  });

  it('AD36: refuses a query, a fragment, a relative URL and other schemes', () => {
    for (const raw of [
      'https://api.example.com/secure?x=1',
      'https://api.example.com/secure?',
      'https://api.example.com/secure#f',
      '/secure',
      'ftp://api.example.com/secure',
      'not a url',
    ]) {
      expect(normaliseHtu(raw)).toBeUndefined();
    }
  });
});

describe('requestTargetUri', () => {
  it('uses the public origin when set, else the scheme and Host of the request; drops the query', () => {
    expect(requestTargetUri('https://api.example.com', false, 'internal:8080', '/secure?a=1')).toBe(
      'https://api.example.com/secure',
    );
    expect(requestTargetUri(undefined, false, '127.0.0.1:7000', '/secure?a=1')).toBe(
      'http://127.0.0.1:7000/secure',
    );
    expect(requestTargetUri(undefined, true, 'API.example.com:443', '/secure')).toBe(
      'https://api.example.com/secure',
    );
    expect(requestTargetUri(undefined, false, undefined, '/secure')).toBeUndefined();
  });
});
