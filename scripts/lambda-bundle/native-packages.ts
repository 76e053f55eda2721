/**
 * Copies native packages (sharp) into the bundle's `node_modules/` with exactly the dependencies
 * they load at run time: every `dependencies` entry, and the `optionalDependencies` installed here
 * that are built for the Lambda's platform (Linux, glibc, the chosen CPU). The platform binaries
 * of other systems that npm may have installed are left behind.
 */
import { cp, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { LambdaCpu } from '../../infra/lambda-bundle.js';

export interface PlatformTarget {
  os: 'linux';
  cpu: LambdaCpu;
  libc: 'glibc';
}

const packageJsonSchema = z.object({
  name: z.string(),
  version: z.string(),
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
  os: z.array(z.string()).optional(),
  cpu: z.array(z.string()).optional(),
  libc: z.array(z.string()).optional(),
});

/** npm's platform fields: absent means any; `!x` excludes x; otherwise one of the listed. */
function platformFieldAllows(values: readonly string[] | undefined, wanted: string): boolean {
  if (values === undefined) return true;
  if (values.includes(`!${wanted}`)) return false;
  const allowed = values.filter((value) => !value.startsWith('!'));
  return allowed.length === 0 || allowed.includes(wanted);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Node's lookup: `node_modules/<name>` in the folder and then in each folder above it. */
async function findPackageDirectory(name: string, fromDirectory: string): Promise<string | undefined> {
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (await isFile(join(candidate, 'package.json'))) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}

/** Files a package needs at run time only: no type declarations, docs or nested installs. */
function isRuntimeFile(source: string): boolean {
  const name = source.replaceAll('\\', '/');
  return (
    !/\.d\.[cm]?ts$/.test(name) && !/\.md$/i.test(name) && !/\/node_modules\/.+\/node_modules\//.test(name)
  );
}

/**
 * Copies `names` and their run-time dependencies for `target` from the installation that
 * `projectDirectory` resolves to, into `destination` (a flat `node_modules`).
 * @returns the copied packages and their versions.
 */
export async function copyNativePackages(
  names: readonly string[],
  projectDirectory: string,
  destination: string,
  target: PlatformTarget,
): Promise<Record<string, string>> {
  const copied = new Map<string, { directory: string; version: string }>();
  const pending: { name: string; from: string; optional: boolean }[] = names.map((name) => ({
    name,
    from: projectDirectory,
    optional: false,
  }));
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const directory = await findPackageDirectory(next.name, next.from);
    if (directory === undefined) {
      if (next.optional) continue;
      throw new Error(`package ${next.name} is not installed (needed from ${next.from})`);
    }
    const manifest = packageJsonSchema.parse(
      JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')),
    );
    const forTarget =
      platformFieldAllows(manifest.os, target.os) &&
      platformFieldAllows(manifest.cpu, target.cpu) &&
      platformFieldAllows(manifest.libc, target.libc);
    if (!forTarget) continue;
    const seen = copied.get(next.name);
    if (seen) {
      // A flat node_modules holds one version of each package.
      if (seen.directory !== directory) {
        throw new Error(`two installations of ${next.name} are needed: ${seen.directory} and ${directory}`);
      }
      continue;
    }
    copied.set(next.name, { directory, version: manifest.version });
    await cp(directory, join(destination, next.name), {
      recursive: true,
      dereference: true,
      filter: isRuntimeFile,
    });
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      pending.push({ name, from: directory, optional: false });
    }
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) {
      pending.push({ name, from: directory, optional: true });
    }
  }
  return Object.fromEntries([...copied].map(([name, { version }]) => [name, version]).sort());
}

/**
 * sharp loads its binding from `@img/sharp-<platform>` and libvips from
 * `@img/sharp-libvips-<platform>`: both must be present for the target, or sharp fails on import.
 */
export function sharpPlatformPackages(target: PlatformTarget): string[] {
  const platform = `${target.os}${target.libc === 'glibc' ? '' : 'musl'}-${target.cpu}`;
  return [`@img/sharp-${platform}`, `@img/sharp-libvips-${platform}`];
}
