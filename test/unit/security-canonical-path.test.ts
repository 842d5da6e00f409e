/** canonicalPath: a plain path (unreserved characters, no dot segment) is only lower-cased; anything else is decoded and normalized first. */
import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../electron/api/security.js';

describe('canonicalPath', () => {
  it('lower-cases a plain path and drops the query', () => {
    expect(canonicalPath('/api/v1/Webhook/My_Plugin-2?x=1')).toBe('/api/v1/webhook/my_plugin-2');
    expect(canonicalPath('/API/Dashboard/')).toBe('/api/dashboard/');
  });

  it('decodes and normalizes every other path before comparing', () => {
    expect(canonicalPath('/api/v1/webhook/../../dashboard/config')).toBe('/api/dashboard/config');
    expect(canonicalPath('/api/%2e%2e/api/Dashboard')).toBe('/api/dashboard');
    expect(canonicalPath('/api/v1/%252e%252e/%252e%252e/dashboard')).toBe('/dashboard');
    expect(canonicalPath('//api//dashboard')).toBe('/api/dashboard');
    expect(canonicalPath('/api\\dashboard')).toBe('/api/dashboard');
    expect(canonicalPath('/api/./dashboard?a=/..')).toBe('/api/dashboard');
    expect(canonicalPath('/')).toBe('/');
  });
});
