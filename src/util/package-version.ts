import { readFileSync } from 'node:fs';

/** bazaar's own version, from the package.json above this module (sources or dist/ alike). */
export function packageVersion(): string {
  for (let url = new URL('./package.json', import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bazaar' && pkg.version) return pkg.version;
    } catch {
      // not here: one folder up
    }
    const up = new URL('../package.json', url);
    if (up.href === url.href) return '0.0.0';
    url = up;
  }
}
