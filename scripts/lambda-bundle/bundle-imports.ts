/**
 * What a code-split bundle loads, read from esbuild's metafile. A package imported only by a chunk
 * reached through `import()` loads when that import runs; one reached through static imports from
 * the entry loads when the handler module loads, and so must be shipped.
 */
import { isBuiltin } from 'node:module';
import { resolve } from 'node:path';
import type { Metafile } from 'esbuild';

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

export interface BundleImports {
  /** External packages loaded as soon as the entry module is imported. */
  staticExternals: Set<string>;
  /** External packages loaded only behind an `import()` (and not statically as well). */
  dynamicOnlyExternals: Set<string>;
  /** Packages whose code esbuild copied into the bundle. */
  bundledPackages: Set<string>;
}

/**
 * @param workingDirectory esbuild's `absWorkingDir`: metafile paths are relative to it.
 * @param entryOutput the absolute path of the entry's output file.
 */
export function analyseBundleImports(
  metafile: Metafile,
  workingDirectory: string,
  entryOutput: string,
): BundleImports {
  const outputs = new Map(
    Object.entries(metafile.outputs).map(([path, output]) => [resolve(workingDirectory, path), output]),
  );
  const staticExternals = new Set<string>();
  const allExternals = new Set<string>();
  const visited = new Set<string>();
  const pending = [resolve(entryOutput)];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (visited.has(path)) continue;
    visited.add(path);
    for (const imported of outputs.get(path)?.imports ?? []) {
      const isStatic = imported.kind !== 'dynamic-import';
      if (imported.external) {
        if (isStatic && !isBuiltin(imported.path)) staticExternals.add(packageNameOf(imported.path));
      } else if (isStatic) {
        pending.push(resolve(workingDirectory, imported.path));
      }
    }
  }
  for (const output of outputs.values()) {
    for (const imported of output.imports) {
      if (imported.external && !isBuiltin(imported.path)) {
        allExternals.add(packageNameOf(imported.path));
      }
    }
  }
  const dynamicOnlyExternals = new Set([...allExternals].filter((name) => !staticExternals.has(name)));

  const bundledPackages = new Set<string>();
  const marker = '/node_modules/';
  for (const input of Object.keys(metafile.inputs)) {
    const path = `/${input.replaceAll('\\', '/')}`;
    // The last node_modules segment names the package a nested dependency belongs to.
    const start = path.lastIndexOf(marker);
    if (start >= 0) bundledPackages.add(packageNameOf(path.slice(start + marker.length)));
  }
  return { staticExternals, dynamicOnlyExternals, bundledPackages };
}
