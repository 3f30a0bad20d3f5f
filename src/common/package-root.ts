import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding Latchkey's package.json, where views/, public/ and migrations/
 * live. Found by walking up from this module, so the same code finds them when run from
 * src/ (tsx: development and tests) and from dist/src/ (the compiled build).
 */
function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, e.g. `fromPackageRoot('views')`. */
export const fromPackageRoot = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
