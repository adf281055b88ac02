import { describe, expect, it } from 'vitest';
import { moduleExtension, modulePath } from './module-path.ts';

describe('modulePath', () => {
  it.each([
    ['a checkout runs the .ts source', 'file:///repo/src/lab/embedded-server.ts', '/repo/bin/bazaar.ts'],
    ['the installed package runs compiled .js', 'file:///app/node_modules/bazaar/dist/src/lab/embedded-server.js', '/app/node_modules/bazaar/dist/bin/bazaar.js'],
  ])('%s', (_layout, fromUrl, expected) => {
    expect(modulePath('../../bin/bazaar.ts', fromUrl)).toBe(expected);
  });

  it('decodes the URL into a file path', () => {
    expect(modulePath('./cluster-node.ts', 'file:///my%20work/src/lab/cluster-primary.ts')).toBe('/my work/src/lab/cluster-node.ts');
  });

  it('reads the layout from the caller', () => {
    expect(moduleExtension('file:///x/dist/src/a.js')).toBe('.js');
    expect(moduleExtension('file:///x/src/a.ts')).toBe('.ts');
  });
});
