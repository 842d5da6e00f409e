import { describe, expect, it } from 'vitest';
import { distributionFor } from '../../electron/core/interpreters/module-map.js';

describe('module → distribution map (Install missing packages)', () => {
  it.each([
    ['yaml', 'PyYAML'],
    ['PIL', 'Pillow'],
    ['PIL.Image', 'Pillow'],
    ['cv2', 'opencv-python'],
    ['sklearn.linear_model', 'scikit-learn'],
    ['bs4', 'beautifulsoup4'],
    ['dateutil.parser', 'python-dateutil'],
    ['google.protobuf', 'protobuf'],
    ['google.cloud.storage.blob', 'google-cloud-storage'],
    ['requests', 'requests'],
    ['requests.adapters', 'requests'],
  ])('%s → %s', (module, dist) => {
    expect(distributionFor(module)).toBe(dist);
  });

  it('gives nothing for a name that is not a module path (never an option or a URL)', () => {
    for (const bad of ['', '-r', '--index-url=x', 'a b', 'x/y', '.rel', 'a..b', 'git+https://x']) expect(distributionFor(bad)).toBeNull();
  });
});
